#!/usr/bin/env bash
# JVM flag sets side by side: per set, a memory-store and a Redis-store control plane (one Redis, 64 slots,
# unlimited queue, no rate limit), all running at once; the same wrk rows interleaved over the sets, round after
# round, so a slow spell of the machine lands on every set alike. Loopback only.
#
#   bash bench/flags-compare.sh [--rounds N] [--duration S] NAME "FLAGS" [NAME "FLAGS"]...
#   e.g. bash bench/flags-compare.sh serial "-Xms32m -Xmx64m -Xmn16m -XX:+UseSerialGC" \
#                                    g1-c2 "-Xms16m -Xmx64m -XX:+UseG1GC -XX:-TieredCompilation"
#
# Each FLAGS is followed by lib.sh's BOUND_JVM_FLAGS (stack, code cache and metaspace bounds, native-heap trim,
# exit on OOM). Rows per round and set: /healthz and /models on the memory store, /queue/status on the
# Redis store (wrk -t2 -c64), POST+DELETE /sessions cycles on both (wrk -t2 -c16, session_cycle.lua). Prints each
# round, the mean per set, and each server's VmRSS after the last round.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=3
DURATION=5
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="${2:?--rounds needs a number}"; shift 2 ;;
    --duration) DURATION="${2:?--duration needs seconds}"; shift 2 ;;
    --help|-h) sed -n 2,13p "$0"; exit 0 ;;
    *) break ;;
  esac
done
[[ "$ROUNDS" =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || bench_die "--rounds must be 1..20"
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 1 ] && [ "$DURATION" -le 60 ] || bench_die "--duration must be 1..60"
[ $# -ge 2 ] && [ $(( $# % 2 )) = 0 ] || bench_die "give NAME \"FLAGS\" pairs (see --help)"

bench_init flags-compare
need_cmd wrk wrk
build_if_needed

REDIS_PORT=$(free_port)
start_redis "$REDIS_PORT"
redis_store_env "$REDIS_PORT"

NAMES=()
declare -A MEM_PORT RED_PORT
while [ $# -ge 2 ]; do
  name="$1"; flags="$2 $BOUND_JVM_FLAGS"; shift 2
  [[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || bench_die "a set's name is letters, digits, . _ - (got '$name')"
  NAMES+=("$name"); MEM_PORT[$name]=$(free_port); RED_PORT[$name]=$(free_port)
  echo "$name: $flags" >>"$RESULTS_DIR/flags.txt"
  JVM_FLAGS="$flags" start_server "mem-$name" "${MEM_PORT[$name]}" "${NO_RATE_LIMIT[@]}"
  JVM_FLAGS="$flags" start_server "redis-$name" "${RED_PORT[$name]}" "${NO_RATE_LIMIT[@]}" "${REDIS_STORE_ENV[@]}"
done
for name in "${NAMES[@]}"; do
  wait_server "mem-$name" "${MEM_PORT[$name]}" 90
  wait_server "redis-$name" "${RED_PORT[$name]}" 90
done

# rps <s> <url> <connections> [lua model]: requests per second of one wrk run (a cycle is two requests: halved).
rps() {
  local s="$1" url="$2" c="$3" model="${4:-}" out
  if [ -n "$model" ]; then
    out=$(wrk -t2 -c"$c" -d"${s}s" -s "$BENCH_DIR/session_cycle.lua" "$url" -- "$model" 2>&1 || true)
    printf '%s\n' "$out" | awk '/^Requests\/sec:/ {printf "%d", $2 / 2}'
  else
    out=$(wrk -t2 -c"$c" -d"${s}s" "$url" 2>&1 || true)
    printf '%s\n' "$out" | awk '/^Requests\/sec:/ {printf "%d", $2}'
  fi
}

ROWS=(healthz queue_status models mock_cycles slot_cycles)
row_url() {  # row_url <row> <set>: the URL, connections and (cycles) model of one row, as rps takes them
  local m="http://127.0.0.1:${MEM_PORT[$2]}" r="http://127.0.0.1:${RED_PORT[$2]}"
  case "$1" in
    healthz) echo "$m/healthz 64" ;;
    queue_status) echo "$r/queue/status 64" ;;
    models) echo "$m/models 64" ;;
    mock_cycles) echo "$m 16 mock" ;;
    slot_cycles) echo "$r 16 flashtalk" ;;
  esac
}

bench_log "warm-up: 3 s per row and set"
for name in "${NAMES[@]}"; do
  # the Redis store must be connected before its rows mean anything: one session proves it
  body=$(curl -s --max-time 10 -X POST -H 'Content-Type: application/json' \
         -d '{"avatar_id":"demo-avatar","model":"flashtalk"}' "http://127.0.0.1:${RED_PORT[$name]}/sessions" || true)
  case "$body" in *'"session_id"'*) ;; *) bench_die "set $name: POST /sessions on the Redis store failed: $body" ;; esac
  for row in "${ROWS[@]}"; do
    # shellcheck disable=SC2046
    rps 3 $(row_url "$row" "$name") >/dev/null
  done
done

printf '%-6s %-16s' round set; printf ' %13s' "${ROWS[@]}"; echo
for r in $(seq 1 "$ROUNDS"); do
  for name in "${NAMES[@]}"; do
    need_alive "mem-$name"; need_alive "redis-$name"
    printf '%-6s %-16s' "$r" "$name"
    for row in "${ROWS[@]}"; do
      # shellcheck disable=SC2046
      v=$(rps "$DURATION" $(row_url "$row" "$name"))
      [ -n "$v" ] || bench_die "set $name, row $row: no answer during the wrk run"
      printf ' %13s' "$v"
    done
    echo
  done
done | tee "$RESULTS_DIR/rounds.txt"
# the means, from the rounds as printed
echo
printf '%-6s %-16s' mean set; printf ' %13s' "${ROWS[@]}"; printf ' %9s %9s\n' rss_mem rss_redis
for name in "${NAMES[@]}"; do
  printf '%-6s %-16s' "" "$name"
  awk -v n="$name" '$2 == n { for (i = 3; i <= NF; i++) { s[i] += $i }; k++; nf = NF }
       END { for (i = 3; i <= nf; i++) printf " %13d", s[i] / k }' "$RESULTS_DIR/rounds.txt"
  printf ' %6s MB %6s MB\n' "$(rss_mb "${SERVER_PIDS[mem-$name]}")" "$(rss_mb "${SERVER_PIDS[redis-$name]}")"
done
bench_log "raw results: $RESULTS_DIR"
