#!/usr/bin/env bash
# Fault checker: the slot queue stays safe under a seeded random schedule of store and replica faults.
#
#   bash bench/drills/queue-safety.sh [--smoke] [--no-build] [--seeds N] [--seed S] [--duration SEC] [--sentinel]
#                                     [--self-test]
#
# Three replicas on one redis-server (replica 3 through a TCP proxy the checker runs), OPENTALKING_FLASHTALK_SLOTS=1,
# OPENTALKING_QUEUE_LEASE_MS=2000, four clients creating, holding and deleting flashtalk sessions. Faults: SIGSTOP/
# SIGCONT and kill -9 (+ restart) of a replica, Redis restart (empty), FLUSHALL, DEL of a holder's record, DEBUG
# SLEEP, CLIENT PAUSE, proxy drop/delay/blackhole. Checks and output: see queue_safety.py. Full mode: 50 schedules
# of 60 s (seeds 1..50 unless --seed); --smoke: one schedule of 25 s. Exit 1 on any violation. The checks' self-test
# (planted histories, a real overlap among them, must be caught) runs first; --self-test runs only it. --sentinel:
# the primary gets a replica and three sentinels, replicas 1 and 2 use a redis-sentinel:// URL, replica 3's proxy
# connects to the primary the sentinels name and cuts its connections when they name another (as a Sentinel-aware
# proxy does), and a SENTINEL FAILOVER takes the Redis restart's place in the schedule.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SMOKE=0; SEEDS=50; FIRST_SEED=1; DURATION=60; SENTINEL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; SEEDS=1; DURATION=25; shift ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    --seeds) SEEDS="$2"; shift 2 ;;
    --seed) FIRST_SEED="$2"; SEEDS=1; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --sentinel) SENTINEL=1; shift ;;
    --self-test) exec python3 "$(dirname "${BASH_SOURCE[0]}")/queue_safety.py" --self-test ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
LEASE_MS=2000

python3 "$(dirname "${BASH_SOURCE[0]}")/queue_safety.py" --self-test >/dev/null \
  || { python3 "$(dirname "${BASH_SOURCE[0]}")/queue_safety.py" --self-test; echo "the checks' self-test failed" >&2; exit 2; }
bench_init queue-safety
build_if_needed
need_cmd redis-cli redis-tools

# DEBUG SLEEP needs the DEBUG command, which Redis 7 refuses unless enabled (the option does not exist before 7)
if [ "$(redis-server --version | sed -n 's/.*v=\([0-9]*\)\..*/\1/p')" -ge 7 ] 2>/dev/null; then
  export REDIS_EXTRA_ARGS="--enable-debug-command local"
fi

