#!/usr/bin/env bash
# Fault drill: malformed requests while normal traffic runs.
#
#   bash bench/drills/malformed.sh [--smoke] [--count N] [--no-build]
#
# N malformed requests (default 10000; smoke 300), one raw socket each from 16 threads (bench/drills/malformed.py):
# random bytes, broken request lines, a 70 KiB header, 3000 headers, a 70 KiB URI, bodies over 64 KiB to
# POST /sessions (Content-Length and chunked: must be 413), invalid JSON and wrong JSON shapes (must be 400),
# truncated bodies, bad chunk sizes, bad Content-Length values, odd paths, a 5,000-byte body the route does not
# read with Connection: close (404 / 405, one response); plus 20 slow clients (smoke 4) that send
# a request one byte per second for at most 10 s (smoke 3). Meanwhile 4 threads GET /models and /healthz.
# Must hold (exit 1 otherwise): the normal traffic never sees a non-200 nor a broken connection, the server is
# alive and answers /healthz afterwards, no malformed request is answered 5xx (505 for an unknown HTTP version
# excepted), and every connection gets at most one response, whole (framing: the responses on each connection
# are counted up to the server's close; a second response, e.g. a 400 for the unread body, is a violation).
# Full mode also fails when a malformed request gets an answer outside its category's contract.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SMOKE=0; COUNT=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; shift ;;
    --count) COUNT="${2:?}"; shift 2 ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
if [ "$SMOKE" = 1 ]; then COUNT=300; SLOW=4; SLOW_S=3; else SLOW=20; SLOW_S=10; fi
[[ "$COUNT" =~ ^[0-9]+$ ]] && [ "$COUNT" -le 100000 ] || bench_die "--count must be 0..100000"

bench_init malformed
build_if_needed

SPORT=$(free_port)
# The drill sends its malformed session bodies from one address as fast as it can; the per-address rate limit
# (hostile.sh tests it) would answer most of them 429 before their bodies are read, so it is lifted here.
start_server m "$SPORT" OPENTALKING_SESSION_RATE=1000000 OPENTALKING_SESSION_BURST=1000000
wait_server m "$SPORT" 90
PID=${SERVER_PIDS[m]}
RSS_BEFORE=$(rss_mb "$PID")

STOP_FILE="$RESULTS_DIR/stop-normal"
spawn "$RESULTS_DIR/normal-models.txt" - python3 "$BENCH_DIR/http_readers.py" readers \
  --url "http://127.0.0.1:$SPORT/models" --threads 2 --seconds 900 --stop-file "$STOP_FILE"
N1=$SPAWN_PID
spawn "$RESULTS_DIR/normal-healthz.txt" - python3 "$BENCH_DIR/http_readers.py" readers \
  --url "http://127.0.0.1:$SPORT/healthz" --threads 2 --seconds 900 --stop-file "$STOP_FILE"
N2=$SPAWN_PID

python3 "$BENCH_DIR/drills/malformed.py" --port "$SPORT" --count "$COUNT" --concurrency 16 --slow "$SLOW" \
  --slow-seconds "$SLOW_S" >"$RESULTS_DIR/malformed.txt" 2>"$RESULTS_DIR/malformed.err" \
  || { cat "$RESULTS_DIR/malformed.err" >&2; bench_die "the malformed-request generator failed"; }
sleep 1
touch "$STOP_FILE"
for _ in $(seq 1 300); do alive "$N1" || alive "$N2" || break; sleep 0.1; done
stop_pid "$N1"; stop_pid "$N2"

ALIVE=1; alive "$PID" || ALIVE=0
HEALTH=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$SPORT/healthz" || true)
RSS_AFTER=$(rss_mb "$PID")
THREADS=$(awk '/^Threads:/{print $2}' "/proc/$PID/status" 2>/dev/null || echo "?")
FDS=$(ls "/proc/$PID/fd" 2>/dev/null | wc -l)
FIVE_HUNDREDS=$(grep -c 'unhandled error\|Internal server error' "$RESULTS_DIR/server-m.log" || true)

trap - ERR   # from here on a non-zero exit is the verdict, not a script error
python3 - "$RESULTS_DIR/malformed.txt" "$RESULTS_DIR/normal-models.txt" "$RESULTS_DIR/normal-healthz.txt" "$ALIVE" \
  "$HEALTH" "$RSS_BEFORE" "$RSS_AFTER" "$THREADS" "$FDS" "$SMOKE" "$FIVE_HUNDREDS" <<'PY' | tee "$RESULTS_DIR/report.txt"
import sys
mal, nm, nh, alive, health, rss0, rss1, threads, fds, smoke, logged = sys.argv[1:]
def kv(path):
    return dict(l.rstrip("\n").split("=", 1) for l in open(path) if "=" in l and not l.startswith("category"))
m, a, b = kv(mal), kv(nm), kv(nh)
cats = [l.rstrip("\n") for l in open(mal) if l.startswith("category")]
hard, soft = [], []
normal_bad = int(a["non200"]) + int(b["non200"])
if normal_bad: hard.append("normal traffic saw %d non-200 answers or broken connections" % normal_bad)
if alive != "1" or health != "200": hard.append("server not alive / /healthz %s afterwards" % health)
if int(m["malformed_5xx"]): hard.append("%s malformed requests answered 5xx" % m["malformed_5xx"])
if int(m["framing_violations"]):
    hard.append("%s connections got more than one response or bytes that are not whole responses"
                % m["framing_violations"])
other = int(m["malformed_unexpected"]) - int(m["malformed_5xx"])
if other > 0: soft.append("%d malformed requests answered outside their category's contract" % other)
print("Drill: %s malformed requests while normal traffic runs%s" % (m["malformed_total"], " [smoke]" if smoke == "1" else ""))
for c in cats:
    print("  " + c)
print("  slow clients (one byte per second, bounded): %s" % m["slow_clients"])
print("  malformed phase took %s s" % m["malformed_seconds"])
print("  normal traffic: GET /models %s (%s), p99 %s ms, max %s ms; GET /healthz %s (%s), p99 %s ms, max %s ms"
      % (a["count"], a["statuses"], a["p99_ms"], a["max_ms"], b["count"], b["statuses"], b["p99_ms"], b["max_ms"]))
print("  lost:")
print("    normal requests failed ........................ %d of %d (must be 0; error rate %.4f%%)"
      % (normal_bad, int(a["count"]) + int(b["count"]), 100.0 * normal_bad / max(1, int(a["count"]) + int(b["count"]))))
print("    malformed requests answered 5xx ............... %s (must be 0; server log lines for 500s: %s)" % (m["malformed_5xx"], logged))
print("    malformed answered outside the contract ....... %d (other than 5xx)" % max(0, other))
print("    framing violations ............................ %s (must be 0: exactly one whole response per request)"
      % m["framing_violations"])
print("    server alive afterwards ....................... %s (/healthz %s; RSS %s -> %s MB; %s threads; %s fds)"
      % ("yes" if alive == "1" else "NO", health, rss0, rss1, threads, fds))
fail = hard + ([] if smoke == "1" else soft)
print("  result: %s" % ("PASS" if not fail else "FAIL: " + "; ".join(fail)))
sys.exit(1 if fail else 0)
PY
