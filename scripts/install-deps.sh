#!/usr/bin/env bash
# Installs what building and testing pystore needs, only where it is missing:
# Debian packages (compiler, CMake, compression libraries, jansson, clang for
# the fuzzers) and, with --interop, the npm packages of the interop tests;
# with --tsan, a ThreadSanitizer runtime (scripts/tsan.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

debs=(build-essential cmake pkg-config clang libclang-rt-dev valgrind
      libzstd-dev libsnappy-dev zlib1g-dev liblz4-dev libbrotli-dev libjansson-dev libdeflate-dev
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

interop=0 tsan=0
for a in "$@"; do
  case "$a" in
    --interop) interop=1 ;;
    --tsan) tsan=1 ;;
  esac
done

# --tsan: a ThreadSanitizer runtime for scripts/tsan.sh (gcc's libtsan2; clang's
# comes with libclang-rt-dev above)
if [ "$tsan" = 1 ]; then
  probe="$(mktemp -d)"
  echo 'int main(void) { return 0; }' > "$probe/t.c"
  if ! "${CC:-cc}" -fsanitize=thread "$probe/t.c" -o "$probe/t" 2>/dev/null || ! "$probe/t"; then
    echo "install-deps: installing libtsan2 (ThreadSanitizer runtime)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libtsan2 >/dev/null
  fi
  rm -rf "$probe"
fi

if [ "$interop" = 1 ]; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  fi
  if [ -f "$here/tests/interop/package.json" ] && [ ! -d "$here/tests/interop/node_modules" ]; then
    (cd "$here/tests/interop" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi
