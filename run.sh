#!/usr/bin/env bash
# Builds the server when the sources are newer than the jar, then runs it: `./run.sh` serves,
# `./run.sh doctor [--json]` checks the configuration, the models and the store.
set -euo pipefail
# Relative paths you give (OPENTALKING_CONFIG_FILE=my.yaml, ...) resolve against the directory you ran this
# from, not the repository it changes into next; the defaults still name the repository's files.
export OPENTALKING_CALLER_DIR="${OPENTALKING_CALLER_DIR:-$PWD}"
cd "$(dirname "$0")"
. scripts/java-home.sh
jar=target/opentalking-controlplane.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml examples -newer "$jar" -print -quit)" ]; then
  ./mvnw -q -B package -DskipTests
fi

# Recommended JVM flags (measured with bench/run.sh, see README "Where the memory goes"): a 64 MB heap that G1
# commits only as the load needs it, and C2 without C1's profiled tier, keep the resident memory low; the AppCDS
# archive (written by the first start, re-created when the jar changes) roughly halves start-up. Override with
# JAVA_OPTS.
flags="-Xms16m -Xmx64m -XX:+UseG1GC -XX:MaxNewSize=12m -XX:-TieredCompilation -Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=64m"
flags="$flags -XX:TrimNativeHeapInterval=1000 -XX:+ExitOnOutOfMemoryError"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
flags="$flags -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=target/opentalking-controlplane.jsa -Xlog:cds=off"
exec "$JAVA_HOME/bin/java" ${JAVA_OPTS:-$flags} -jar "$jar" "$@"
