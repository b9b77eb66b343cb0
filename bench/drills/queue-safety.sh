#!/usr/bin/env bash
# Fault checker: the slot queue stays safe under a seeded random schedule of store and replica faults.
#
#   bash bench/drills/queue-safety.sh [--smoke] [--no-build] [--seeds N] [--seed S] [--duration SEC] [--self-test]
#
# Three replicas on one redis-server (replica 3 through a TCP proxy the checker runs), OPENTALKING_FLASHTALK_SLOTS=1,
# OPENTALKING_QUEUE_LEASE_MS=2000, four clients creating, holding and deleting flashtalk sessions. Faults: SIGSTOP/
# SIGCONT and kill -9 (+ restart) of a replica, Redis restart (empty), FLUSHALL, DEL of a holder's record, DEBUG
# SLEEP, CLIENT PAUSE, proxy drop/delay/blackhole. Checks and output: see queue_safety.py. Full mode: 50 schedules
# of 60 s (seeds 1..50 unless --seed); --smoke: one schedule of 25 s. Exit 1 on any violation. The checks' self-test
# (planted histories, a real overlap among them, must be caught) runs first; --self-test runs only it.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SMOKE=0; SEEDS=50; FIRST_SEED=1; DURATION=60
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; SEEDS=1; DURATION=25; shift ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    --seeds) SEEDS="$2"; shift 2 ;;
    --seed) FIRST_SEED="$2"; SEEDS=1; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --self-test) exec python3 "$(dirname "${BASH_SOURCE[0]}")/queue_safety.py" --self-test ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
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
  common=(OPENTALKING_FLASHTALK_SLOTS=1 OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE=0 OPENTALKING_QUEUE_LEASE_MS=$LEASE_MS
          OPENTALKING_FLASHTALK_WS_URL=ws://127.0.0.1:1/x OPENTALKING_QUEUE_SWEEP_MS=200)
  export "${common[@]}"
  start_server r1 "$P1" OPENTALKING_REDIS_URL="$U"
  start_server r2 "$P2" OPENTALKING_REDIS_URL="$U"
  # replica 3 reaches Redis through the checker's proxy, which listens once the checker starts
  start_server r3 "$P3" OPENTALKING_REDIS_URL="$UX"
  for n in 1 2 3; do port_var="P$n"; wait_server "r$n" "${!port_var}" 120; done
  trap - ERR
  set +e
  # shellcheck disable=SC2086
  python3 "$BENCH_DIR/drills/queue_safety.py" --ports "$P1,$P2,$P3" \
    --pids "${SERVER_PIDS[r1]},${SERVER_PIDS[r2]},${SERVER_PIDS[r3]}" --urls "$U,$U,$UX" \
    --java-cmd "$JAVA $JVM_FLAGS $(cds_flags) -jar $JAR" --repo "$REPO_DIR" --results "$RESULTS_DIR" \
    --redis-port "$RPORT" --proxy-port "$XPORT" --lease-ms "$LEASE_MS" --seed "$seed" --duration "$DURATION" \
    --redis-args="${REDIS_EXTRA_ARGS:-}" \
    | tee -a "$RESULTS_DIR/report.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || failed=1
  set -e
  for n in 1 2 3; do stop_pid "${SERVER_PIDS[r$n]}" TERM 10 || true; done
  stop_pid "$redis_pid" TERM 5 || true
  redis-cli -p "$RPORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true   # one the checker restarted
done
grep -h "violation(s)" "$RESULTS_DIR/report.txt" | awk '{v += $(NF-1)} END {print NR " schedule(s), " v " violation(s) in all"}'
exit "$failed"
