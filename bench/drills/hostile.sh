#!/usr/bin/env bash
# Fault drill: hostile and careless clients (issue 14). Loopback only; every attack bounded in count and time.
#
#   bash bench/drills/hostile.sh [--smoke] [--only a,b,...] [--no-build]
#
# Attacks (bench/drills/hostile.py; hostile sockets bind to 127.0.0.2 ... 127.0.0.9, the server listens on
# 127.0.0.1), in this order:
#   http10    GET /health, /healthz, /queue/status, /models as HTTP/1.0 (with and without Connection: keep-alive)
#             and an HTTP/1.0 event stream: 200, no chunked encoding, closed after the answer unless kept alive
#   framing   bodies of 5,000 and 100,000 bytes to routes that do not read them (404 /nope, 405 DELETE /models,
#             409 start of a closed session), with Connection: close (exactly one status line, socket closed
#             < 1 s after it) and keep-alive (then GET /healthz: never an answer to the body bytes); pipelining
#   methods   20,000 made-up methods (M00000001X /nope; smoke 2,000), then /metrics < 512 KB, no junk label
#   conns     6,000 connections (smoke 600): half idle TCP, half slow headers (1 byte every 3 s), held 40 s (12)
#   streams   3,000 GET /sessions/{id}/events for one live session (smoke 300), held 20 s (6)
#   slowbody  600 connections (smoke 150): Content-Length 60000 with 12 bytes sent, a body 1 byte every 3 s,
#             a 14 KB request head never finished; held 30 s (8)
#   sessions  POST /sessions: 1,500 with a 60 KB llm_system_prompt from 8 addresses (smoke 300), then 3,000
#             small ones from one address (smoke 600); 429/503 vs 200; /metrics must count exactly the accepted
# For each: connections held, what the server refused (statuses, resets, closes), /healthz p50/p99 from a
# separate client on 127.0.0.1 during the attack, RSS before / max / after, and whether the process survived
# (when it did not, a fresh server takes the next attack; conns and streams always start on a fresh one).
# A /healthz GET that gets no HTTP answer (refused, reset, 2 s timeout) counts as 2,000 ms.
# Exit 1 when a target is missed: the process died; /healthz p99 >= 100 ms during conns or streams (full mode;
# smoke reports it only, as the other drills do with speed figures); RSS >= 256 MB; any framing violation or
# answer without a complete status line; /metrics >= 512 KB or labelled with a junk method; any 5xx on the four
# seed endpoints. Exit 2 when the drill itself cannot run. Servers run with bench/lib.sh's flags (./run.sh's).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SMOKE=0; ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; shift ;;
    --only) ONLY="${2:?}"; shift 2 ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
ATTACKS=(http10 framing methods conns streams slowbody sessions)
if [ "$SMOKE" = 1 ]; then
  SIZES=(--conns 600 --streams 300 --methods 2000 --slowbody 150 --big-posts 300 --small-posts 600)
  declare -A HOLD=([conns]=12 [streams]=6 [slowbody]=8)
  NEED_FDS=2000
else
  SIZES=(--conns 6000 --streams 3000 --methods 20000 --slowbody 600 --big-posts 1500 --small-posts 3000)
  declare -A HOLD=([conns]=40 [streams]=20 [slowbody]=30)
  NEED_FDS=10000
fi
if [ -n "$ONLY" ]; then IFS=, read -r -a ATTACKS <<<"$ONLY"; fi
for at in "${ATTACKS[@]}"; do
  case " http10 framing methods conns streams slowbody sessions " in *" $at "*) ;; *) bench_die "unknown attack $at" ;; esac
done

# Thousands of sockets in one client process (and as many in the server, which inherits the limit; the JVM
# raises its own soft limit to the hard one anyway): raise the soft limit and check it.
HARD=$(ulimit -Hn)
if [ "$HARD" = unlimited ] || [ "$HARD" -ge 65536 ]; then ulimit -n 65536; else ulimit -n "$HARD"; fi
FDS=$(ulimit -n)
[ "$FDS" -ge "$NEED_FDS" ] || bench_die "this drill needs ulimit -n >= $NEED_FDS (soft limit now $FDS, hard $HARD)"

bench_init hostile
build_if_needed
bench_log "fd limit $FDS; JVM flags: $JVM_FLAGS"

n=0
start_one() {
  n=$((n + 1)); NAME="h$n"; SPORT=$(free_port)
  start_server "$NAME" "$SPORT"
  wait_server "$NAME" "$SPORT" 90
  PID=${SERVER_PIDS[$NAME]}
}
start_one
# the hostile sockets come from 127.0.0.2-9: check the server answers them (all of 127.0.0.0/8 is local on Linux)
for src in 127.0.0.2 127.0.0.9; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface "$src" "http://127.0.0.1:$SPORT/healthz" || true)
  [ "$code" = 200 ] || bench_die "GET /healthz from $src answered '$code': loopback source addresses are not usable here"
done
EXITS="$RESULTS_DIR/exits.txt"; : >"$EXITS"
declare -A USED=()
FILES=()
trap - ERR   # from here on a non-zero status is a finding, not a script error
FRESH=" conns streams "   # the attacks with a latency target get a server of their own (not one an earlier attack filled)
for at in "${ATTACKS[@]}"; do
  if ! alive "$PID"; then
    start_one
  elif [[ "$FRESH" == *" $at "* ]] && [ "${USED[$NAME]:-0}" = 1 ]; then
    stop_pid "$PID"; start_one
  fi
  USED[$NAME]=1
  bench_log "attack $at (server $NAME pid $PID port $SPORT, RSS $(rss_mb "$PID") MB)"
  out="$RESULTS_DIR/$at.json"
  timeout --signal=TERM --kill-after=10 300 python3 "$BENCH_DIR/drills/hostile.py" attack "$at" --port "$SPORT" \
    --pid "$PID" --out "$out" "${SIZES[@]}" --hold "${HOLD[$at]:-10}" --every 3 \
    >>"$RESULTS_DIR/attacks.txt" 2>"$RESULTS_DIR/$at.err" \
    || { cat "$RESULTS_DIR/$at.err" >&2; bench_die "the attack $at could not run"; }
  [ -s "$out" ] || bench_die "the attack $at wrote no result"
  FILES+=("$out")
  sleep 0.3
  if ! alive "$PID"; then
    last=$(grep -a -m1 -i 'OutOfMemoryError\|Exception\|SEVERE' "$RESULTS_DIR/server-$NAME.log" | cut -c1-160 || true)
    echo "$at $(exit_note "$PID")${last:+; log: $last}" >>"$EXITS"
  fi
done

cat "$RESULTS_DIR/attacks.txt"
[ ! -s "$EXITS" ] || { echo "servers that died:"; sed 's/^/  /' "$EXITS"; }
rc=0
python3 "$BENCH_DIR/drills/hostile.py" report "${FILES[@]}" --exits "$EXITS" $([ "$SMOKE" = 1 ] && echo --smoke) \
  | tee "$RESULTS_DIR/report.txt" || rc=${PIPESTATUS[0]}
echo "raw results: $RESULTS_DIR"
exit "$rc"
