#!/usr/bin/env bash
# Runs the Python package's tests against a build directory:
#   python/run_tests.sh BUILD_DIR [pytest args...]
# Uses /usr/bin/python3 (Debian's, which has numpy/pandas/pytest) and
# PYTHONPATH=BUILD_DIR/python. Exit status: pytest's (non-zero on any failure);
# also non-zero when the module was not built (scripts/install-deps.sh installs
# what it needs, so a missing module is a broken set-up, not a reason to skip)
# or when pytest collects no tests.
# Sanitizer builds (PS_SANITIZE=ON in BUILD_DIR/CMakeCache.txt): the
# extension is ASan/UBSan-instrumented, so the runtimes are preloaded into the
# (uninstrumented) interpreter with leak detection off (CPython's own
# allocations are not freed at exit). Set PS_PY_SKIP_SANITIZE=1 to skip instead.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: python/run_tests.sh BUILD_DIR [pytest args]}"
shift
build="$(cd "$build" && pwd)"
py="${PYTHON:-/usr/bin/python3}"

if ! ls "$build"/python/pystore/_pystore*.so >/dev/null 2>&1; then
  echo "run_tests.sh: $build/python/pystore/_pystore*.so not built (Python 3 dev files or NumPy missing?)" >&2
  exit 1
fi

if grep -q '^PS_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  if [ "${PS_PY_SKIP_SANITIZE:-0}" = 1 ]; then
    echo "run_tests.sh: sanitizer build and PS_PY_SKIP_SANITIZE=1; skipping Python tests"
    exit 0
  fi
  cc="$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")"
  cc="${cc:-gcc}"
  asan="$("$cc" -print-file-name=libasan.so)"
  ubsan="$("$cc" -print-file-name=libubsan.so)"
  if [ ! -e "$asan" ]; then
    echo "run_tests.sh: sanitizer build but libasan.so not found via $cc; skipping Python tests"
    exit 0
  fi
  preload="$asan"
  [ -e "$ubsan" ] && preload="$preload:$ubsan"
  echo "run_tests.sh: sanitizer build: LD_PRELOAD=$preload"
  export LD_PRELOAD="$preload"
  # last one wins: CPython's own allocations are not freed at exit
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi

cd "$here/.."
PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}" "$py" -m pytest -q -p no:cacheprovider "$here/tests" "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "run_tests.sh: no tests collected" >&2
  exit 1
fi
exit $rc
