#!/usr/bin/env bash
# DuckDB/Polars interop tests: bash tests/interop/run.sh PATH/TO/interop_tool
# Runs every tests/interop/*.test.mjs with Node's test runner; exits non-zero
# on any failure. Prints the runner's summary and a closing
# "interop: N passed, N failed" line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/interop_tool" >&2
  exit 2
fi
tool="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
if [ ! -x "$tool" ]; then
  echo "interop: $tool is missing or not executable (build the interop_tool target)" >&2
  exit 1
fi
cd "$here"
if [ ! -d node_modules ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
export PYSTORE_INTEROP_TOOL="$tool"
tap="$(mktemp)"
trap 'rm -f "$tap"' EXIT
status=0
# Files run one at a time (each builds its own files; 2 cores); tests inside
# a file run in order.
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  ./*.test.mjs || status=$?
pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)"
fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)"
echo "interop: ${pass:-0} passed, ${fail:-0} failed"
if [ "$status" -eq 0 ] && [ "${fail:-0}" != "0" ]; then status=1; fi
exit "$status"
