#!/usr/bin/env bash
# The side-by-side comparison (issue 5): builds native.c with gcc -O2 into bench/target/sbs/, then runs
# org.bpf4j.bench.sbs.SideBySide from bench/target/benchmarks.jar over the committed *.bpf.o.
#
#   bench/sbs/run.sh [SideBySide options]      the table (about 2 minutes with the defaults)
#   bench/sbs/run.sh latency [ID...] [--engine jit|jit-checked] [--seconds N]
#                                              compile latency, each in a fresh JVM (default: parser large)
#
# Build first, from this work tree: mvn -q -B -pl bench -am package -DskipTests (-am: the jar must take core
# and linux from this tree, not from a ~/.m2 that another checkout may have just overwritten). Run as root (or with CAP_BPF + CAP_NET_ADMIN) for the kernel
# column; without it the kernel is skipped with the reason. Run nothing else heavy meanwhile.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/../target"
jar="$target/benchmarks.jar"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
[ -f "$jar" ] || { echo "run.sh: $jar not found; build first: mvn -q -B -pl bench -am package -DskipTests" >&2; exit 1; }
mkdir -p "$target/sbs"
gcc -O2 -std=c11 -Wall -Wextra -o "$target/sbs/native" "$here/native.c"
jvm=("$java" --enable-native-access=ALL-UNNAMED -cp "$jar")
if [ "${1:-}" = latency ]; then
	shift
	ids=() opts=()
	while [ $# -gt 0 ]; do
		case "$1" in
			--*) opts+=("$1" "$2"); shift 2 ;;
			*) ids+=("$1"); shift ;;
		esac
	done
	[ ${#ids[@]} -gt 0 ] || ids=(parser large)
	for id in "${ids[@]}"; do
		"${jvm[@]}" org.bpf4j.bench.sbs.SideBySide --objects "$here" --latency "$id" ${opts[@]+"${opts[@]}"}
	done
	exit 0
fi
exec "${jvm[@]}" org.bpf4j.bench.sbs.SideBySide --objects "$here" --native "$target/sbs/native" "$@"
