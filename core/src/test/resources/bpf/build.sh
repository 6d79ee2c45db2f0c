#!/bin/sh
# Rebuilds the test objects from their sources, so tests never need clang (the .o are committed).
# Needs clang-19 and libbpf-dev (bpf_helpers.h): apt-get install -y clang-19 libbpf-dev
set -eu
cd "$(dirname "$0")"
for src in *.bpf.c; do
	clang-19 -O2 -g -target bpf -mcpu=v4 -I/usr/include/x86_64-linux-gnu -c "$src" -o "${src%.c}.o"
done
