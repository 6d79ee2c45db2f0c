#!/usr/bin/env bash
# Issue 13's measurement, as a user makes it: `bpftool prog run pinned P data_in F repeat N` next to
# `bpf4j prog run OBJ --data-in F --repeat N` on the side-by-side objects and their frames, each side's
# reported average duration per run. As root, with bpftool; build first:
#
#   mvn -q -B -o -pl bench -am package -DskipTests && bench/sbs/cli.sh [REPEAT] [PROGRAM...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
repeat="${1:-2000}"
shift || true
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(empty log2 copy primes dispatch fnv1a strcmp)
frames="$(mktemp -d)"
pins="/sys/fs/bpf/bpf4j-cli-bench-$$"
trap 'rm -rf "$frames" "$pins"' EXIT
"$java" --enable-native-access=ALL-UNNAMED -cp "$here/../target/benchmarks.jar" org.bpf4j.bench.sbs.SideBySide \
    --objects "$here" --write-frames "$frames" >/dev/null
printf '%-10s %12s %12s %8s %12s\n' program "kernel ns" "bpf4j ns" ratio "warm-up"
for p in "${programs[@]}"; do
    mkdir -p "$pins"
    bpftool prog load "$here/$p.bpf.o" "$pins/$p" type xdp >/dev/null
    k=$(bpftool -j prog run pinned "$pins/$p" data_in "$frames/$p.bin" repeat "$repeat" | python3 -c 'import json,sys; print(json.load(sys.stdin)["duration"])')
    rm -f "$pins/$p"
    read -r b w < <("$root/bpf4j" prog run "$here/$p.bpf.o" --data-in "$frames/$p.bin" --repeat "$repeat" -j 2>/dev/null \
        | python3 -c 'import json,sys; d=json.load(sys.stdin); w=d.get("warm_up",{}); print(d["results"][0]["duration_ns"], "%.1fs%s" % (w.get("duration_ns",0)/1e9, "" if w.get("reached_c2") else " no-C2"))')
    python3 -c "import sys; k,b=float(sys.argv[1]),float(sys.argv[2]); print('%-10s %12d %12d %8.2f %12s' % (sys.argv[3], k, b, b/k if k else 0, sys.argv[4]))" "$k" "$b" "$p" "$w"
done
