#!/usr/bin/env bash
# Builds the server when the sources are newer than the jar, then runs it: `./run.sh` serves,
# `./run.sh doctor [--json]` checks the configuration, the models and the store.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/java-home.sh
jar=target/opentalking-controlplane.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml examples -newer "$jar" -print -quit)" ]; then
  ./mvnw -q -B package -DskipTests
fi
# Recommended JVM flags (see README, "Performance"): a small heap and the serial collector keep the
# resident memory low on a 2-core machine; override with JAVA_OPTS.
exec "$JAVA_HOME/bin/java" ${JAVA_OPTS:--Xmx128m -XX:+UseSerialGC -Xss512k} -jar "$jar" "$@"
