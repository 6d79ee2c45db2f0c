#!/usr/bin/env bash
# Verification speed side by side (issue 4): bpf4j's verifier cold (first verification in a fresh JVM)
# and warm (after JVM warm-up) against the kernel's own "verification time" (BPF_LOG_STATS), for the
# corpus's largest accepted programs and the side-by-side benchmark programs. About 2 minutes.
#
#   bench/verifier/run.sh [--warm-seconds S] [--cold-runs N] [--shared DIR] [--object OBJ PROG]...
#   (--object, repeatable: only these programs, e.g. objects built by other projects)
#
# Build first, from this work tree: mvn -q -B -pl bench -am package -DskipTests. Run from the repository
# root, as root for the live kernel column (otherwise the corpus's recorded times are used). Run nothing
# else heavy meanwhile.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
jar="$root/bench/target/benchmarks.jar"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
[ -f "$jar" ] || { echo "run.sh: $jar not found; build first: mvn -q -B -pl bench -am package -DskipTests" >&2; exit 1; }
exec "$java" --enable-native-access=ALL-UNNAMED -cp "$jar" org.bpf4j.bench.verifier.VerificationSpeed \
	--root "$root" --shared "$root/../shared" "$@"
