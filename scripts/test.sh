#!/usr/bin/env bash
# Builds pystore and runs every test: unit tests, fuzz-corpus replays (CTest),
# the DuckDB/Polars interop tests and the Python package's tests (pytest).
#   scripts/test.sh              release build in build/
#   scripts/test.sh --sanitize   ASan+UBSan build in build-asan/ (interop included)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
"$here/scripts/install-deps.sh" --interop

build=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  build=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DPS_SANITIZE=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$build" "${flags[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
(cd "$build" && ctest --output-on-failure -j"$(nproc)")
bash tests/interop/run.sh "$here/$build/interop_tool"
bash python/run_tests.sh "$here/$build"
