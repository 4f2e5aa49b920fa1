#!/usr/bin/env bash
# Run the Parquet benchmark: pystore (bench/bench.c) vs DuckDB and Polars
# (bench/peers.mjs), and write the Markdown table to bench/RESULTS.md.
#
#   bench/run.sh [--rows-scale small] [--repeat N] [--engines duckdb,polars]
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

while [ $# -gt 0 ]; do
  case "$1" in
    --rows-scale) scale="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
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

# 5. Report.
node "$here/report.mjs" "$results" --repeat "$repeat" --scale "$scale" >"$here/RESULTS.md"
cp "$results" "$here/RESULTS.jsonl"
cat "$here/RESULTS.md"
