#!/bin/sh
# Rebuilds every example object (*.bpf.o) from its source and regenerates the
# captures. The objects and captures are committed, so tests never need clang;
# run this after changing a .bpf.c or make_pcaps.py, then
# `sudo python3 kernel_check.py` to refresh the kernel's expected results.
#
#   examples/build.sh            # objects + captures
#   CLANG=clang examples/build.sh
set -eu

cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "build.sh: $CLANG not found; install clang 19 (apt-get install clang-19)" \
	     "or set CLANG=/path/to/clang" >&2
	exit 1
fi
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
	echo "build.sh: /usr/include/bpf/bpf_helpers.h not found; install libbpf-dev" >&2
	exit 1
fi

# uapi headers include <asm/types.h>, which lives under the multiarch dir.
MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

for src in xdp/*.bpf.c tc/*.bpf.c trace/*.bpf.c uprobe/*.bpf.c; do
	obj=${src%.c}.o
	echo "  CLANG $obj"
	"$CLANG" -O2 -g -target bpf -mcpu=v4 -Wall -Werror \
		-ffile-prefix-map="$PWD"=. \
		-I"/usr/include/$MULTIARCH" -c "$src" -o "$obj"
done

python3 make_pcaps.py
