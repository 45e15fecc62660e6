#!/usr/bin/env bash
# The action's install step: puts the issuer-events CLI on the runner and writes the path of its
# entry script (bin/issuer-events.js) to the step output `bin`, which the smoke-test step runs with
# node (no PATH, no .cmd shim on Windows).
#
#   INPUT_VERSION empty: build this action's own checkout, so the CLI is the one of the ref in
#                        `uses:` (and `uses: ./` in this repository tests the working tree).
#   INPUT_VERSION set:   npm install -g issuer-events@<version> from the registry.
set -euo pipefail

if [ -n "${INPUT_VERSION:-}" ]; then
  npm install -g --no-audit --no-fund "issuer-events@${INPUT_VERSION}"
  bin="$(npm root -g)/issuer-events/bin/issuer-events.js"
else
  cd "${ACTION_PATH:?ACTION_PATH is not set}"
  # --ignore-scripts: no dependency's install script runs, and `prepare` does not build twice.
  npm ci --ignore-scripts --no-audit --no-fund
  npm run build
  bin="$ACTION_PATH/bin/issuer-events.js"
fi

echo "issuer-events $(node "$bin" --version) at $bin"
echo "bin=$bin" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
