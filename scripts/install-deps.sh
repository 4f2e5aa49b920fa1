#!/usr/bin/env bash
# Installs what building and testing pystore needs, only where it is missing:
# Debian packages (compiler, CMake, compression libraries, jansson, clang for
# the fuzzers) and, with --interop, the npm packages of the interop tests.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

debs=(build-essential cmake pkg-config clang libclang-rt-dev valgrind
      libzstd-dev libsnappy-dev zlib1g-dev liblz4-dev libbrotli-dev libjansson-dev
      python3-dev python3-numpy python3-pandas python3-pytest)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--interop" ]; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  fi
  if [ -f "$here/tests/interop/package.json" ] && [ ! -d "$here/tests/interop/node_modules" ]; then
    (cd "$here/tests/interop" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi
