#!/usr/bin/env bash
# The Action's run step: `astro-conform check|run` with its reports in INPUT_REPORT_DIR and
# annotations on, then matrix.md into the job summary. Exits with the command's status.
set -uo pipefail
command=${INPUT_COMMAND:-check}
case "$command" in
  check | run) ;;
  *)
    echo "::error title=astro-conform action::command must be check, run or none, not '$command'"
    exit 2
    ;;
esac
read -r -a more <<<"${INPUT_ARGS:-}"
report=${INPUT_REPORT_DIR:-astro-conform-report}
mkdir -p "$report"
report=$(cd "$report" && pwd)
astro-conform "$command" --annotations --report-dir "$report" "${more[@]}"
status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$report/matrix.md" ]; then
  cat "$report/matrix.md" >>"$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "report-dir=$report" >>"$GITHUB_OUTPUT"
fi
exit "$status"
