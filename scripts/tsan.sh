#!/usr/bin/env bash
# Builds pystore with ThreadSanitizer in build-tsan/ and runs the tests that
# use threads under it:
#   torture_stress --quick   processes x threads appending, reading, snapshotting,
#                            rebalancing one collection (tests/torture/torture_stress.c)
#   test_phase3_store        ps_write_batch/ps_read_batch pools, streaming append,
#                            metadata cache, chunked reads
#   test_parquet             parallel row-group x column decode and column encode
#                            (threads = 0 = number of cores)
#   test_store, test_store_read_parts, test_store_crash
#                            store reads/writes on the same pools; N processes
#                            appending to one item; a reader during writes
#   test_phase3_util         the log sink (serialized), memory settings, tz cache
# Every data race, lock-order inversion or thread leak stops the run
# (halt_on_error=1). scripts/tsan.supp holds suppressions for third-party code
# only (there are none for src/: races there are fixed, not suppressed).
#
#   scripts/tsan.sh                 build, then run the list above
#   scripts/tsan.sh --long S        also torture_stress for S seconds (4 x 4 workers)
#   scripts/tsan.sh TEST...         build, then run only these executables
#
# gcc's TSan runtime (libtsan2, pulled in by gcc-12) and clang's both work;
# CC=clang scripts/tsan.sh picks clang. scripts/install-deps.sh --tsan installs
# the runtime if it is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
"$here/scripts/install-deps.sh" --tsan

long=0
tests=()
while [ $# -gt 0 ]; do
  case "$1" in
    --long) long="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) tests+=("$1"); shift ;;
  esac
done
if [ ${#tests[@]} -eq 0 ]; then
  tests=(torture_stress test_phase3_store test_parquet test_store test_store_read_parts test_store_crash test_phase3_util)
fi

jobs="${JOBS:-2}"
cmake -S . -B build-tsan -DPS_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPS_PYTHON=OFF >/dev/null
cmake --build build-tsan -j"$jobs" --target "${tests[@]}"

# second_deadlock_stack: both stacks of a lock-order inversion; the
# suppressions file is for third-party libraries only (see its header).
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$here/scripts/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
failed=()
for t in "${tests[@]}"; do
  args=()
  [ "$t" = torture_stress ] && args=(--quick)
  start=$(date +%s)
  echo "== tsan: $t ${args[*]}"
  if (cd build-tsan && "./$t" "${args[@]}"); then
    echo "== tsan: $t ok ($(( $(date +%s) - start )) s)"
  else
    echo "== tsan: $t FAILED ($(( $(date +%s) - start )) s)"
    failed+=("$t")
  fi
done
if [ "$long" != 0 ]; then
  echo "== tsan: torture_stress --seconds $long --procs 4 --threads 4"
  (cd build-tsan && ./torture_stress --seconds "$long" --procs 4 --threads 4) || failed+=("torture_stress --seconds $long")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "tsan: FAILED: ${failed[*]}"
  exit 1
fi
echo "tsan: all clean"
