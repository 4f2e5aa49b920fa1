#!/usr/bin/env bash
# Runs the libFuzzer targets (fuzz/fuzz_*.c) one at a time.
#
#   scripts/fuzz.sh [--merge] [SECONDS_PER_TARGET] [TARGET...]
#   scripts/fuzz.sh --replay [TARGET...]   (CI: run each corpus once, no fuzzing)
#
# Builds a clang build with PS_FUZZ (libFuzzer + ASan + UBSan) in
# build-fuzz/, then runs each target (default: all) for SECONDS_PER_TARGET
# seconds (default 60) over a copy of its corpus fuzz/corpus/<target>
# (build-fuzz/run/<target>/). Prints a table per target (executions,
# exec/s, libFuzzer's final cov: and ft:, corpus size, crashes) and writes
# it to fuzz/RESULTS.md with the date, the machine and the command.
#
#   --merge   merge the inputs that found new coverage back into
#             fuzz/corpus/<target> (libFuzzer -merge=1); off by default, so
#             a run never changes the repository's corpora unasked
#
# A crash, leak, timeout or out-of-memory stops that target (libFuzzer
# stops at the first), leaves the input in build-fuzz/crashes/ and makes
# the script exit 1 after the remaining targets have run. Logs are in
# build-fuzz/logs/. Only one fuzzer runs at a time (one core).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

merge=0 replay=0 seconds=60 targets=()
cmdline="scripts/fuzz.sh $*"
for a in "$@"; do
  case "$a" in
    --merge) merge=1 ;;
    --replay) replay=1 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *[!0-9]*) targets+=("${a#fuzz/}") ;;
    *) seconds="$a" ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
for i in "${!targets[@]}"; do
  t="${targets[$i]%.c}"
  case "$t" in fuzz_*) ;; *) t="fuzz_$t" ;; esac
  [ -f "fuzz/$t.c" ] || { echo "fuzz.sh: no target fuzz/$t.c" >&2; exit 2; }
  targets[$i]="$t"
done

# clang and the libFuzzer runtime (Debian: clang, libclang-rt-14-dev)
fuzzer_rt() { clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null; }
if ! command -v clang >/dev/null || [ ! -f "$(fuzzer_rt)" ]; then
  "$here/scripts/install-deps.sh"
fi

build="$here/build-fuzz"
cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPS_FUZZ=ON \
  -DPS_PYTHON=OFF -DPS_SANITIZE=ON >/dev/null
cmake --build "$build" -j2 --target "${targets[@]}" >"$build/build.log" 2>&1 || {
  tail -30 "$build/build.log"
  exit 2
}

mkdir -p "$build/crashes" "$build/logs" "$build/run"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
# --replay: every corpus input once through the clang build. CTest replays
# the corpora with gcc's sanitizers too; clang's UBSan also catches NULL + 0.
if [ "$replay" -eq 1 ]; then
  for t in "${targets[@]}"; do
    n=$(ls "fuzz/corpus/$t" | wc -l)
    if ! "$build/$t" -runs=0 "fuzz/corpus/$t" >"$build/logs/$t-replay.log" 2>&1; then
      tail -30 "$build/logs/$t-replay.log"; echo "fuzz.sh: $t: replay of $n inputs FAILED" >&2; exit 1
    fi
    echo "fuzz.sh: $t: $n corpus inputs replayed clean"
  done
  exit 0
fi

rows=()
failed=0
for t in "${targets[@]}"; do
  work="$build/run/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  [ -d "fuzz/corpus/$t" ] && cp -r "fuzz/corpus/$t/." "$work/corpus/"
  log="$build/logs/$t.log"
  before=$(ls "$build/crashes" | grep -c "^$t-" || true)
  echo "fuzz.sh: $t for ${seconds}s ..."
  set +e
  "$build/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 -rss_limit_mb=2560 \
    -artifact_prefix="$build/crashes/$t-" "$work/corpus" >"$log" 2>&1 &
  pid=$!
  wait $pid
  status=$?
  set -e
  rm -rf /tmp/ps_fuzz_*_"$pid" /tmp/ps_fuzz_*_"$pid".* 2>/dev/null || true
  after=$(ls "$build/crashes" | grep -c "^$t-" || true)
  crashes=$((after - before))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi # died without an artifact
  [ "$crashes" -gt 0 ] && failed=1
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
  if [ "$merge" -eq 1 ] && [ "$crashes" -eq 0 ]; then
    mkdir -p "fuzz/corpus/$t"
    "$build/$t" -merge=1 "fuzz/corpus/$t" "$work/corpus" >>"$log" 2>&1 || true
  fi
  artifact=""
  [ "$crashes" -gt 0 ] && artifact=" ($(ls -t "$build/crashes" | grep "^$t-" | head -1 || echo "see $log"))"
  rows+=("| $t | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $crashes$artifact | $(date -u +%F) ${seconds}s |")
done

cores=$(nproc)
cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
mode="ASan + UBSan (all checks)"
head="| target | executions | exec/s | cov | ft | corpus (files/bytes) | crashes | run |
|---|---:|---:|---:|---:|---:|---|---|"
echo
printf '%s\n' "$head" "${rows[@]}"
# fuzz/RESULTS.md keeps the latest row of every target: rows of targets
# not run this time are carried over from the previous file
for f in fuzz/fuzz_*.c; do
  t=$(basename "$f" .c)
  printf '%s\n' "${targets[@]}" | grep -qx "$t" && continue
  old=$(grep "^| $t |" fuzz/RESULTS.md 2>/dev/null || true)
  [ -n "$old" ] && rows+=("$old")
done
table="$head
$(printf '%s\n' "${rows[@]}" | sort)"
{
  echo "# Fuzzing results"
  echo
  echo "Written by \`scripts/fuzz.sh\` (see fuzz/README.md)."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $cores cores ($cpu), one fuzzer at a time"
  echo "- last command: \`$cmdline\` (${seconds} s per target, $mode, clang $(clang -dumpversion));"
  echo "  rows of targets it did not run are from earlier runs (see the run column)"
  echo "- cov/ft: libFuzzer's final coverage counters (edges / features) of the instrumented library;"
  echo "  corpus: the run's corpus at the end (the committed seeds plus what the run added)"
  echo
  echo "$table"
} >fuzz/RESULTS.md
if [ "$failed" -ne 0 ]; then
  echo "fuzz.sh: crashes found; inputs in $build/crashes/, logs in $build/logs/" >&2
  exit 1
fi
