#!/usr/bin/env bash
# Builds bench.c with gcc -O2 into bench/target/native/ and times the three computations.
# Usage: bench/native/run.sh [seconds-per-round]   (default 1; 5 rounds each, median reported)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../target/native"
mkdir -p "$out"
gcc -O2 -std=c11 -Wall -Wextra -o "$out/bench" "$here/bench.c"
exec "$out/bench" "${1:-1}"
