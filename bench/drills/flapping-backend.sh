#!/usr/bin/env bash
# Fault drill: a backend that flaps between up, down and silent while clients read /models.
#
#   bash bench/drills/flapping-backend.sh [--smoke] [--seconds N] [--probe-timeout-ms T] [--refresh-ms R]
#                                         [--period P] [--no-build]
#
# An OmniRT stand-in (bench/stub_backend.py --mode flapping) cycles every P seconds (default 1) through
#   up     HTTP 200 {"models":["flashtalk"]} on /v1/audio2video/models
#   down   port closed (connection refused; open connections dropped)
#   silent accepts connections and never answers
# while 4 client threads GET /models back to back for N seconds (default 30; smoke 3). The control plane runs
# with OPENTALKING_PROBE_TIMEOUT_MS=T (default 500) and OPENTALKING_MODELS_REFRESH_MS=R (default 1000), a
# refresh as fast as the probe allows, so readers do meet stale snapshots and in-flight rounds.
# It runs twice against the same flapping backend: "before" with OPENTALKING_PROBE_FAILURE_THRESHOLD=1 and
# OPENTALKING_PROBE_SUCCESS_THRESHOLD=1 (every round's verdict published, as before the thresholds), "after"
# with the defaults (2 and 1). Must hold in both: no non-200 answer (exit 1 otherwise); every answer within
# T + 300 ms (exit 1 in full mode; smoke reports it only). Reports, per run, the thresholds in effect and how
# often flashtalk's status flipped in /models as the readers saw it.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SMOKE=0; SECONDS_RUN=30; TIMEOUT_MS=500; REFRESH_MS=1000; PERIOD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; shift ;;
    --seconds) SECONDS_RUN="${2:?}"; shift 2 ;;
    --probe-timeout-ms) TIMEOUT_MS="${2:?}"; shift 2 ;;
    --refresh-ms) REFRESH_MS="${2:?}"; shift 2 ;;
    --period) PERIOD="${2:?}"; shift 2 ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
[ "$SMOKE" = 1 ] && SECONDS_RUN=3
[[ "$SECONDS_RUN" =~ ^[0-9]+$ ]] && [ "$SECONDS_RUN" -ge 1 ] && [ "$SECONDS_RUN" -le 600 ] || bench_die "--seconds must be 1..600"
BOUND_MS=$((TIMEOUT_MS + 300))

bench_init flapping-backend
build_if_needed

BPORT=$(free_port)
spawn "$RESULTS_DIR/stub.out" - python3 "$BENCH_DIR/stub_backend.py" --port "$BPORT" --mode flapping \
  --period "$PERIOD" --max-seconds $((2 * SECONDS_RUN + 360)) --log "$RESULTS_DIR/stub-states.log"
STUB_PID=$SPAWN_PID

# run_phase <name> <failure threshold> <success threshold>: one server, 4 readers, readers-<name>.txt.
run_phase() {
  local name="$1" sport
  sport=$(free_port)
  start_server "$name" "$sport" OPENTALKING_OMNIRT_ENDPOINT="http://127.0.0.1:$BPORT" \
    OPENTALKING_PROBE_TIMEOUT_MS="$TIMEOUT_MS" OPENTALKING_MODELS_REFRESH_MS="$REFRESH_MS" \
    OPENTALKING_PROBE_FAILURE_THRESHOLD="$2" OPENTALKING_PROBE_SUCCESS_THRESHOLD="$3"
  wait_server "$name" "$sport" 90
  python3 "$BENCH_DIR/http_readers.py" readers --url "http://127.0.0.1:$sport/models" --threads 4 \
    --seconds "$SECONDS_RUN" --model flashtalk --slow-ms "$BOUND_MS" >"$RESULTS_DIR/readers-$name.txt"
  echo "health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$sport/healthz" || true)" \
    >>"$RESULTS_DIR/readers-$name.txt"
  echo "thresholds=$2/$3" >>"$RESULTS_DIR/readers-$name.txt"
  stop_pid "${SERVER_PIDS[$name]}"
}
run_phase before 1 1
run_phase after "${OPENTALKING_PROBE_FAILURE_THRESHOLD:-2}" "${OPENTALKING_PROBE_SUCCESS_THRESHOLD:-1}"
stop_pid "$STUB_PID"

trap - ERR   # from here on a non-zero exit is the verdict, not a script error
python3 - "$RESULTS_DIR/readers-before.txt" "$RESULTS_DIR/readers-after.txt" "$RESULTS_DIR/stub.out" "$BOUND_MS" \
  "$TIMEOUT_MS" "$REFRESH_MS" "$PERIOD" "$SECONDS_RUN" "$SMOKE" <<'PY' | tee "$RESULTS_DIR/report.txt"
import sys
before, after, stub, bound, timeout, refresh, period, secs, smoke = sys.argv[1:]
s = {}
for line in open(stub):
    if line.startswith("stub_summary"):
        s = dict(x.split("=", 1) for x in line.split()[1:])
bound = float(bound)
print("Drill: flapping backend (up / down / silent, %s s each) while clients read /models%s" % (period, " [smoke]" if smoke == "1" else ""))
print("  OPENTALKING_PROBE_TIMEOUT_MS=%s OPENTALKING_MODELS_REFRESH_MS=%s; 4 readers back to back for %s s per run" % (timeout, refresh, secs))
print("  backend (both runs): %s state changes, %s connections accepted, %s HTTP answers" % (s.get("flips", "?"), s.get("accepted", "?"), s.get("answered", "?")))
hard, soft, flips = [], [], {}
for name, path in (("before", before), ("after", after)):
    v = dict(l.rstrip("\n").split("=", 1) for l in open(path) if "=" in l)
    fail_t, succ_t = v["thresholds"].split("/")
    mx = float(v["max_ms"])
    if int(v["non200"]) != 0: hard.append("%s: /models answered non-200 %s times" % (name, v["non200"]))
    if v["health"] != "200": hard.append("%s: /healthz answered %s at the end" % (name, v["health"]))
    if int(v.get("reads_unparsed", 0)) != 0: hard.append("%s: %s /models bodies without flashtalk's status" % (name, v["reads_unparsed"]))
    if mx >= bound: soft.append("%s: slowest /models %.0f ms >= %d ms" % (name, mx, bound))
    flips[name] = float(v["status_changes_per_reader"])
    print("  %s thresholds: OPENTALKING_PROBE_FAILURE_THRESHOLD=%s OPENTALKING_PROBE_SUCCESS_THRESHOLD=%s" % (name, fail_t, succ_t))
    print("    /models reads: %s (%s); non-200: %s (must be 0); over the bound (%d ms): %s; reconnects: %s"
          % (v["count"], v["statuses"], v["non200"], bound, v["slow_reads"], v.get("reconnects", "0")))
    print("    latency: p50 %s ms, p99 %s ms, max %s ms -> %s" % (v["p50_ms"], v["p99_ms"], v["max_ms"], "PASS" if mx < bound else "MISS"))
    print("    /models status flips of flashtalk observed: %s per reader (%s over 4 readers; %s reads connected, %s disconnected)"
          % (v["status_changes_per_reader"], v["status_changes_seen"], v["reads_connected"], v["reads_disconnected"]))
print("  flips per reader: %.1f before the thresholds, %.1f after" % (flips["before"], flips["after"]))
fail = hard + ([] if smoke == "1" else soft)
print("  result: %s" % ("PASS" if not fail else "FAIL: " + "; ".join(fail)) + (
    "  (smoke: latency not judged: %s)" % "; ".join(soft) if smoke == "1" and soft else ""))
sys.exit(1 if fail else 0)
PY
