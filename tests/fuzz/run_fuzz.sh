#!/bin/sh
# Runs the libFuzzer map fuzzer of one build for a bounded time.
#   tests/fuzz/run_fuzz.sh <swissmap: true|false> <seconds> [meson options...]
# Extra options (e.g. -Dswiss_simd=swar, -Dhash=fast) get a build dir of their own.
# Configures build-fuzz/swissmap-<true|false> with clang, -Dfuzz=true and
# ASan+UBSan (the library is instrumented for coverage too), starts from the seed
# corpus (tests/fuzz/corpus, left unchanged; new inputs go to the build dir) and
# fails if the fuzzer finds a crash, a mismatch with the model, a leak or a timeout.
# A crashing input is written to build-fuzz/swissmap-<..>/crash-*; replay it with
# that directory's fuzz_map binary, or with tests/fuzz/fuzz_replay of any build.
set -eu
if [ $# -lt 2 ] || { [ "$1" != true ] && [ "$1" != false ]; }; then
    echo "usage: $0 <swissmap true|false> <seconds> [meson options...]" >&2
    exit 2
fi
swiss=$1
seconds=$2
shift 2
cd "$(dirname "$0")/../.."
root=$(pwd)
suffix=$(printf '%s' "$*" | tr -c 'A-Za-z0-9=_.-' '_' | sed 's/-D//g')
dir="$root/build-fuzz/swissmap-$swiss${suffix:+-$suffix}"

set -- "$@" -Dswissmap="$swiss" -Dfuzz=true -Dtests=false -Dbenchmarks=false -Dexamples=false \
    -Dbuildtype=debugoptimized -Db_ndebug=false -Dwerror=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all
if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
else
    CC=clang meson setup "$dir" "$@" >/dev/null
fi
meson compile -C "$dir" >/dev/null

work="$dir/corpus"
mkdir -p "$work"
echo "== fuzzing the swissmap=$swiss build for ${seconds}s"
# The first directory receives new inputs; the committed corpus is only read.
"$dir/tests/fuzz/fuzz_map" -max_total_time="$seconds" -max_len=4096 -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/" \
    "$work" "$root/tests/fuzz/corpus" 2>"$dir/fuzz.log" || status=$?
grep -E "^(stat::|Done|#[0-9]+ +DONE)|ERROR|SUMMARY|mismatch" "$dir/fuzz.log" || true
if [ "${status:-0}" -ne 0 ]; then
    echo "fuzzer failed (status $status); log: $dir/fuzz.log"
    tail -40 "$dir/fuzz.log"
    exit 1
fi
