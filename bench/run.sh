#!/usr/bin/env bash
# OpenTalking control plane benchmark: prints ONE table of throughput/latency ratios against a bare Jetty 12
# "hello" server measured in the same run, plus silent-backend latency, session create+delete cycles,
# cross-replica freshness of /queue/status, resident memory and start-up time, each with its target and
# PASS/MISS, then a "queue depth" table (POST+DELETE cycle and sweep cost at 0, 100, 1,000, 10,000 waiting).
#
#   bash bench/run.sh [--duration S] [--rounds N] [--smoke] [--strict] [--no-build]
#
#   --duration S  seconds per wrk run (default 10), after a warm-up of min(2, S/5) s on the same endpoint (and one
#                 3-second warm-up pass over every server and route before the first measurement)
#   --rounds N    measure every route N times, interleaved with the baseline (default 2); rows are means
#   --smoke       1-second runs, 8 connections, no warm-up, one start-up sample, depths 0/10/100, 20 changes;
#                 fails only when the script is broken or a server does not answer, never on a figure
#   --strict      exit 3 when a target is missed (full mode only)
#   --no-build    never build; fail if target/opentalking-controlplane.jar is missing (also BENCH_SKIP_BUILD=1)
#
# Environment: JAVA_HOME (a JDK 21+), BENCH_JVM_FLAGS (JVM flags for the servers; default: lib.sh's
# RECOMMENDED_JVM_FLAGS). Raw output goes to bench/results/<stamp>-run-<pid>/ (gitignored).
# All traffic goes to 127.0.0.1; every server, Redis and stub started here is stopped on exit.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=10
ROUNDS_OPT=2
SMOKE=0
STRICT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="${2:?--duration needs seconds}"; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --rounds) ROUNDS_OPT="${2:?--rounds needs a number}"; shift 2 ;;
    --strict) STRICT=1; shift ;;
    --no-build) export BENCH_SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 1 ] && [ "$DURATION" -le 600 ] || bench_die "--duration must be 1..600"

if [ "$SMOKE" = 1 ]; then
  DURATION=1; CONNS=8; CYCLE_CONNS=8; WARMUP=0; GLOBAL_WARMUP=0; ROUNDS=1; STARTS=1; SILENT_COUNT=20
  SILENT_PACE=0; MODE=smoke; DEPTHS=0,10,100; DEPTH_SECONDS=1; SWEEPS=3; FRESH_CHANGES=20
else
  CONNS=64; CYCLE_CONNS=16; WARMUP=$(( DURATION / 5 < 2 ? DURATION / 5 : 2 )); GLOBAL_WARMUP=3; STARTS=3
  SILENT_COUNT=200; SILENT_PACE=25; MODE=full; ROUNDS=$ROUNDS_OPT
  DEPTHS=0,100,1000,10000; DEPTH_SECONDS=5; SWEEPS=20; FRESH_CHANGES=200
  [[ "$ROUNDS" =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 10 ] || bench_die "--rounds must be 1..10"
fi

bench_init run
need_cmd wrk wrk
build_if_needed

VALUES="$RESULTS_DIR/values.txt"
: >"$VALUES"
put() { printf '%s=%s\n' "$1" "$2" >>"$VALUES"; }

put mode "$MODE"
put date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
put duration "$DURATION"
put conns "$CONNS"
put cycle_conns "$CYCLE_CONNS"
put warmup "$WARMUP"
put flags "${JVM_FLAGS:-(none)}"
put cds "$([ -n "$(cds_flags)" ] && echo "$(cds_flags) (written once by a priming start)" || echo "none")"
put java "$("$JAVA" -version 2>&1 | head -1)"
put cores "$(nproc)"
put load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
bench_log "results in $RESULTS_DIR (mode $MODE, ${DURATION}s runs, $CONNS connections)"

REDIS_PORT=$(free_port); BASE_PORT=$(free_port); MEM_PORT=$(free_port); RED_PORT=$(free_port)
DEF_PORT=$(free_port); SILENT_PORT=$(free_port); SIL_SRV_PORT=$(free_port)
QREDIS_PORT=$(free_port); QA_PORT=$(free_port); QB_PORT=$(free_port)

start_redis "$REDIS_PORT"

# The baseline: a bare Jetty 12 server from the same jars, source-launch mode, same JVM flags.
# shellcheck disable=SC2086
spawn "$RESULTS_DIR/server-baseline.log" - env -C "$REPO_DIR" \
  "$JAVA" $JVM_FLAGS -cp "target/libs/*" bench/baseline/JettyHello.java "$BASE_PORT"
BASE_PID=$SPAWN_PID; SERVER_PIDS[baseline]=$BASE_PID

start_server mem "$MEM_PORT" "${NO_RATE_LIMIT[@]}"
redis_store_env "$REDIS_PORT"
start_server redis "$RED_PORT" "${NO_RATE_LIMIT[@]}" "${REDIS_STORE_ENV[@]}"
if [ "$SMOKE" = 0 ]; then
  JVM_FLAGS="" USE_CDS=0 start_server defaults "$DEF_PORT"
fi

if ! wait_http "http://127.0.0.1:$BASE_PORT/hello" 90 "$BASE_PID"; then
  tail -20 "$RESULTS_DIR/server-baseline.log" >&2; bench_die "the baseline server did not answer /hello"
fi
wait_server mem "$MEM_PORT" 90
wait_server redis "$RED_PORT" 90
[ "$SMOKE" = 1 ] || wait_server defaults "$DEF_PORT" 90

wait_redis_source "http://127.0.0.1:$RED_PORT" "the Redis-backed server"

sleep 1
put rss_idle "$(rss_mb "${SERVER_PIDS[mem]}")"

# bench_wrk <key> <url> [connections]: warm-up, then the measured run; raw output kept.
bench_wrk() {
  local key="$1" url="$2" c="${3:-$CONNS}" raw="$RESULTS_DIR/wrk-$1.txt" name
  for name in "${!SERVER_PIDS[@]}"; do   # every server of this phase must still be running
    case "$name" in baseline|mem|redis) need_alive "$name" ;; esac
  done
  if [ "$WARMUP" -gt 0 ]; then wrk -t2 -c"$c" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true; fi
  wrk -t2 -c"$c" -d"${DURATION}s" --latency "$url" >"$raw" 2>&1 || true
  local parsed
  parsed=$(python3 "$BENCH_DIR/report.py" wrk "$raw")
  printf '%s\n' "$parsed" | sed "s/^/${key}_/" >>"$VALUES"
  local n
  n=$(printf '%s\n' "$parsed" | awk -F= '$1=="requests"{print $2}')
  if [ -z "$n" ] || [ "$n" -eq 0 ]; then cat "$raw" >&2; bench_die "no answer from $url during the wrk run"; fi
  bench_log "$key: $(printf '%s\n' "$parsed" | awk -F= '$1=="rps"{print $2}') req/s"
}

