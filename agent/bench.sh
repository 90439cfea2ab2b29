#!/bin/sh
# Prints the agent's figures: resident memory in a guest, median exec round trip, and cp
# throughput both ways, in a QEMU guest over virtio-serial and on the host over a Unix socket.
# usage: agent/bench.sh [RUNS] [MiB]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export JAVA_HOME

make -s -C "$root/agent" OUT="$root/build/bin" >/dev/null
cd "$root"
mvn -q -B -pl guest -am install -DskipTests
mvn -q -B -pl guest test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
classpath="$(cat guest/target/bench.classpath):guest/target/classes:guest/target/test-classes"
exec "$JAVA_HOME/bin/java" -Dbanger.root="$root" -Dbanger.bin="$root/build/bin" \
    -cp "$classpath" dev.banger.guest.AgentBenchmark "$@"
