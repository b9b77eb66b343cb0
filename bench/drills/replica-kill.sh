#!/usr/bin/env bash
# Fault drill: the replica that holds the only GPU slot dies (kill -9).
#
#   bash bench/drills/replica-kill.sh [--smoke] [--no-build]
#
# Three control-plane replicas on one redis-server, OPENTALKING_FLASHTALK_SLOTS=1,
# OPENTALKING_QUEUE_LEASE_MS=3000, flashtalk connected via OPENTALKING_FLASHTALK_WS_URL (legacy_ws, not probed).
# Replica 1 holds the slot (POST /sessions model flashtalk), replicas 2 and 3 each have a queued session.
# Replica 1 is killed with SIGKILL. Measured: time until the first waiter's GET /sessions/{id} shows state
# "created"; the other waiter's position must move to 1; at no sample may more than one session report
# created/running, nor Redis hold more than one holder (a doubly held or lost slot fails the drill, exit 1).
# Then the first waiter is deleted and the second must be granted (the queue moves on).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SMOKE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; shift ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
LEASE_MS=3000
WATCH_AFTER=$([ "$SMOKE" = 1 ] && echo 1 || echo 4)

bench_init replica-kill
build_if_needed

RPORT=$(free_port); P1=$(free_port); P2=$(free_port); P3=$(free_port)
start_redis "$RPORT"
common=(OPENTALKING_REDIS_URL="redis://127.0.0.1:$RPORT/0" OPENTALKING_FLASHTALK_SLOTS=1
        OPENTALKING_QUEUE_LEASE_MS=$LEASE_MS OPENTALKING_FLASHTALK_WS_URL=ws://127.0.0.1:9/x)
start_server r1 "$P1" "${common[@]}"
start_server r2 "$P2" "${common[@]}"
start_server r3 "$P3" "${common[@]}"
for n in 1 2 3; do
  port_var="P$n"
  wait_server "r$n" "${!port_var}" 120
  for _ in $(seq 1 200); do   # each replica connects to Redis in the background
    curl -s -D - -o /dev/null "http://127.0.0.1:${!port_var}/queue/status" \
      | grep -qi '^x-queue-status-source: redis' && break
    sleep 0.05
  done
done

trap - ERR   # from here on a non-zero exit is the verdict, not a script error
set +e
python3 "$BENCH_DIR/drills/replica_kill.py" --ports "$P1,$P2,$P3" --pid1 "${SERVER_PIDS[r1]}" \
  --redis-port "$RPORT" --lease-ms "$LEASE_MS" --watch-after "$WATCH_AFTER" $([ "$SMOKE" = 1 ] && echo --smoke) \
  | tee "$RESULTS_DIR/report.txt"
rc=${PIPESTATUS[0]}
set -e
stop_pid "${SERVER_PIDS[r1]}"
exit "$rc"
