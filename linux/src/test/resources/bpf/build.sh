#!/bin/sh
# Rebuilds the BPF objects of the linux module's tests (committed, so that tests need no clang).
set -e
cd "$(dirname "$0")"
for src in *.bpf.c; do
	clang-19 -O2 -g -target bpf -mcpu=v4 -I/usr/include/x86_64-linux-gnu -c "$src" -o "${src%.c}.o"
done
