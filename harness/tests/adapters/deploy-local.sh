#!/bin/sh
# Test-only: the model of a deploy script for a remote-target profile (deploy-local.toml).
# A real one uploads the build to a preview deployment and prints its URL; this one
# "deploys" by starting @astrojs/node's standalone server in the background on
# 127.0.0.1:$PORT, prints the URL and exits. The server stays in this script's process
# group, which the harness kills after the cleanup has run.
#   deploy-local.sh deploy            (env: NODE, ENTRY, PORT)
#   deploy-local.sh cleanup URL       (env: CLEANUP_MARK: a file the URL is appended to)
set -eu
case "$1" in
  deploy)
    echo "deploying $ENTRY"
    # Its output joins this script's log; the build's files are left as they are.
    HOST=127.0.0.1 PORT="$PORT" "$NODE" "$ENTRY" &
    echo "deployed; the preview is at"
    echo "http://127.0.0.1:$PORT/"
    ;;
  cleanup)
    echo "$2" >> "$CLEANUP_MARK"
    ;;
  *)
    echo "usage: deploy-local.sh deploy | cleanup URL" >&2
    exit 2
    ;;
esac
