#!/usr/bin/env bash
# Runs every CTest executable (unit tests and fuzz-corpus replays) under
# valgrind's memcheck: any invalid access, use of uninitialised memory or
# leak fails the run. Uses the release build made by scripts/test.sh.
#   scripts/valgrind.sh [BUILD_DIR]      (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
command -v valgrind >/dev/null || { echo "valgrind: not installed" >&2; exit 1; }
cd "$build"
fail=0; n=0
vg=(valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite)
for t in test_*; do
  [ -x "$t" ] && [ -f "$t" ] || continue
  n=$((n + 1))
  if ! "${vg[@]}" "./$t" > "valgrind-$t.log" 2>&1; then
    echo "valgrind: $t failed (see $build/valgrind-$t.log)"; tail -20 "valgrind-$t.log"; fail=$((fail + 1))
  fi
done
for r in fuzz_*_replay; do
  [ -x "$r" ] || continue
  n=$((n + 1))
  corpus="$here/fuzz/corpus/${r%_replay}"
  if ! "${vg[@]}" "./$r" "$corpus" > "valgrind-$r.log" 2>&1; then
    echo "valgrind: $r failed (see $build/valgrind-$r.log)"; tail -20 "valgrind-$r.log"; fail=$((fail + 1))
  fi
done
echo "valgrind: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