# One warm-up pass over every server and route first, so that no row pays for the JIT more than another.
if [ "$GLOBAL_WARMUP" -gt 0 ]; then
  bench_log "global warm-up: ${GLOBAL_WARMUP}s per server and route"
  for u in "$BASE_PORT/hello" "$MEM_PORT/healthz" "$MEM_PORT/health" "$MEM_PORT/queue/status" "$MEM_PORT/models" \
           "$RED_PORT/queue/status" "$DEF_PORT/healthz"; do
    wrk -t2 -c"$CONNS" -d"${GLOBAL_WARMUP}s" "http://127.0.0.1:$u" >/dev/null 2>&1 || true
  done
fi

# ROUNDS rounds of: baseline, then each route; a last baseline at the end. Each row is the mean of its rounds,
# each ratio is against the mean of every baseline run.
b=0
for r in $(seq 1 "$ROUNDS"); do
  b=$((b + 1)); bench_wrk "baseline$b" "http://127.0.0.1:$BASE_PORT/hello"
  bench_wrk "healthz_r$r" "http://127.0.0.1:$MEM_PORT/healthz"
  if [ "$SMOKE" = 0 ] && [ "$r" = 1 ]; then
    bench_wrk healthz_defaults "http://127.0.0.1:$DEF_PORT/healthz"
    put rss_defaults_after "$(rss_mb "${SERVER_PIDS[defaults]}")"
    stop_pid "${SERVER_PIDS[defaults]}"
  fi
  bench_wrk "health_r$r" "http://127.0.0.1:$MEM_PORT/health"
  bench_wrk "queue_mem_r$r" "http://127.0.0.1:$MEM_PORT/queue/status"
  bench_wrk "queue_redis_r$r" "http://127.0.0.1:$RED_PORT/queue/status"
  bench_wrk "models_r$r" "http://127.0.0.1:$MEM_PORT/models"
done
b=$((b + 1)); bench_wrk "baseline$b" "http://127.0.0.1:$BASE_PORT/hello"
put rounds "$ROUNDS"
put baselines "$b"

