#!/bin/sh
# Rebuilds the side-by-side XDP objects (*.bpf.o, committed so that tests and the harness need no clang)
# from their sources and kernels.h. Run after changing a .bpf.c or kernels.h.
#
#   bench/sbs/build.sh            CLANG=clang bench/sbs/build.sh
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
command -v "$CLANG" >/dev/null 2>&1 || { echo "build.sh: $CLANG not found (apt-get install clang-19, or set CLANG)" >&2; exit 1; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "build.sh: /usr/include/bpf/bpf_helpers.h not found; install libbpf-dev" >&2; exit 1; }
MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for src in *.bpf.c; do
	obj=${src%.c}.o
	echo "  CLANG $obj"
	"$CLANG" -O2 -g -target bpf -mcpu=v4 -Wall -Werror -I/usr/include/"$MULTIARCH" -c "$src" -o "$obj"
done
