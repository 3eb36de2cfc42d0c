#!/bin/sh
# Installs the configured build into a temporary prefix, then builds consumer.c
# with nothing but `pkg-config --cflags --libs rtmap` and runs it.
set -eu
builddir=$1; consumer=$2; swiss=$3; sanitize=${4:-none}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
DESTDIR= meson install -C "$builddir" --no-rebuild --quiet --destdir "$prefix" >/dev/null
root=$(find "$prefix" -name rtmap.pc -path '*pkgconfig*' | head -n 1)
[ -n "$root" ] || { echo "no rtmap.pc installed"; exit 1; }
pcdir=$(dirname "$root")
# the .pc file names the configured prefix; point pkg-config at the staged copy
cflags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --define-variable=prefix="$prefix$(sed -n 's/^prefix=//p' "$root")" --cflags rtmap)
libs=$(PKG_CONFIG_PATH="$pcdir" pkg-config --define-variable=prefix="$prefix$(sed -n 's/^prefix=//p' "$root")" --libs rtmap)
cc=${CC:-cc}
# a library built with sanitizers needs their runtimes in the consumer too
[ "$sanitize" = none ] || cflags="$cflags -fsanitize=$sanitize"
$cc -std=c11 -Wall -Wextra -Werror $cflags -o "$prefix/consumer" "$consumer" $libs
libdir=$(echo "$libs" | sed -n 's/.*-L\([^ ]*\).*/\1/p')
LD_LIBRARY_PATH="$libdir" "$prefix/consumer" "$swiss"
