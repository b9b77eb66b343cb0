#!/usr/bin/env bash
# Heap and RSS per idle connection and per event stream of the control plane itself (not a bare server), with
# the flags ./run.sh uses and the connection/stream caps lifted for the measurement.
#
#   bash bench/memory-per-connection.sh [--idle N] [--sse N] [--no-build]
#
# Starts the jar on a free loopback port, creates one mock session, then holds N idle TCP connections (default
# 2000) and afterwards N event streams of that session (default 1000), from 127.0.0.2..9 (bench/conn_hold.py).
# Prints heap after a full GC and RSS for each phase, and KB per connection / per stream.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N_IDLE=2000; N_SSE=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --idle) N_IDLE="${2:?}"; shift 2 ;;
    --sse) N_SSE="${2:?}"; shift 2 ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
[[ "$N_IDLE" =~ ^[0-9]+$ ]] && [ "$N_IDLE" -le 5000 ] || bench_die "--idle must be 0..5000"
[[ "$N_SSE" =~ ^[0-9]+$ ]] && [ "$N_SSE" -le 3000 ] || bench_die "--sse must be 0..3000"
ulimit -n 20000 2>/dev/null || true

bench_init memory-per-connection
build_if_needed
JCMD="$JAVA_HOME/bin/jcmd"
PORT=$(free_port)
start_server m "$PORT" OPENTALKING_MAX_CONNECTIONS=10000 OPENTALKING_MAX_CONNECTIONS_PER_CLIENT=10000 \
  OPENTALKING_MAX_EVENT_STREAMS=10000 OPENTALKING_MAX_EVENT_STREAMS_PER_SESSION=10000 \
  OPENTALKING_HEADER_TIMEOUT_MS=600000 OPENTALKING_IDLE_TIMEOUT_MS=600000
wait_server m "$PORT" 90
PID=${SERVER_PIDS[m]}

heap_kb() {
  "$JCMD" "$1" GC.run >/dev/null 2>&1
  "$JCMD" "$1" GC.heap_info 2>/dev/null | awk '/total [0-9]+K, used [0-9]+K/ { v=$5; sub(/K.*/, "", v); u += v } END { print u }'
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

hold() {  # hold <tag> <args...>: holds until ready, measures, stops
  local tag="$1"; shift
  local status="$RESULTS_DIR/$tag.status"
  spawn "$RESULTS_DIR/$tag.hold.txt" - python3 "$BENCH_DIR/conn_hold.py" hold --port "$PORT" --status "$status" \
    --max-seconds 300 "$@"
  local hp=$SPAWN_PID i
  for i in $(seq 1 600); do
    [ -f "$status" ] && grep -q '^ready=1' "$status" && break
    sleep 0.1
  done
  sleep 2
  HEAP=$(heap_kb "$PID"); RSS=$(rss_kb "$PID")
  OPEN=$(cat "$status" | tr '\n' ' ')
  stop_pid "$hp" TERM 10
  sleep 3
}

sleep 3
BASE_HEAP=$(heap_kb "$PID"); BASE_RSS=$(rss_kb "$PID")
SID=$(curl -s -H 'Content-Type: application/json' -d '{"avatar_id":"demo-avatar","model":"mock"}' \
  "http://127.0.0.1:$PORT/sessions" | sed -E 's/.*"session_id":"([^"]+)".*/\1/')
[ -n "$SID" ] || bench_die "could not create a session"

hold idle --idle "$N_IDLE"; IDLE_HEAP=$HEAP; IDLE_RSS=$RSS; IDLE_STATUS=$OPEN
BASE2_HEAP=$(heap_kb "$PID")
hold sse --sse "$N_SSE" --sse-path "/sessions/$SID/events"; SSE_HEAP=$HEAP; SSE_RSS=$RSS; SSE_STATUS=$OPEN

per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "-" }'; }
echo "Memory per connection of the control plane (flags: $JVM_FLAGS; load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-34s heap %7.1f MB  RSS %7.1f MB\n' "no client" "$(awk -v k="$BASE_HEAP" 'BEGIN{print k/1024}')" \
  "$(awk -v k="$BASE_RSS" 'BEGIN{print k/1024}')"
printf '  %-34s heap %7.1f MB  RSS %7.1f MB  -> %s KB heap, %s KB RSS each\n' "$N_IDLE idle connections" \
  "$(awk -v k="$IDLE_HEAP" 'BEGIN{print k/1024}')" "$(awk -v k="$IDLE_RSS" 'BEGIN{print k/1024}')" \
  "$(per "$IDLE_HEAP" "$BASE_HEAP" "$N_IDLE")" "$(per "$IDLE_RSS" "$BASE_RSS" "$N_IDLE")"
printf '  %-34s heap %7.1f MB  RSS %7.1f MB  -> %s KB heap each\n' "$N_SSE event streams" \
  "$(awk -v k="$SSE_HEAP" 'BEGIN{print k/1024}')" "$(awk -v k="$SSE_RSS" 'BEGIN{print k/1024}')" \
  "$(per "$SSE_HEAP" "$BASE2_HEAP" "$N_SSE")"
echo "  holder status: idle [$IDLE_STATUS]"
echo "                 sse  [$SSE_STATUS]"
alive "$PID" && echo "  server alive: yes" || { echo "  server alive: NO"; exit 1; }
