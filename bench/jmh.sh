#!/usr/bin/env bash
# Runs the JMH benchmarks of the bench module and prints their figures.
# Usage: bench/jmh.sh [JMH options, e.g. -f 1 -wi 2 -i 3 FrameReader]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$root"
mvn -B -q install -DskipTests -pl bench -am
cpfile=$(mktemp)
trap 'rm -f "$cpfile"' EXIT
mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$cpfile"
cp=$(cat "$cpfile")
# Without arguments: one fork, two warm-up and three measured iterations of every benchmark.
args=("$@")
if [ ${#args[@]} -eq 0 ]; then args=(-f 1 -wi 2 -i 3); fi
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "bench/target/classes:$cp" org.openjdk.jmh.Main "${args[@]}"
