#!/usr/bin/env bash
# Where the resident memory of a Redis-store control plane goes after a load, per JVM flag set, with Native Memory
# Tracking: the table of README "Where the memory goes". Loopback only; one flag set at a time, each on a Redis of
# its own.
#
#   bash bench/nmt-breakdown.sh NAME "FLAGS" [NAME "FLAGS"]...
#   e.g. bash bench/nmt-breakdown.sh serial-tiered "-Xms32m -Xmx64m -Xmn16m -XX:+UseSerialGC" \
#                                    g1-c2 "-Xms16m -Xmx64m -XX:+UseG1GC -XX:-TieredCompilation"
#
# Each FLAGS is followed by lib.sh's BOUND_JVM_FLAGS (as in bench/flags-compare.sh) and
# -XX:NativeMemoryTracking=summary (which itself costs ~2 MB). The load: wrk -t2 -c64 on /queue/status and /healthz
# (3 s each, then twice 2 + 10 s and 5 s), then 2 + 10 s of flashtalk session cycles (wrk -t2 -c16,
# session_cycle.lua). NMT is read right after the load, VmRSS right after and 3 s later.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

case "${1:-}" in --help|-h) sed -n 2,13p "$0"; exit 0 ;; esac
[ $# -ge 2 ] && [ $(( $# % 2 )) = 0 ] || bench_die "give NAME \"FLAGS\" pairs (see --help)"

bench_init nmt-breakdown
need_cmd wrk wrk
build_if_needed
[ -x "$JAVA_HOME/bin/jcmd" ] || bench_die "jcmd not found in $JAVA_HOME/bin (a JDK, not a JRE, is needed)"

rps() { awk '/^Requests\/sec:/ {printf "%d", $2}'; }

measure() {  # measure <name> <flags>: one server, the load, the figures into $RESULTS_DIR/<name>.kv
  local name="$1" flags="$2 $BOUND_JVM_FLAGS -XX:NativeMemoryTracking=summary" rp sp pid u kv r
  kv="$RESULTS_DIR/$name.kv"
  rp=$(free_port); sp=$(free_port)
  start_redis "$rp"
  redis_store_env "$rp"
  JVM_FLAGS="$flags" start_server "$name" "$sp" "${NO_RATE_LIMIT[@]}" "${REDIS_STORE_ENV[@]}"
  wait_server "$name" "$sp" 90
  pid=${SERVER_PIDS[$name]}; u="http://127.0.0.1:$sp"
  wait_redis_source "$u" "set $name"
  bench_log "$name: load"
  wrk -t2 -c64 -d3s "$u/queue/status" >/dev/null 2>&1 || true
  wrk -t2 -c64 -d3s "$u/healthz" >/dev/null 2>&1 || true
  : >"$kv"
  for r in 1 2; do
    wrk -t2 -c64 -d2s "$u/queue/status" >/dev/null 2>&1 || true
    echo "queue_status_r$r=$(wrk -t2 -c64 -d10s "$u/queue/status" 2>&1 | rps)" >>"$kv"
    echo "healthz_r$r=$(wrk -t2 -c64 -d5s "$u/healthz" 2>&1 | rps)" >>"$kv"
  done
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"avatar_id":"demo-avatar","model":"flashtalk"}' "$u/sessions"
  wrk -t2 -c16 -d2s -s "$BENCH_DIR/session_cycle.lua" "$u" -- flashtalk >/dev/null 2>&1 || true
  wrk -t2 -c16 -d10s -s "$BENCH_DIR/session_cycle.lua" "$u" -- flashtalk >/dev/null 2>&1 || true
  need_alive "$name"
  echo "rss_after=$(rss_mb "$pid")" >>"$kv"
  "$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory summary >"$RESULTS_DIR/$name.nmt" 2>&1 \
    || bench_die "jcmd VM.native_memory failed for $name: $(tail -1 "$RESULTS_DIR/$name.nmt")"
  "$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info >"$RESULTS_DIR/$name.heap" 2>&1 || true
  sleep 3
  echo "rss_settled=$(rss_mb "$pid")" >>"$kv"
  awk '/^(Anonymous|Pss_File):/ {printf "%s=%.1f\n", tolower($1), $2 / 1024}' "/proc/$pid/smaps_rollup" \
    | tr -d ':' >>"$kv"
  stop_pid "$pid"; stop_pid "$REDIS_PID"
}

NAMES=()
while [ $# -ge 2 ]; do
  [[ "$1" =~ ^[A-Za-z0-9_.-]+$ ]] || bench_die "a set's name is letters, digits, . _ - (got '$1')"
  NAMES+=("$1"); measure "$1" "$2"; shift 2
done
python3 - "$RESULTS_DIR" "${NAMES[@]}" <<'EOF'
import re, sys
d, names = sys.argv[1], sys.argv[2:]
AREAS = [("Java heap", ["Java Heap"]), ("Code cache", ["Code"]), ("Arena chunks (compilers)", ["Arena Chunk"]),
         ("Shared class space", ["Shared class space"]), ("Metaspace + class space", ["Metaspace", "Class"]),
         ("Thread stacks", ["Thread"]), ("GC", ["GC"])]
cols = {}
for n in names:
    nmt = open(f"{d}/{n}.nmt").read()
    c = {m.group(1).strip(): int(m.group(2)) / 1024
         for m in re.finditer(r"^-\s+(.+?) \(reserved=\d+KB, committed=(\d+)KB", nmt, re.M)}
    if not c:
        sys.exit(f"no NMT summary for {n} (see {d}/{n}.nmt)")
    kv = dict(l.strip().split("=", 1) for l in open(f"{d}/{n}.kv") if "=" in l)
    used = {k for _, ks in AREAS for k in ks}
    rows = [sum(c.get(k, 0) for k in ks) for _, ks in AREAS]
    rows.append(sum(v for k, v in c.items() if k not in used))
    total = int(re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", nmt).group(1)) / 1024
    cols[n] = ["%.1f" % x for x in rows] + ["%.1f" % total, "%s / %s" % (kv["rss_after"], kv["rss_settled"]),
               "%s / %s" % (kv.get("anonymous", "?"), kv.get("pss_file", "?")),
               "%s-%s" % tuple(sorted([kv["queue_status_r1"], kv["queue_status_r2"]], key=int)),
               "%s-%s" % tuple(sorted([kv["healthz_r1"], kv["healthz_r2"]], key=int))]
labels = [a for a, _ in AREAS] + ["symbols, internal, other, NMT, sync", "NMT total",
          "VmRSS right after / 3 s later", "anonymous / file-backed", "/queue/status req/s", "/healthz req/s"]
print("| area (NMT committed, MB) | " + " | ".join(names) + " |")
print("|---" * (len(names) + 1) + "|")
for i, label in enumerate(labels):
    print("| %s | %s |" % (label, " | ".join(cols[n][i] for n in names)))
EOF
bench_log "raw results: $RESULTS_DIR"
