# shellcheck shell=bash
# Shared helpers for bench/run.sh and bench/drills/*.sh. Source it; do not run it.
# Every process started here is recorded by pid and ended by pid on exit (bench_cleanup, installed as an EXIT trap
# by bench_init). Nothing here talks to anything but 127.0.0.1.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
JAR="$REPO_DIR/target/opentalking-controlplane.jar"

# The JVM flags proposed for the README (measured with bench/run.sh and Native Memory Tracking on the 2-core
# machine; the breakdown is in the README "Where the memory goes"):
#   -Xms16m -Xmx64m -XX:+UseG1GC       the live heap after the load is ~12-19 MB, and the protection caps' worst case
#                                      adds ~26 MB (README "Limits and protection"): the 64 MB maximum holds both.
#                                      G1 commits what the load needs (~44 MB after it) and reclaims old garbage
#                                      concurrently; the serial collector's old generation grew with promoted
#                                      garbage until it filled the whole 64 MB (heap 62-64 MB vs G1's 43 MB, same
#                                      load). With C2's slower warm-up, G1 costs 7-27 % of the session-cycle
#                                      throughput; the polling routes held (bench/flags-compare.sh).
#   -XX:MaxNewSize=12m                 G1 otherwise grew its young generation to 22-34 MB on a busy machine (the
#                                      heap then committed 58-61 MB); capped, it committed 40-43 MB (nmt-breakdown.sh)
#   -XX:-TieredCompilation             C2 only: C1's profiled code and the compile bursts of both tiers cost the
#                                      Redis-store server ~20 MB (code cache 19 -> 8 MB, compiler arenas 10 -> 1-2
#                                      MB); start-up ~130 ms longer; the first seconds under load run interpreted
#                                      longer (the bench warms up before it measures)
#   -Xss512k                           smaller stacks for the few platform threads (requests run on virtual ones)
#   -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=64m   bound the worst case (the load uses ~8 MB of code)
#   -XX:TrimNativeHeapInterval=1000    give back what the JIT freed to glibc (JDK 17.0.9+ / 21.0.1+)
#   -XX:+ExitOnOutOfMemoryError        exit (and be restarted) rather than limp
# and MALLOC_ARENA_MAX=2 in the environment (fewer glibc arenas for the JIT and Netty threads).
# Override with BENCH_JVM_FLAGS. BOUND_JVM_FLAGS are the bounds every flag set compared (flags-compare.sh,
# nmt-breakdown.sh) keeps; only the heap, collector and compiler flags vary.
BOUND_JVM_FLAGS="-Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=64m -XX:TrimNativeHeapInterval=1000 -XX:+ExitOnOutOfMemoryError"
RECOMMENDED_JVM_FLAGS="-Xms16m -Xmx64m -XX:+UseG1GC -XX:MaxNewSize=12m -XX:-TieredCompilation $BOUND_JVM_FLAGS"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
JVM_FLAGS="${BENCH_JVM_FLAGS-$RECOMMENDED_JVM_FLAGS}"

# Application class-data sharing: the control plane's classes, parsed and verified once, mapped at every later
# start (roughly halves start-up CPU). The README form is
#   -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=/var/tmp/opentalking-controlplane.jsa
# (JDK 19+; the first start writes the archive at exit, later starts use it, a new jar re-creates it). Here one
# priming start writes it (prepare_cds) and every server started by start_server maps it read-only, so servers
# started side by side never race to write it. BENCH_CDS=0 turns it off.
CDS_ARCHIVE="$REPO_DIR/target/bench-cds/opentalking-controlplane.jsa"
USE_CDS="${BENCH_CDS:-1}"

BENCH_PIDS=()
declare -A SERVER_PIDS=()

bench_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bench_die() { bench_log "ERROR: $*"; exit 2; }

now_ms() { date +%s%3N; }

# A JDK 21+: the project's own selection (JAVA_HOME, the java on the PATH, /usr/lib/jvm).
find_java() {
  # shellcheck source=scripts/java-home.sh
  . "$REPO_DIR/scripts/java-home.sh"
  JAVA="$JAVA_HOME/bin/java"
}

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || bench_die "'$1' is not installed (apt-get install -y $2)"
}

