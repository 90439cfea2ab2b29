#!/usr/bin/env bash
# Prints VM root disk create times for a 1 GiB and an 8 GiB image holding the same data, per
# copy-on-write strategy this host supports (sparse copy always; reflink on a loop-mounted xfs
# when run as root). The figures should be nearly equal for both image sizes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$root"

mvn -q -B -pl host -am install -DskipTests
mvn -q -B -pl host dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test

classpath="host/target/classes:host/target/test-classes:$(cat host/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$classpath" \
  dev.banger.disk.RootDiskBenchmark "$@"
