#!/usr/bin/env bash
# Fault drill: Redis is killed (kill -9) and restarted under load.
#
#   bash bench/drills/redis-kill.sh [--smoke] [--down-seconds S] [--no-build]
#
# One control plane on its own redis-server. A load generator (bench/SessionLoad.java) runs 4 create+delete
# loops (model mock; sessions live in the store) and 2 GET /queue/status loops. After a quiet period Redis is
# killed with SIGKILL, stays down for S seconds (default 5; smoke 2), and is restarted empty on the same port
# (quiet period before: 5 s, smoke 1 s; load goes on for 10 s after the restart, smoke 2 s).
#
# Must hold (exit 1 otherwise): /queue/status never answers non-200 (it serves zeros with
# X-Queue-Status-Source: unavailable); no 5xx other than the documented 503 on session routes; no request
# without an answer; session creation works again after the restart.
# Reports: what was lost, the time from kill to the first 503, and from restart to the first successful create.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SMOKE=0; DOWN=5
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; shift ;;
    --down-seconds) DOWN="${2:?}"; shift 2 ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
[[ "$DOWN" =~ ^[0-9]+$ ]] && [ "$DOWN" -le 120 ] || bench_die "--down-seconds must be 0..120"
if [ "$SMOKE" = 1 ]; then PRE=1; DOWN=2; POST=2; else PRE=5; POST=10; fi

bench_init redis-kill
build_if_needed

RPORT=$(free_port); SPORT=$(free_port)
start_redis "$RPORT"
# The load loops create sessions back to back from one address: the per-address rate limit would answer 429.
start_server r "$SPORT" OPENTALKING_REDIS_URL="redis://127.0.0.1:$RPORT/0" OPENTALKING_SESSION_RATE=1000000 \
  OPENTALKING_SESSION_BURST=1000000
wait_server r "$SPORT" 90
for _ in $(seq 1 200); do
  curl -s -D - -o /dev/null "http://127.0.0.1:$SPORT/queue/status" | grep -qi '^x-queue-status-source: redis' && break
  sleep 0.05
done

STOP_FILE="$RESULTS_DIR/stop-load"
LOAD_OUT="$RESULTS_DIR/load.txt"
spawn "$LOAD_OUT" "$RESULTS_DIR/load.err" "$JAVA" -XX:+UseSerialGC "$BENCH_DIR/SessionLoad.java" \
  --url "http://127.0.0.1:$SPORT" --model mock --concurrency 4 --status-threads 2 --pause-ms 10 --retry-delete \
  --request-timeout-ms 5000 --seconds $((PRE + DOWN + POST + 60)) --stop-file "$STOP_FILE"
LOAD_PID=$SPAWN_PID
for _ in $(seq 1 600); do grep -q '^load_started_epoch_ms=' "$LOAD_OUT" 2>/dev/null && break; sleep 0.1; done
grep -q '^load_started_epoch_ms=' "$LOAD_OUT" || { cat "$RESULTS_DIR/load.err" >&2; bench_die "load generator did not start"; }

sleep "$PRE"
KILL_MS=$(now_ms)
stop_pid "$REDIS_PID" KILL
bench_log "redis killed (kill -9); down for ${DOWN}s"
sleep "$DOWN"
RESTART_MS=$(now_ms)
launch_redis "$RPORT"
# Poll (bounded) until Redis answers PING and /queue/status is served from Redis again.
REDIS_UP_MS=""; STATUS_BACK_MS=""
while [ $(( $(now_ms) - RESTART_MS )) -lt 60000 ]; do
  if [ -z "$REDIS_UP_MS" ] && redis_ping "$RPORT"; then REDIS_UP_MS=$(now_ms); fi
  if [ -z "$STATUS_BACK_MS" ] && curl -s -D - -o /dev/null --max-time 2 "http://127.0.0.1:$SPORT/queue/status" \
       | grep -qi '^x-queue-status-source: redis'; then STATUS_BACK_MS=$(now_ms); fi
  [ -n "$REDIS_UP_MS" ] && [ -n "$STATUS_BACK_MS" ] && break
  sleep 0.01
