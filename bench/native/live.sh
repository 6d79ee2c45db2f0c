#!/usr/bin/env bash
# The live reader, map and attach benchmarks side by side: libbpf (bench/native/live.c, gcc -O2 -lbpf) and
# bpf4j (JMH: LiveReaderBenchmark, KernelMapBenchmark) on the same producer object, in one run. As root.
#
#   mvn -q -B -o -pl bench -am package -DskipTests && bench/native/live.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$here/.."
out="$bench/target/native"
obj="$bench/src/main/resources/bpf/live.bpf.o"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
mkdir -p "$out"
gcc -O2 -Wall -o "$out/live" "$here/live.c" -lbpf
"$out/live" "$obj" | tee "$out/live-c.txt"
# the lock only keeps two JMH runs apart; the C side above has none, and both want an idle machine anyway
"$java" --sun-misc-unsafe-memory-access=allow -Djmh.ignoreLock=true -jar "$bench/target/benchmarks.jar" \
    'LiveReaderBenchmark|KernelMapBenchmark.hash' -f 1 -wi 3 -w 1 -i 5 -r 1 -rf json -rff "$out/live-jmh.json" >"$out/live-jmh.txt"
python3 - "$out/live-c.txt" "$out/live-jmh.json" <<'PY'
import json, re, sys
c = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+(?: attach\+detach)?)\s+([\d.]+)", line)
    if m: c[m.group(1)] = float(m.group(2))
j = {r["benchmark"].rsplit(".", 1)[1]: (r["primaryMetric"]["score"], r["primaryMetric"]["scoreUnit"]) for r in json.load(open(sys.argv[2]))}
rows = [("ring buffer consume, ns/record", "ring_buffer__consume", "ringConsume"),
        ("perf buffer consume, ns/record", "perf_buffer__consume", "perfConsume"),
        ("hash lookup from user space, ns", "bpf_map_lookup_elem", "hashLookup"),
        ("hash update from user space, ns", "bpf_map_update_elem", "hashUpdate"),
        ("tracepoint attach + detach, us", "tracepoint attach+detach", "attachDetach")]
print(f"\n{'':34} {'libbpf':>10} {'bpf4j':>10} {'bpf4j/libbpf':>13}")
for name, ck, jk in rows:
    cv, jv = c.get(ck), j.get(jk, (None,))[0]
    ratio = f"{jv / cv:.2f}x" if cv and jv else "-"
    print(f"{name:34} {cv if cv is not None else '-':>10} {round(jv, 1) if jv is not None else '-':>10} {ratio:>13}")
PY