# bench_init <name>: results dir, java, tools, EXIT trap.
bench_init() {
  local name="$1"
  find_java
  need_cmd curl curl
  need_cmd python3 python3
  need_cmd redis-server redis-server
  RESULTS_DIR="${BENCH_RESULTS_DIR:-$BENCH_DIR/results}/$(date +%Y%m%d-%H%M%S)-$name-$$"
  mkdir -p "$RESULTS_DIR"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  set -E
  trap 'bench_log "failed (exit $?) at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR
}

# Builds the jar unless it exists (or BENCH_SKIP_BUILD=1, in which case a missing jar is an error).
build_if_needed() {
  if [ -f "$JAR" ] && [ -d "$REPO_DIR/target/libs" ]; then prepare_cds; return 0; fi
  if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then bench_die "$JAR is missing and BENCH_SKIP_BUILD=1"; fi
  bench_log "building the jar (./mvnw -B -q package -DskipTests)"
  (cd "$REPO_DIR" && ./mvnw -B -q package -DskipTests) >"$RESULTS_DIR/build.log" 2>&1 \
    || { tail -30 "$RESULTS_DIR/build.log" >&2; bench_die "build failed"; }
  prepare_cds
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The start time (clock ticks since boot) of a process, to tell it from a later one that reuses its pid.
proc_start() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }

declare -A PID_START=()
track_pid() { BENCH_PIDS+=("$1"); PID_START[$1]=$(proc_start "$1"); }

# alive <pid>: the process we started is still running (not a zombie, and its pid not reused since).
alive() {
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] || return 1
  [ -z "${PID_START[$1]:-}" ] || [ "$(proc_start "$1")" = "${PID_START[$1]}" ]
}

# spawn <stdout file> <stderr file or -> <command...>: starts the command in the background and sets SPAWN_PID to
# its own pid (tracked, stopped on exit). A small wrapper subshell is its parent and reaps it, so a drill's
# kill -9 leaves no "Killed" job notice in the output.
spawn() {
  local out="$1" err="$2" pidfile i; shift 2
  [ "$err" = - ] && err="$out"
  pidfile=$(mktemp "$RESULTS_DIR/.spawn.XXXXXX")
  ( "$@" >>"$out" 2>>"$err" &
    child=$!; echo "$child" >"$pidfile"; rc=0; wait "$child" 2>/dev/null || rc=$?
    echo "$rc" >"$RESULTS_DIR/.exit.$child"; exit 0 ) 2>/dev/null &
  for i in $(seq 1 1000); do [ -s "$pidfile" ] && break; sleep 0.005; done
  SPAWN_PID=$(cat "$pidfile"); rm -f "$pidfile"
  [ -n "$SPAWN_PID" ] || bench_die "could not start: $*"
  track_pid "$SPAWN_PID"
}

# exit_note <pid>: how a process we spawned ended, if it did (for error messages).
exit_note() {
  local f="$RESULTS_DIR/.exit.$1" rc
  [ -f "$f" ] || { echo "still running"; return; }
  rc=$(cat "$f")
  case "$rc" in
    137) echo "exited with status 137 (killed by SIGKILL: not by this script unless it said so)" ;;
    143) echo "exited with status 143 (SIGTERM)" ;;
    3) echo "exited with status 3 (-XX:+ExitOnOutOfMemoryError: out of memory)" ;;
    *) echo "exited with status $rc" ;;
  esac
}

# need_alive <name>: dies with how the named server ended if it is not running any more.
need_alive() {
  local pid="${SERVER_PIDS[$1]}"
  alive "$pid" || { tail -5 "$RESULTS_DIR/server-$1.log" >&2 || true; bench_die "server '$1' (pid $pid) is gone: $(exit_note "$pid")"; }
}