done
[ -n "$REDIS_UP_MS" ] || bench_die "restarted redis-server did not answer PING within 60 s"
bench_log "redis restarted (PING after $((REDIS_UP_MS - RESTART_MS)) ms)"

sleep "$POST"
touch "$STOP_FILE"
for _ in $(seq 1 600); do alive "$LOAD_PID" || break; sleep 0.1; done
stop_pid "$LOAD_PID"
ALIVE=1; alive "${SERVER_PIDS[r]}" || ALIVE=0
HEALTH=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$SPORT/healthz" || true)

trap - ERR   # from here on a non-zero exit is the verdict, not a script error
python3 - "$LOAD_OUT" "$KILL_MS" "$RESTART_MS" "$REDIS_UP_MS" "${STATUS_BACK_MS:-0}" "$ALIVE" "$HEALTH" "$DOWN" \
  "$SMOKE" <<'PY' | tee "$RESULTS_DIR/report.txt"
import sys
out, kill, restart, up, status_back, alive, health, down, smoke = sys.argv[1:]
kill, restart, up, status_back = int(kill), int(restart), int(up), int(status_back)
v = dict(l.rstrip("\n").split("=", 1) for l in open(out) if "=" in l)

def counts(s):
    return {k: int(n) for k, n in (x.rsplit(":", 1) for x in s.split(",") if x)}

create, delete, qs = counts(v.get("create_status", "")), counts(v.get("delete_status", "")), counts(v.get("queue_status", ""))
windows = [tuple(int(x) for x in w.split(":")) for w in v.get("create_failure_windows", "").split(",") if w]
first_fail = min((w[0] for w in windows if w[0] >= kill), default=None)
recovered = min((w[2] for w in windows if w[2] >= restart), default=None)
early = [w for w in windows if w[0] < kill]
unanswered = sum(n for k, n in list(create.items()) + list(delete.items()) + list(qs.items())
                 if k.replace("retry-", "") in ("timeout", "io-error"))
hard = []
if int(v.get("queue_status_non200", "1")) != 0: hard.append("/queue/status answered non-200")
if int(v.get("unexpected_5xx", "1")) != 0: hard.append("5xx other than the documented 503")
if unanswered: hard.append("requests without an answer (timeouts or broken connections)")
if recovered is None: hard.append("no successful session create after the restart")
if alive != "1" or health != "200": hard.append("server not alive / /healthz not 200 at the end")
if early: hard.append("session creates failed before Redis was killed")

print("Drill: Redis killed (kill -9) and restarted under load%s" % (" [smoke]" if smoke == "1" else ""))
print("  load: 4 loops POST+DELETE /sessions (mock), 2 loops GET /queue/status, 10 ms pause; Redis down %s s" % down)
print("  requests: POST /sessions %s | DELETE %s | GET /queue/status %s" % (v.get("create_status"), v.get("delete_status"), v.get("queue_status")))
print("  /queue/status sources seen: %s; slowest /queue/status answer %s ms" % (v.get("queue_source"), v.get("queue_status_max_ms")))
print("  lost:")
print("    /queue/status non-200 ............................ %s (must be 0)" % v.get("queue_status_non200"))
print("    5xx other than the documented 503 ................ %s (must be 0)" % v.get("unexpected_5xx"))
print("    requests without an answer ....................... %d (must be 0)" % unanswered)
print("    sessions never deleted (orphans) ................. %s" % v.get("orphans"))
print("    sessions gone with Redis' data (no persistence) .. %s (expected: Redis here keeps nothing on disk)" % v.get("lost_in_store"))
print("    503 answers while Redis was down (documented) .... %d" % (create.get("503", 0) + delete.get("503", 0) + delete.get("retry-503", 0)))
print("  timings:")
print("    kill -> first failed create ...................... %s ms" % ("-" if first_fail is None else first_fail - kill))
print("    Redis restart -> Redis answering PING ............ %d ms" % (up - restart))
print("    Redis restart -> /queue/status from Redis again .. %s ms" % ("-" if not status_back else status_back - restart))
print("    Redis restart -> first successful create ......... %s ms  (recovery)" % ("-" if recovered is None else recovered - restart))
print("  result: %s" % ("PASS" if not hard else "FAIL: " + "; ".join(hard)))
sys.exit(1 if hard else 0)
PY
