#!/usr/bin/env bash
# Builds pystore and runs the demo: minute bars for a few symbols written to
# Parquet, inspected, and read back by column and date range.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
"$here/scripts/install-deps.sh"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec "$here/build/pystore_demo" "$@"