stop_pid() {  # stop_pid <pid> [signal] [max s]: ends one process we started, waits (default 5 s), then KILLs it.
  local pid="$1" sig="${2:-TERM}" max_s="${3:-5}" i keep=() p
  [ -n "$pid" ] || return 0
  if alive "$pid"; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for i in $(seq 1 $((max_s * 20))); do alive "$pid" || break; sleep 0.05; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    for i in $(seq 1 100); do alive "$pid" || break; sleep 0.02; done
  fi
  for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]}")   # never signal a pid twice: it may belong to someone else by then
}

bench_cleanup() {
  local rc=$? pid
  for pid in "${BENCH_PIDS[@]}"; do stop_pid "$pid"; done
  return $rc
}

# redis_ping <port>: true when a Redis on 127.0.0.1:<port> answers PING (pure bash, no client needed).
redis_ping() {
  local line=""
  { exec 9<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&9
  read -r -t 1 line <&9 || true
  exec 9>&- 9<&-
  [ "${line%$'\r'}" = "+PONG" ]
}

# launch_redis <port> -> sets REDIS_PID (does not wait). REDIS_EXTRA_ARGS (words) are added to redis-server's.
# Nothing is saved, but a replica (or a primary a failover demoted) writes the RDB of its full sync: into the
# results, never the working directory.
launch_redis() {
  # shellcheck disable=SC2086
  spawn "$RESULTS_DIR/redis-$1.log" - \
    redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$RESULTS_DIR" --dbfilename "dump-$1.rdb" ${REDIS_EXTRA_ARGS:-}
  REDIS_PID=$SPAWN_PID
}

# start_redis <port> -> sets REDIS_PID, waits (bounded) until it answers PING, then marks the queue established:
# on a Redis with no queue epoch the first step starts a quiet lease (no grants, README "Redis"), which a fresh
# bench Redis has no reason to wait out. A restart (launch_redis) stays empty, as an outage is.
start_redis() {
  local i
  launch_redis "$1"
  for i in $(seq 1 500); do
    if redis_ping "$1"; then
      redis-cli -p "$1" SET opentalking:flashtalk_queue:epoch 0.0 >/dev/null
      return 0
    fi
    sleep 0.01
  done
  bench_die "redis-server on port $1 did not start"
}

# cds_flags: the flag that maps the archive, when it is in use and exists.
cds_flags() {
  if [ "$USE_CDS" = 1 ] && [ -f "$CDS_ARCHIVE" ]; then echo "-XX:SharedArchiveFile=$CDS_ARCHIVE"; fi
}

# prepare_cds: (re)writes the archive when it is missing or older than the jar: one start with
# -XX:ArchiveClassesAtExit, a few requests so the usual classes are loaded, a clean stop.
prepare_cds() {
  [ "$USE_CDS" = 1 ] || return 0
  if [ -f "$CDS_ARCHIVE" ] && [ "$CDS_ARCHIVE" -nt "$JAR" ]; then return 0; fi
  mkdir -p "$(dirname "$CDS_ARCHIVE")"
  rm -f "$CDS_ARCHIVE"
  local port pid
  port=$(free_port)
  bench_log "writing the AppCDS archive $CDS_ARCHIVE (one priming start)"
  # Primed on the memory store. The JVM maps and touches the whole archive at start, so an archive that also holds
  # the Redis client's classes (a Redis-backed priming: 34 MB instead of 16 MB) cost the memory-store server ~15 MB
  # of RSS and saved the Redis-store one nothing (those classes then sit in metaspace instead; measured 2026-12-02).
  # shellcheck disable=SC2086
  spawn "$RESULTS_DIR/cds-prime.log" - env -C "$REPO_DIR" OPENTALKING_API_PORT="$port" OPENTALKING_API_HOST=127.0.0.1 \
      "$JAVA" $JVM_FLAGS -XX:ArchiveClassesAtExit="$CDS_ARCHIVE" -jar "$JAR"
  pid=$SPAWN_PID
  if wait_http "http://127.0.0.1:$port/healthz" 120 "$pid"; then
    curl -s -o /dev/null "http://127.0.0.1:$port/models" || true
    curl -s -o /dev/null "http://127.0.0.1:$port/queue/status" || true
    curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"avatar_id":"demo-avatar","model":"mock"}' \
      "http://127.0.0.1:$port/sessions" || true
    curl -s -o /dev/null "http://127.0.0.1:$port/nope" || true
  fi
  stop_pid "$pid" TERM 60   # the archive is written at exit: give it time
  if [ ! -f "$CDS_ARCHIVE" ]; then
    bench_log "no AppCDS archive was written (see $RESULTS_DIR/cds-prime.log); going on without it"
    USE_CDS=0
  fi
}

