#!/usr/bin/env bash
# Sustained session churn: POST+DELETE /sessions (model mock) back to back for S seconds, in 10-second slices,
# printing per slice the cycles per second, the server's RSS, the Java heap after the last collection and the
# number of full collections so far. Shows what retained closed sessions do to a small heap over time.
#
#   bash bench/churn.sh [--seconds S] [--store memory|redis] [--no-build]
#
# Defaults: 60 s, memory store, the proposed JVM flags (lib.sh) plus -Xlog:gc to a file in the results dir.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECS=60; STORE=memory
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS="${2:?}"; shift 2 ;;
    --store) STORE="${2:?}"; shift 2 ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
[[ "$SECS" =~ ^[0-9]+$ ]] && [ "$SECS" -ge 10 ] && [ "$SECS" -le 1800 ] || bench_die "--seconds must be 10..1800"
bench_init churn
need_cmd wrk wrk
build_if_needed

PORT=$(free_port)
envs=()
if [ "$STORE" = redis ]; then
  RPORT=$(free_port); start_redis "$RPORT"; envs=(OPENTALKING_REDIS_URL="redis://127.0.0.1:$RPORT/0")
fi
GC_LOG="$RESULTS_DIR/gc.log"
JVM_FLAGS="$JVM_FLAGS -Xlog:gc:file=$GC_LOG" start_server churn "$PORT" "${envs[@]}"
wait_server churn "$PORT" 90
PID=${SERVER_PIDS[churn]}
echo "Sustained churn: POST+DELETE /sessions model mock, $STORE store, wrk -t2 -c16, ${SECS}s"
echo "JVM flags: $JVM_FLAGS"
printf '%-8s %-12s %-10s %-22s %s\n' slice cycles/s "RSS MB" "heap after last GC" "full GCs"
t=0
while [ "$t" -lt "$SECS" ]; do
  out=$(wrk -t2 -c16 -d10s -s "$BENCH_DIR/session_cycle.lua" "http://127.0.0.1:$PORT" -- mock 2>&1 || true)
  n=$(printf '%s\n' "$out" | awk -F= '/^cycles=/{print $2}'); d=$(printf '%s\n' "$out" | awk -F= '/^duration_s=/{print $2}')
  t=$((t + 10))
  alive "$PID" || { echo "server died (see $RESULTS_DIR/server-churn.log)"; exit 1; }
  heap=$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$GC_LOG" | tail -1)
  fulls=$(grep -c 'Pause Full' "$GC_LOG" || true)
  printf '%-8s %-12s %-10s %-22s %s\n' "${t}s" "$(python3 -c "print('%.0f' % (${n:-0} / ${d:-1}))")" \
    "$(rss_mb "$PID")" "${heap:--}" "$fulls"
done
