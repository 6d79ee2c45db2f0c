#!/usr/bin/env bash
# Rebuilds the objects the CLI tests run (the .o are committed, so tests never need clang): bpf/ programs
# that run, bad/ objects a loader must refuse, verify/ programs the kernel refuses (some only with flags).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v clang-19 >/dev/null || { echo "build.sh: needs clang-19 (apt-get install clang-19 libbpf-dev)" >&2; exit 2; }
for c in */*.bpf.c; do
    clang-19 -O2 -g -target bpf -mcpu=v4 -ffile-prefix-map="$PWD"=. -I/usr/include/x86_64-linux-gnu -c "$c" -o "${c%.c}.o"
done
