#!/usr/bin/env bash
# Run the Parquet benchmark: pystore (bench/bench.c) vs DuckDB and Polars
# (bench/peers.mjs), and write the Markdown table to bench/RESULTS.md.
#
#   bench/run.sh [--rows-scale small] [--repeat N] [--engines duckdb,polars]
#                [--no-big] [--no-store]
#
# --no-store: only the Parquet file workloads (no store / seed-table part).
# --no-big:   skip the 10M-row item (~1.7 GB on disk; also skipped with a
#             message when less than 8 GB are free).
#
# Environment: BENCH_BUILD_DIR (default <repo>/build-bench),
#              BENCH_DATA_DIR  (default $BENCH_BUILD_DIR/bench-data).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
data="${BENCH_DATA_DIR:-$build/bench-data}"
scale=full
repeat=3
engines=duckdb,polars
big=1
store=1

while [ $# -gt 0 ]; do
  case "$1" in
    --rows-scale) scale="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    --no-big) big=0; shift ;;
    --no-store) store=0; big=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$scale" in full|small) ;; *) echo "run.sh: --rows-scale small|full" >&2; exit 2 ;; esac

command -v node >/dev/null || { echo "run.sh: node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "run.sh: npm is required" >&2; exit 1; }

# 1. npm dependencies (exact versions from package-lock.json).
if [ ! -d "$here/node_modules/@duckdb/node-api" ] || [ ! -d "$here/node_modules/nodejs-polars" ] \
   || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "== npm ci (bench/)" >&2
  # npm ci needs every platform's optional package in the lock file; where the
  # registry lacks some of them (as here) fall back to npm install, which
  # still installs the exact versions pinned in package.json / the lock file.
  (cd "$here" && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
    || npm install --no-audit --no-fund --loglevel=error; })
fi

# 2. Build (Release: -O3 -DNDEBUG; -g only adds symbols for perf).
echo "== build ($build, Release)" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPS_PYTHON=OFF \
  -DCMAKE_C_FLAGS_RELEASE="-O3 -DNDEBUG -g" >/dev/null
cmake --build "$build" --target bench -j "$(nproc)" >/dev/null
bench="$build/bench"

# 3. Data and reference files.
echo "== generate data ($data, scale $scale)" >&2
mkdir -p "$data"
rm -f "$data"/ref_*.parquet "$data"/out_*.parquet "$data"/meta.json "$data"/scale.txt "$data"/results.jsonl
"$bench" gen "$data" --rows-scale "$scale"

# 4. Run.
results="$data/results.jsonl"
: >"$results"
# Workload by workload, pystore then the peers, so that all three engines see
# about the same background load for a given workload.
for wl in $("$bench" list "$data"); do
  echo "== $wl" >&2
  "$bench" run "$wl" "$data" --repeat "$repeat" | tee -a "$results" >&2
  [ "$wl" = memcpy ] && continue
  node "$here/peers.mjs" run "$data" --repeat "$repeat" --engines "$engines" --workloads "$wl" | tee -a "$results" >&2
done

# 5. Store and Phase 3 workloads (the seed's table). Workloads the peers can
#    do on plain Parquet files are run by them too.
peer_store=" seed.batch10 seed.read1m seed.read3of20 seed.filter10 seed.filter_ts10 seed.stream10m store.append1k store.read_range1pct "
run_store() { # workload repeat
  echo "== $1" >&2
  "$bench" run "$1" "$data" --repeat "$2" | tee -a "$results" >&2
  case "$peer_store" in *" $1 "*)
    node "$here/peers.mjs" run "$data" --repeat "$2" --engines "$engines" --workloads "$1" | tee -a "$results" >&2 ;;
  esac
}
if [ "$store" = 1 ]; then
  echo "== store setup ($data/store; no fsync)" >&2
  "$bench" store-setup "$data"
  for wl in $("$bench" list-store "$data"); do
    case "$wl" in
      # one cold run: drops the page cache (whole machine) before the read
      *_cold) run_store "$wl" 1 ;;
      *) run_store "$wl" "$repeat" ;;
    esac
  done
  if [ "$big" = 1 ]; then
    avail_kb=$(df -Pk "$data" | awk 'NR == 2 {print $4}')
    if [ "${avail_kb:-0}" -lt $((8 * 1024 * 1024)) ]; then
      msg="only $((avail_kb / 1024 / 1024)) GB free on $(df -P "$data" | awk 'NR == 2 {print $6}') (< 8 GB needed)"
      echo "== skipping the 10M-row workloads: $msg" >&2
      echo "{\"workload\": \"big\", \"engine\": \"pystore\", \"skipped\": \"$msg\"}" >>"$results"
    else
      # The 10M-row item is deleted at the end, whatever happens.
      trap '"$bench" store-clean "$data" --big || true; rm -rf "$data/peer_ds"' EXIT
      r2=$((repeat < 2 ? repeat : 2))
      for wl in $("$bench" list-big "$data"); do
        case "$wl" in
          seed.stream10m) run_store "$wl" 1 ;;   # builds the 10M-row item (~1.7 GB)
          seed.append5m) run_store "$wl" "$r2" ;;
          *) run_store "$wl" "$repeat" ;;
        esac
      done
      "$bench" store-clean "$data" --big
    fi
  else
    echo '{"workload": "big", "engine": "pystore", "skipped": "--no-big"}' >>"$results"
  fi
  rm -rf "$data/peer_ds"
fi

# 6. Report.
node "$here/report.mjs" "$results" --repeat "$repeat" --scale "$scale" >"$here/RESULTS.md"
cp "$results" "$here/RESULTS.jsonl"
cat "$here/RESULTS.md"
