#!/usr/bin/env bash
# Installs what the tests need (as root, only what is missing), then runs every test with `mvn verify`.
# Kernel differential tests need root and bpffs; without them they skip with a message.
# The suites from elsewhere (ISA conformance suite, real-world corpus) run when BPF4J_SHARED=DIR names
# their folder (or ../shared is beside the checkout); otherwise they skip, each with one line saying so.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
if [ ! -x "$JAVA_HOME/bin/java" ]; then
    echo "test.sh: needs JDK 25: install Temurin 25 or set JAVA_HOME" >&2
    exit 2
fi
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

if [ "$(id -u)" = 0 ]; then
    missing=()
    for pkg in clang-19 llvm-19 libbpf-dev bpftool; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "test.sh: installing ${missing[*]}" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
            || echo "test.sh: warning: could not install ${missing[*]}; tests that need them will skip" >&2
    fi
    if ! mountpoint -q /sys/fs/bpf 2>/dev/null; then
        mount -t bpf bpf /sys/fs/bpf 2>/dev/null \
            || echo "test.sh: warning: cannot mount bpffs; kernel differential tests will skip" >&2
    fi
else
    echo "test.sh: not root: installing nothing and mounting nothing; tests that need the kernel will skip" >&2
fi

if [ -n "${BPF4J_SHARED:-}" ]; then
    [ -d "$BPF4J_SHARED" ] || { echo "test.sh: BPF4J_SHARED=$BPF4J_SHARED is not a folder" >&2; exit 2; }
    BPF4J_SHARED="$(cd "$BPF4J_SHARED" && pwd)"   # the tests run in each module's folder
    export BPF4J_SHARED
fi

exec mvn -B verify "$@"