failed=0
for seed in $(seq "$FIRST_SEED" $((FIRST_SEED + SEEDS - 1))); do
  RPORT=$(free_port); XPORT=$(free_port); P1=$(free_port); P2=$(free_port); P3=$(free_port)
  start_redis "$RPORT"
  redis_pid=$REDIS_PID
  U="redis://127.0.0.1:$RPORT/0"; UX="redis://127.0.0.1:$XPORT/0"
  extra_pids=(); sentinel_args=()
  if [ "$SENTINEL" = 1 ]; then
    REPLPORT=$(free_port); S1=$(free_port); S2=$(free_port); S3=$(free_port)
    # shellcheck disable=SC2086
    spawn "$RESULTS_DIR/redis-$REPLPORT.log" - redis-server --port "$REPLPORT" --bind 127.0.0.1 --save "" \
      --appendonly no --dir "$RESULTS_DIR" --dbfilename "dump-$REPLPORT.rdb" --replicaof 127.0.0.1 "$RPORT" \
      ${REDIS_EXTRA_ARGS:-}
    extra_pids+=("$SPAWN_PID")
    for sp in "$S1" "$S2" "$S3"; do
      sd="$RESULTS_DIR/sentinel-$sp"; mkdir -p "$sd"   # a sentinel rewrites its file: one each
      printf '%s\n' "port $sp" "bind 127.0.0.1" "protected-mode no" "dir $sd" \
        "sentinel monitor mymaster 127.0.0.1 $RPORT 2" "sentinel down-after-milliseconds mymaster 1000" \
        "sentinel failover-timeout mymaster 3000" "sentinel parallel-syncs mymaster 1" >"$sd/sentinel.conf"
      spawn "$sd/sentinel.log" - redis-server "$sd/sentinel.conf" --sentinel
      extra_pids+=("$SPAWN_PID")
    done
    U="redis-sentinel://127.0.0.1:$S1,127.0.0.1:$S2,127.0.0.1:$S3/0#mymaster"
    sentinel_args=(--sentinel-ports "$S1,$S2,$S3")
  fi
  common=(OPENTALKING_FLASHTALK_SLOTS=1 OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE=0 OPENTALKING_QUEUE_LEASE_MS=$LEASE_MS
          OPENTALKING_FLASHTALK_WS_URL=ws://127.0.0.1:1/x OPENTALKING_QUEUE_SWEEP_MS=200)
  export "${common[@]}"
  start_server r1 "$P1" OPENTALKING_REDIS_URL="$U"
  start_server r2 "$P2" OPENTALKING_REDIS_URL="$U"
  # replica 3 reaches Redis through the checker's proxy, which listens once the checker starts
  start_server r3 "$P3" OPENTALKING_REDIS_URL="$UX"
  for n in 1 2 3; do port_var="P$n"; wait_server "r$n" "${!port_var}" 120; done
  if [ "$SENTINEL" = 1 ]; then
    # a failover needs a replica in sync that every sentinel knows (they learn replicas from INFO every 10 s)
    for _ in $(seq 1 300); do
      known=0
      for sp in "$S1" "$S2" "$S3"; do
        redis-cli -p "$sp" SENTINEL replicas mymaster 2>/dev/null | grep -qx "$REPLPORT" && known=$((known + 1))
      done
      if [ "$known" = 3 ] && redis-cli -p "$REPLPORT" INFO replication | grep -q 'master_link_status:up'; then break; fi
      sleep 0.1
    done
    [ "$known" = 3 ] || bench_die "the sentinels did not all learn the replica on port $REPLPORT"
  fi
  trap - ERR
  set +e
  # shellcheck disable=SC2086
  python3 "$BENCH_DIR/drills/queue_safety.py" --ports "$P1,$P2,$P3" \
    --pids "${SERVER_PIDS[r1]},${SERVER_PIDS[r2]},${SERVER_PIDS[r3]}" --urls "$U|$U|$UX" \
    --java-cmd "$JAVA $JVM_FLAGS $(cds_flags) -jar $JAR" --repo "$REPO_DIR" --results "$RESULTS_DIR" \
    --redis-port "$RPORT" --proxy-port "$XPORT" --lease-ms "$LEASE_MS" --seed "$seed" --duration "$DURATION" \
    --redis-args="${REDIS_EXTRA_ARGS:-}" "${sentinel_args[@]}" \
    | tee -a "$RESULTS_DIR/report.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || failed=1
  set -e
  for n in 1 2 3; do stop_pid "${SERVER_PIDS[r$n]}" TERM 10 || true; done
  stop_pid "$redis_pid" TERM 5 || true
  for pid in "${extra_pids[@]}"; do stop_pid "$pid" TERM 5 || true; done
  redis-cli -p "$RPORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true   # one the checker restarted
done
grep -h "violation(s)" "$RESULTS_DIR/report.txt" | awk '{v += $(NF-1)} END {print NR " schedule(s), " v " violation(s) in all"}'
if [ "$SEEDS" -gt 1 ]; then   # the stalls of every schedule together (a stall over the target fails no run)
  python3 "$BENCH_DIR/drills/queue_safety.py" --analyse "$LEASE_MS" "$RESULTS_DIR"/history-seed*.txt | tee -a "$RESULTS_DIR/report.txt" || true
fi
exit "$failed"