# Session cycles: POST /sessions then DELETE with the returned id (wrk + Lua, see session_cycle.lua).
cycles() {
  local key="$1" port="$2" model="$3" raw="$RESULTS_DIR/wrk-$1.txt" body
  need_alive "$4"
  local rc=0
  body=$(curl -s -S --max-time 10 -X POST -H 'Content-Type: application/json' \
         -d "{\"avatar_id\":\"demo-avatar\",\"model\":\"$model\"}" "http://127.0.0.1:$port/sessions" 2>&1) || rc=$?
  case "$body" in
    *'"session_id"'*) ;;
    *) bench_die "POST /sessions model $model on port $port failed (curl exit $rc): $body" ;;
  esac
  if [ "$WARMUP" -gt 0 ]; then
    wrk -t2 -c"$CYCLE_CONNS" -d"${WARMUP}s" -s "$BENCH_DIR/session_cycle.lua" "http://127.0.0.1:$port" -- "$model" \
      >/dev/null 2>&1 || true
  fi
  wrk -t2 -c"$CYCLE_CONNS" -d"${DURATION}s" --latency -s "$BENCH_DIR/session_cycle.lua" \
    "http://127.0.0.1:$port" -- "$model" >"$raw" 2>&1 || true
  python3 "$BENCH_DIR/report.py" wrk "$raw" >"$raw.kv"
  local n d other p50 p99
  n=$(awk -F= '$1=="cycles"{print $2}' "$raw.kv"); d=$(awk -F= '$1=="duration_s"{print $2}' "$raw.kv")
  other=$(awk -F= '$1=="other"{print $2}' "$raw.kv")
  p50=$(awk -F= '$1=="p50_ms"{print $2}' "$raw.kv"); p99=$(awk -F= '$1=="p99_ms"{print $2}' "$raw.kv")
  if [ -z "$n" ] || [ "$n" -eq 0 ]; then cat "$raw" >&2; bench_die "no session cycle completed on port $port ($model)"; fi
  put "${key}_per_s" "$(python3 -c "print('%.1f' % ($n / $d))")"
  put "${key}_other" "$other"
  put "${key}_p50_ms" "$p50"
  put "${key}_p99_ms" "$p99"
  bench_log "$key: $n cycles in ${d}s"
}
cycles cycles_mock "$MEM_PORT" mock mem
cycles cycles_slot "$RED_PORT" flashtalk redis
put rss_after "$(rss_mb "${SERVER_PIDS[mem]}")"
put rss_redis_after "$(rss_mb "${SERVER_PIDS[redis]}")"
# C2's arenas of the compilations the load set off are freed within seconds (NMT "Arena Chunk"); say both.
sleep 3
put rss_settled "$(rss_mb "${SERVER_PIDS[mem]}")"
put rss_redis_settled "$(rss_mb "${SERVER_PIDS[redis]}")"
stop_pid "$BASE_PID"; stop_pid "${SERVER_PIDS[mem]}"; stop_pid "${SERVER_PIDS[redis]}"; stop_pid "$REDIS_PID"

# Cross-replica freshness, then queue depth: replicas A and B on a Redis of their own, one slot, unlimited queue,
# mock as the slot model (no GPU backend needed); each replica sweeps every 500 ms, as in production.
start_redis "$QREDIS_PORT"
QUEUE_ENV=(OPENTALKING_REDIS_URL="redis://127.0.0.1:$QREDIS_PORT/0" OPENTALKING_SLOT_MODELS=mock
  OPENTALKING_FLASHTALK_SLOTS=1 OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE=0 "${NO_RATE_LIMIT[@]}")
start_server qa "$QA_PORT" "${QUEUE_ENV[@]}"
start_server qb "$QB_PORT" "${QUEUE_ENV[@]}"
wait_server qa "$QA_PORT" 90
wait_server qb "$QB_PORT" 90
QCP="$JAR:$REPO_DIR/target/libs/*"
"$JAVA" -Xmx128m -cp "$QCP" "$BENCH_DIR/QueueDepth.java" freshness "redis://127.0.0.1:$QREDIS_PORT/0" \
  "http://127.0.0.1:$QA_PORT" "http://127.0.0.1:$QB_PORT" "$FRESH_CHANGES" >"$RESULTS_DIR/freshness.txt" \
  2>"$RESULTS_DIR/freshness.err" || { cat "$RESULTS_DIR/freshness.err" >&2; bench_die "freshness measurement failed"; }
grep -E '^fresh_[a-z0-9_]+=' "$RESULTS_DIR/freshness.txt" >>"$VALUES"
bench_log "freshness: $(tr '\n' ' ' <"$RESULTS_DIR/freshness.txt")"
stop_pid "${SERVER_PIDS[qb]}"
"$JAVA" -Xmx128m -cp "$QCP" "$BENCH_DIR/QueueDepth.java" depth "redis://127.0.0.1:$QREDIS_PORT/0" \
  "http://127.0.0.1:$QA_PORT" "$DEPTHS" "$DEPTH_SECONDS" "$SWEEPS" >"$RESULTS_DIR/depth.txt" \
  2>"$RESULTS_DIR/depth.err" || { cat "$RESULTS_DIR/depth.err" >&2; bench_die "queue depth measurement failed"; }
