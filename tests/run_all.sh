#!/bin/sh
# Runs every test of rtmap: both builds (-Dswissmap=true and false) with -Werror,
# then both again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Installs what it needs on Debian when it runs as root (or with sudo).
#   tests/run_all.sh            everything
#   tests/run_all.sh --quick    both builds, no sanitizer builds
# Build directories go under build-tests/ in the repository root.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
quick=false
[ "${1:-}" = "--quick" ] && quick=true

need=""
command -v meson >/dev/null 2>&1 || need="$need meson"
command -v ninja >/dev/null 2>&1 || need="$need ninja-build"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
[ -f /usr/include/cmocka.h ] || need="$need libcmocka-dev"
if [ -n "$need" ]; then
    echo "== installing:$need"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
failed=""
run_build() {   # name, meson options...
    name=$1; shift
    dir="$root/build-tests/$name"
    echo "== $name: meson setup $*"
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
    if ! meson compile -C "$dir" -j "$jobs" >"$dir/compile.log" 2>&1; then
        cat "$dir/compile.log"
        failed="$failed $name(build)"
        return 0
    fi
    if ! meson test -C "$dir" --num-processes "$jobs" --print-errorlogs; then
        failed="$failed $name"
    fi
}

for swiss in true false; do
    run_build "swissmap-$swiss" -Dswissmap=$swiss -Dwerror=true -Dbuildtype=debugoptimized -Db_ndebug=false
done
if [ "$quick" = false ]; then
    for swiss in true false; do
        run_build "swissmap-$swiss-asan" -Dswissmap=$swiss -Dwerror=true -Dbuildtype=debug \
            -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all
    done
fi

if [ -n "$failed" ]; then
    echo "FAILED:$failed"
    exit 1
fi
echo "all test runs passed"
