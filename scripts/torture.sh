#!/usr/bin/env bash
# Long runs of the torture programs (tests/torture/torture_*.c): the crash-
# consistency loop (kill -9 of a writer at random points, then checks) and
# the stress test. CTest runs each of them with --quick; this script builds
# them and runs each one for SECONDS seconds, one after the other, printing
# their summaries.
#
#   scripts/torture.sh [SECONDS] [BUILD_DIR]
#
#   SECONDS    per program (default 300)
#   BUILD_DIR  an existing or new build directory (default build-torture/,
#              configured as a release build without the Python module when it
#              has no CMakeCache.txt yet; an existing one is used as configured)
#
# Environment: TORTURE_SEED=N passes --seed N to every program (the seed is
# printed at start, so a failing run can be repeated); JOBS=N build jobs
# (default: number of cores).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
seconds="${1:-300}"
build="${2:-build-torture}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: scripts/torture.sh [SECONDS] [BUILD_DIR]" >&2; exit 2 ;;
esac

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPS_PYTHON=OFF >/dev/null
else
  cmake -S . -B "$build" >/dev/null # picks up new tests/torture/ files
fi

programs=()
for src in tests/torture/torture_*.c; do
  [ -e "$src" ] || continue
  programs+=("$(basename "$src" .c)")
done
if [ "${#programs[@]}" -eq 0 ]; then
  echo "torture.sh: no tests/torture/torture_*.c" >&2
  exit 2
fi
cmake --build "$build" -j"${JOBS:-$(nproc)}" --target "${programs[@]}"

seed_args=()
[ -n "${TORTURE_SEED:-}" ] && seed_args=(--seed "$TORTURE_SEED")
failed=()
results=()
for p in "${programs[@]}"; do
  echo "== $p --seconds $seconds ${seed_args[*]:-}"
  start=$(date +%s)
  if "$build/$p" --seconds "$seconds" "${seed_args[@]}"; then
    results+=("$p: OK ($(( $(date +%s) - start )) s)")
  else
    rc=$?
    results+=("$p: FAILED (exit $rc after $(( $(date +%s) - start )) s)")
    failed+=("$p")
  fi
done
echo "== summary"
printf '  %s\n' "${results[@]}"
[ "${#failed[@]}" -eq 0 ]