grep -E '^depth_[a-z0-9_]+=' "$RESULTS_DIR/depth.txt" >>"$VALUES"
put depths "$DEPTHS"
put depth_seconds "$DEPTH_SECONDS"
put depth_sweeps "$SWEEPS"
bench_log "queue depth: done ($DEPTHS)"
stop_pid "${SERVER_PIDS[qa]}"; stop_pid "$REDIS_PID"

# Silent backends: OmniRT and FlashHead accept connections and never answer.
spawn "$RESULTS_DIR/stub-silent.log" - \
  python3 "$BENCH_DIR/stub_backend.py" --port "$SILENT_PORT" --mode silent --max-seconds 300
STUB_PID=$SPAWN_PID
for _ in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $SILENT_PORT), 0.2).close()" 2>/dev/null && break
  sleep 0.02
done
start_server silent "$SIL_SRV_PORT" OPENTALKING_OMNIRT_ENDPOINT="http://127.0.0.1:$SILENT_PORT" \
  OPENTALKING_FLASHHEAD_WS_URL="ws://127.0.0.1:$SILENT_PORT/x"
wait_server silent "$SIL_SRV_PORT" 90
first=$(curl -s -o "$RESULTS_DIR/silent-first-models.json" -w '%{http_code} %{time_total}' --max-time 10 \
        "http://127.0.0.1:$SIL_SRV_PORT/models")
[ "${first%% *}" = 200 ] || bench_die "first /models with silent backends answered '${first%% *}'"
grep -q '"flashtalk"' "$RESULTS_DIR/silent-first-models.json" || bench_die "/models body lacks flashtalk"
put silent_first_ms "$(python3 -c "print('%.0f' % (float('${first#* }') * 1000))")"
python3 "$BENCH_DIR/http_readers.py" seq --url "http://127.0.0.1:$SIL_SRV_PORT/models" --count "$SILENT_COUNT" \
  --pace-ms "$SILENT_PACE" --dump "$RESULTS_DIR/silent-seq-calls.txt" >"$RESULTS_DIR/silent-seq.txt"
[ "$(awk -F= '$1=="non200"{print $2}' "$RESULTS_DIR/silent-seq.txt")" = 0 ] \
  || { cat "$RESULTS_DIR/silent-seq.txt" >&2; bench_die "/models with silent backends answered non-200"; }
put silent_count "$SILENT_COUNT"
put silent_pace_ms "$SILENT_PACE"
for k in p50_ms p99_ms max_ms; do put "silent_$k" "$(awk -F= -v k=$k '$1==k{print $2}' "$RESULTS_DIR/silent-seq.txt")"; done
# the three slowest calls as index@seconds-into-the-series:ms, to tell a cold JIT (first calls) from waits
put silent_slowest "$(sort -k3 -g -r "$RESULTS_DIR/silent-seq-calls.txt" | head -3 | awk '{printf "%s#%d@%.1fs:%.1fms", (NR>1?", ":""), $1+1, $2, $3}')"
stop_pid "${SERVER_PIDS[silent]}"; stop_pid "$STUB_PID"

# Start-up: process start -> first 200 on /healthz, polled every 10 ms; nothing else of ours is running now.
# startup_series <key> <flags>: STARTS fresh starts with the given JVM flags.
startup_series() {
  local key="$1" flags="$2" all="" i p
  for i in $(seq 1 "$STARTS"); do
    p=$(free_port)
    JVM_FLAGS="$flags" start_server "$key$i" "$p"
    wait_server "$key$i" "$p" 90
    all="$all $((OK_AT_MS - SERVER_START_MS))"
    stop_pid "${SERVER_PIDS[$key$i]}"
  done
  put "${key}_all_ms" "$(echo $all | tr ' ' ',')"
  put "${key}_n" "$STARTS"
  # shellcheck disable=SC2086
  put "${key}_mean_ms" "$(python3 "$BENCH_DIR/report.py" mean $all)"
}
startup_series startup "$JVM_FLAGS"
if [ "$SMOKE" = 0 ]; then
  USE_CDS=0 startup_series startup_nocds "$JVM_FLAGS"
  startup_series startup_tiered "$JVM_FLAGS -XX:+TieredCompilation"
fi
put load_end "$(cut -d' ' -f1-3 /proc/loadavg)"

trap - ERR   # from here on a non-zero exit is the verdict, not a script error
if [ "$STRICT" = 1 ] && [ "$SMOKE" = 0 ]; then
  python3 "$BENCH_DIR/report.py" render "$VALUES" --strict | tee "$RESULTS_DIR/table.txt"
  exit "${PIPESTATUS[0]}"
fi
python3 "$BENCH_DIR/report.py" render "$VALUES" | tee "$RESULTS_DIR/table.txt"
