# Sourced by run.sh and test.sh: makes JAVA_HOME point at a JDK 21 or newer.
java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_major "$JAVA_HOME" 2>/dev/null || echo 0)" -lt 21 ] 2>/dev/null; then
  found=""
  if command -v java >/dev/null 2>&1; then
    home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    [ "$(java_major "$home")" -ge 21 ] 2>/dev/null && found="$home"
  fi
  if [ -z "$found" ]; then
    for d in /usr/lib/jvm/*; do
      if [ -x "$d/bin/java" ] && [ "$(java_major "$d")" -ge 21 ] 2>/dev/null; then found="$d"; break; fi
    done
  fi
  if [ -z "$found" ]; then
    echo "A JDK 21 or newer is needed; set JAVA_HOME to one." >&2
    exit 1
  fi
  export JAVA_HOME="$found"
fi
# Maven's own Guava uses sun.misc.Unsafe, which JDK 24+ warns about on every build. The flag that allows it
# quietly exists only from JDK 23 on (an unknown option stops JDK 21's JVM), so it is added here by version
# rather than in .mvn/jvm.config; that file holds what every supported JDK accepts.
if [ "$(java_major "$JAVA_HOME")" -ge 23 ] 2>/dev/null; then
  case " ${MAVEN_OPTS:-} " in
    *" --sun-misc-unsafe-memory-access="*) ;;
    *) export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow" ;;
  esac
fi
