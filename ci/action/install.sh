#!/usr/bin/env bash
# The Action's install step: puts `astro-conform` on the job's PATH, from (in this order)
# a command already there (an earlier step of this Action), INPUT_BINARY_URL, the project's
# own devDependency (node_modules/.bin), or npm (INPUT_VERSION).
set -euo pipefail
bin="${RUNNER_TEMP:?}/astro-conform-bin"
mkdir -p "$bin"
if command -v astro-conform >/dev/null 2>&1; then
  echo "astro-conform is installed: $(astro-conform --version)"
  exit 0
fi
project=${INPUT_WORKING_DIRECTORY:-.}
if [ -n "${INPUT_BINARY_URL:-}" ]; then
  curl --fail --silent --show-error --location "$INPUT_BINARY_URL" --output "$bin/astro-conform"
  chmod 755 "$bin/astro-conform"
elif [ -x "$project/node_modules/.bin/astro-conform" ]; then
  ln -sf "$(cd "$project/node_modules/.bin" && pwd)/astro-conform" "$bin/astro-conform"
else
  prefix="$RUNNER_TEMP/astro-conform-npm"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save "astro-conform@${INPUT_VERSION:-latest}"
  ln -sf "$prefix/node_modules/.bin/astro-conform" "$bin/astro-conform"
fi
echo "$bin" >>"${GITHUB_PATH:?}"
echo "installed $("$bin/astro-conform" --version)"