# start_server <name> <port> [VAR=value ...] -> sets SERVER_PID and SERVER_START_MS (epoch ms just before exec).
# The server runs from the repository root (so examples/avatars is found) with $JVM_FLAGS (+ the AppCDS archive).
start_server() {
  local name="$1" port="$2"; shift 2
  SERVER_START_MS=$(now_ms)
  # shellcheck disable=SC2086
  # No drain at SIGTERM unless a drill asks for one: stop_pid waits 5 s, and nothing here balances load.
  spawn "$RESULTS_DIR/server-$name.log" - env -C "$REPO_DIR" OPENTALKING_API_PORT="$port" \
      OPENTALKING_API_HOST=127.0.0.1 OPENTALKING_DRAIN_MS="${OPENTALKING_DRAIN_MS:-0}" "$@" "$JAVA" $JVM_FLAGS $(cds_flags) -jar "$JAR"
  SERVER_PID=$SPAWN_PID
  SERVER_PIDS[$name]=$SERVER_PID
}

# wait_http <url> <max seconds> [pid]: polls every 10 ms until HTTP 200; sets OK_AT_MS (epoch ms of the 200).
# Fails after the bound, or at once if the given process has exited.
wait_http() {
  local url="$1" max_s="$2" pid="${3:-}" t0 deadline code
  t0=$(now_ms); deadline=$((t0 + max_s * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null || true)
    if [ "$code" = 200 ]; then OK_AT_MS=$(now_ms); return 0; fi
    if [ -n "$pid" ] && ! alive "$pid"; then return 1; fi
    sleep 0.01
  done
  return 1
}

# Session cycles measure the queue and the store, not the per-address rate limit on POST /sessions.
NO_RATE_LIMIT=(OPENTALKING_SESSION_RATE=1000000 OPENTALKING_SESSION_BURST=1000000)

# redis_store_env <redis port>: sets REDIS_STORE_ENV to the benchmark's Redis-store server settings: that Redis,
# flashtalk (an unreachable ws url: the slot queue, no GPU backend) with 64 slots and an unlimited queue.
redis_store_env() {
  REDIS_STORE_ENV=(OPENTALKING_REDIS_URL="redis://127.0.0.1:$1/0" OPENTALKING_FLASHTALK_WS_URL=ws://127.0.0.1:9/x
                   OPENTALKING_FLASHTALK_SLOTS=64 OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE=0)
}

# wait_redis_source <base url> <what>: a Redis-store server connects in the background; waits (bounded, 10 s) until
# its /queue/status is served from Redis, or dies naming <what>.
wait_redis_source() {
  local src="" _
  for _ in $(seq 1 200); do
    src=$(curl -s -D - -o /dev/null "$1/queue/status" | tr -d '\r' \
          | awk -F': ' 'tolower($1)=="x-queue-status-source" {print $2}')
    [ "$src" = redis ] && return 0
    sleep 0.05
  done
  bench_die "$2 never served /queue/status from Redis (got '$src')"
}

# wait_server <name> <port> [max seconds]: wait_http on /healthz of the server just started, or die with its log.
wait_server() {
  local name="$1" port="$2" max_s="${3:-60}"
  if ! wait_http "http://127.0.0.1:$port/healthz" "$max_s" "${SERVER_PIDS[$name]}"; then
    tail -20 "$RESULTS_DIR/server-$name.log" >&2 || true
    bench_die "server '$name' on port $port did not answer /healthz within ${max_s}s ($(exit_note "${SERVER_PIDS[$name]}"))"
  fi
}

rss_mb() {  # rss_mb <pid>: VmRSS in MB (one decimal)
  awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"
}

