#!/usr/bin/env bash
# The measured comparison behind the web-server decision (issue 14): the bare Helidon SE 4.5.0 hello server
# (bench/baseline/HelloServer.java) against a bare Jetty 12.1.14 core one (bench/baseline/JettyHello.java), one at a
# time, same JVM flags, each on a free loopback port. Prints ONE table from one run:
#   start-up to the first 200 on GET /healthz (median of 3 fresh starts); the answer to "GET /healthz HTTP/1.0";
#   GET /healthz requests/s, p50 and p99 (wrk -t2 -c50 -d10s --latency after a 3 s warm-up);
#   heap after a full GC (jcmd GC.run, then GC.heap_info) and RSS with 0 connections, 2,000 idle TCP connections and
#   2,000 open SSE streams (-> KB per idle connection and per stream);
#   3,000 idle + 3,000 slow-header connections (one header byte every 2 s) held for 40 s: does the server survive,
#   how many connections did it close, /healthz latency from another client (127.0.0.1) meanwhile, peak RSS.
#
#   bash bench/server-compare.sh [--quick] [--only helidon|jetty]
#
#   --quick   a smoke run of the script itself: 2 s wrk, 200 connections/streams, 300+300 hostile for 8 s
#   --only    measure one server
#
# Environment: JAVA_HOME (JDK 21+; scripts/java-home.sh picks one), COMPARE_JVM_FLAGS (default
# "-Xmx96m -XX:+UseSerialGC"). Connections come from 127.0.0.2..127.0.0.9 (bench/conn_hold.py), the probe from
# 127.0.0.1; everything is loopback, bounded in count and time, and every process started here is stopped on exit.
# Raw output: bench/results/<stamp>-compare-<pid>/ (gitignored).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK=0
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --only) ONLY="${2:?--only needs helidon or jetty}"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done

FLAGS="${COMPARE_JVM_FLAGS:--Xmx96m -XX:+UseSerialGC}"
if [ "$QUICK" = 1 ]; then
  WARM=1; DUR=2; N_IDLE=200; N_SSE=200; H_IDLE=300; H_SLOW=300; HOSTILE_S=8; STARTS=2; MODE=quick
else
  WARM=3; DUR=10; N_IDLE=2000; N_SSE=2000; H_IDLE=3000; H_SLOW=3000; HOSTILE_S=40; STARTS=3; MODE=full
fi
WRK_T=2; WRK_C=50

find_java
JCMD="$JAVA_HOME/bin/jcmd"
[ -x "$JCMD" ] || bench_die "no jcmd in $JAVA_HOME/bin (a JDK, not a JRE, is needed)"
need_cmd wrk wrk
need_cmd python3 python3
need_cmd curl curl
RESULTS_DIR="${BENCH_RESULTS_DIR:-$BENCH_DIR/results}/$(date +%Y%m%d-%H%M%S)-compare-$$"
mkdir -p "$RESULTS_DIR"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
set -E
trap 'bench_log "failed (exit $?) at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR

# 6,000 held connections plus the server's own descriptors: raise the soft limit (the servers inherit it).
need_fds=$(( H_IDLE + H_SLOW + 1000 ))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$need_fds" ] \
  || bench_die "ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)); $need_fds descriptors are needed"

# Jars and classes: target/bench-helidon-libs and target/bench-jetty-libs, each fetched by a tiny pom (the control
# plane itself no longer ships Helidon); both baselines compiled once so that start-up is not source-launch
# compilation.
HELIDON_LIBS="$REPO_DIR/target/bench-helidon-libs"
if ! ls "$HELIDON_LIBS"/helidon-webserver-*.jar >/dev/null 2>&1; then
  bench_log "fetching the Helidon jars (bench/baseline/helidon/pom.xml)"
  (cd "$REPO_DIR" && ./mvnw -B -q -f bench/baseline/helidon/pom.xml dependency:copy-dependencies) \
    >"$RESULTS_DIR/helidon-libs.log" 2>&1 || { tail -30 "$RESULTS_DIR/helidon-libs.log" >&2; bench_die "could not fetch Helidon"; }
fi
JETTY_LIBS="$REPO_DIR/target/bench-jetty-libs"
if ! ls "$JETTY_LIBS"/jetty-server-*.jar >/dev/null 2>&1; then
  bench_log "fetching the Jetty jars (bench/baseline/jetty/pom.xml)"
  (cd "$REPO_DIR" && ./mvnw -B -q -f bench/baseline/jetty/pom.xml dependency:copy-dependencies) \
    >"$RESULTS_DIR/jetty-libs.log" 2>&1 || { tail -30 "$RESULTS_DIR/jetty-libs.log" >&2; bench_die "could not fetch Jetty"; }
fi
CLASSES="$RESULTS_DIR/classes"
mkdir -p "$CLASSES"
"$JAVA_HOME/bin/javac" -nowarn -d "$CLASSES" -cp "$HELIDON_LIBS/*" "$BENCH_DIR/baseline/HelloServer.java"
"$JAVA_HOME/bin/javac" -nowarn -d "$CLASSES" -cp "$JETTY_LIBS/*" "$BENCH_DIR/baseline/JettyHello.java"

VALUES="$RESULTS_DIR/values.txt"
: >"$VALUES"
put() { printf '%s=%s\n' "$1" "$2" >>"$VALUES"; }
kv() { awk -F= -v k="$2" '$1==k {print $2}' "$1"; }   # kv <file> <key>

put mode "$MODE"
put date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
put java "$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
put flags "$FLAGS"
put cores "$(nproc)"
put load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
put wrk "wrk -t$WRK_T -c$WRK_C -d${DUR}s --latency (after ${WARM}s warm-up)"
put n_idle "$N_IDLE"; put n_sse "$N_SSE"; put h_idle "$H_IDLE"; put h_slow "$H_SLOW"; put hostile_s "$HOSTILE_S"
bench_log "results in $RESULTS_DIR (mode $MODE, flags $FLAGS, load $(cut -d' ' -f1-3 /proc/loadavg))"

# heap_mb <pid>: full GC, then the used space of every generation (GC.heap_info), in MB.
heap_mb() {
  "$JCMD" "$1" GC.run >/dev/null 2>&1 || { echo "?"; return; }
  "$JCMD" "$1" GC.heap_info 2>/dev/null \
    | awk '/^ *[A-Za-z-]+ +total [0-9]+K, used [0-9]+K/ { sub(/K.*/, "", $5); u += $5; n++ }
           /garbage-first heap|region/ && /used [0-9]+K/ { for (i=1;i<=NF;i++) if ($i=="used") { v=$(i+1); sub(/K.*/,"",v); u+=v; n++ } }
           END { if (n) printf "%.1f", u/1024; else print "?" }'
}

# hold_start <tag> <args...>: starts conn_hold.py; sets HOLD_PID, HOLD_STATUS.
hold_start() {
  local tag="$1"; shift
  HOLD_STATUS="$RESULTS_DIR/$CUR-$tag.status"
  rm -f "$HOLD_STATUS"
  spawn "$RESULTS_DIR/$CUR-$tag.hold.txt" - python3 "$BENCH_DIR/conn_hold.py" hold --port "$PORT" \
    --status "$HOLD_STATUS" "$@"
  HOLD_PID=$SPAWN_PID
}
# hold_wait_ready <max s>: until the holder says ready=1 (every connection opened or failed, SSE heads read).
hold_wait_ready() {
  local i
  for i in $(seq 1 $(( $1 * 10 ))); do
    [ -f "$HOLD_STATUS" ] && [ "$(kv "$HOLD_STATUS" ready)" = 1 ] && return 0
    alive "$HOLD_PID" || break
    sleep 0.1
  done
  bench_log "the connection holder was not ready within $1 s"; return 1
}
hold_stop() {
  stop_pid "$HOLD_PID" TERM 10
  sleep 2   # let the server see the closes before the next phase
}

# measure <name> <classpath> <main class>
measure() {
  local name="$1" cp="$2" main="$3" log i t0 rss_peak r status
  CUR="$name"
  PORT=$(free_port)
  log="$RESULTS_DIR/server-$name.log"
  bench_log "$name: starting on 127.0.0.1:$PORT"
  t0=$(now_ms)
  # shellcheck disable=SC2086
  spawn "$log" - "$JAVA_HOME/bin/java" $FLAGS -cp "$cp" "$main" "$PORT"
  local pid=$SPAWN_PID
  wait_http "http://127.0.0.1:$PORT/healthz" 60 "$pid" || { tail -20 "$log" >&2; bench_die "$name did not answer /healthz"; }
  OK_AT_MS_FIRST=$OK_AT_MS
  put "${name}_load_at_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
  put "${name}_http10" "$(python3 "$BENCH_DIR/conn_hold.py" http10 --port "$PORT")"

  wrk -t$WRK_T -c$WRK_C -d"${WARM}s" "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 || true
  wrk -t$WRK_T -c$WRK_C -d"${DUR}s" --latency "http://127.0.0.1:$PORT/healthz" >"$RESULTS_DIR/wrk-$name.txt" 2>&1 || true
  python3 "$BENCH_DIR/report.py" wrk "$RESULTS_DIR/wrk-$name.txt" | sed "s/^/${name}_wrk_/" >>"$VALUES"
  put "${name}_load_after_wrk" "$(cut -d' ' -f1 /proc/loadavg)"
  bench_log "$name: $(kv "$VALUES" "${name}_wrk_rps") req/s"
  alive "$pid" || bench_die "$name died during wrk: $(exit_note "$pid")"

  sleep 2
  put "${name}_heap0_mb" "$(heap_mb "$pid")"
  put "${name}_rss0_mb" "$(rss_mb "$pid")"

  # idle connections: open, settle, measure (Jetty's default idle timeout is 30 s: measured well before it)
  hold_start idle --idle "$N_IDLE" --max-seconds 120
  hold_wait_ready 90 || true
  sleep 3
  put "${name}_idle_heap_mb" "$(heap_mb "$pid")"
  put "${name}_idle_rss_mb" "$(rss_mb "$pid")"
  cp "$HOLD_STATUS" "$HOLD_STATUS.at-measure"
  put "${name}_idle_open" "$(kv "$HOLD_STATUS" idle_open)"
  put "${name}_idle_failed" "$(kv "$HOLD_STATUS" idle_failed)"
  put "${name}_idle_ready_s" "$(kv "$HOLD_STATUS" ready_s)"
  hold_stop
  alive "$pid" || bench_die "$name died holding idle connections: $(exit_note "$pid")"

  # SSE streams
  hold_start sse --sse "$N_SSE" --max-seconds 150
  hold_wait_ready 120 || true
  sleep 3
  put "${name}_sse_heap_mb" "$(heap_mb "$pid")"
  put "${name}_sse_rss_mb" "$(rss_mb "$pid")"
  cp "$HOLD_STATUS" "$HOLD_STATUS.at-measure"
  put "${name}_sse_ok" "$(kv "$HOLD_STATUS" sse_ok)"
  put "${name}_sse_open" "$(kv "$HOLD_STATUS" sse_open)"
  put "${name}_sse_failed" "$(kv "$HOLD_STATUS" sse_failed)"
  hold_stop
  alive "$pid" || bench_die "$name died holding SSE streams: $(exit_note "$pid")"

  # hostile: idle + slow-header connections from 8 addresses, /healthz probed from 127.0.0.1 meanwhile
  hold_start hostile --idle "$H_IDLE" --slow "$H_SLOW" --max-seconds $(( HOSTILE_S + 130 ))
  hold_wait_ready 120 || true
  put "${name}_hostile_ready_s" "$(kv "$HOLD_STATUS" ready_s)"
  put "${name}_hostile_opened" "$(kv "$HOLD_STATUS" idle_opened)+$(kv "$HOLD_STATUS" slow_opened)"
  put "${name}_hostile_failed" "$(kv "$HOLD_STATUS" idle_failed)+$(kv "$HOLD_STATUS" slow_failed)"
  python3 "$BENCH_DIR/conn_hold.py" probe --port "$PORT" --seconds "$HOSTILE_S" --interval-ms 200 --timeout 5 \
    >"$RESULTS_DIR/$name-probe.txt" &
  local probe_pid=$!
  rss_peak=0
  while kill -0 "$probe_pid" 2>/dev/null; do
    r=$(rss_mb "$pid"); [ "$r" = "?" ] || rss_peak=$(python3 -c "print(max($rss_peak, $r))")
    sleep 1
  done
  wait "$probe_pid" || true
  cp "$HOLD_STATUS" "$HOLD_STATUS.at-end"
  status="$HOLD_STATUS.at-end"
  put "${name}_hostile_open_end" "$(kv "$status" idle_open)+$(kv "$status" slow_open)"
  put "${name}_hostile_closed" "$(kv "$status" idle_closed)+$(kv "$status" slow_closed)"
  for k in ok fail p50_ms p99_ms max_ms; do put "${name}_probe_$k" "$(kv "$RESULTS_DIR/$name-probe.txt" $k)"; done
  put "${name}_hostile_rss_peak_mb" "$rss_peak"
  if alive "$pid"; then
    put "${name}_hostile_heap_mb" "$(heap_mb "$pid")"
    hold_stop
    local after
    after=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/healthz" || true)
    if ! alive "$pid"; then put "${name}_survived" "no: $(exit_note "$pid")"
    elif [ "$after" = 200 ]; then put "${name}_survived" "yes (/healthz 200 after the attack)"
    else put "${name}_survived" "no: process up, /healthz after the attack: ${after/000/no answer in 5 s}"; fi
  else
    put "${name}_hostile_heap_mb" "-"
    put "${name}_survived" "no: $(exit_note "$pid")"
    hold_stop
  fi
  put "${name}_oom" "$(grep -c 'OutOfMemoryError' "$log" || true)"
  put "${name}_rss_end_mb" "$(rss_mb "$pid")"
  stop_pid "$pid"

  # start-up again, fresh processes (the first start above is one sample): STARTS samples, median and all
  local all="$((OK_AT_MS_FIRST - t0))" p
  for i in $(seq 2 "$STARTS"); do
    p=$(free_port); t0=$(now_ms)
    # shellcheck disable=SC2086
    spawn "$RESULTS_DIR/server-$name-start$i.log" - "$JAVA_HOME/bin/java" $FLAGS -cp "$cp" "$main" "$p"
    wait_http "http://127.0.0.1:$p/healthz" 60 "$SPAWN_PID" || bench_die "$name (start $i) did not answer /healthz"
    all="$all $((OK_AT_MS - t0))"
    stop_pid "$SPAWN_PID"
  done
  put "${name}_startup_all_ms" "$(echo $all | tr ' ' ',')"
  put "${name}_startup_ms" "$(python3 -c "import statistics,sys; print('%.0f' % statistics.median(map(int, sys.argv[1:])))" $all)"
  bench_log "$name: done ($(kv "$VALUES" "${name}_survived"))"
}

SERVERS=()
[ -z "$ONLY" ] || [ "$ONLY" = helidon ] && SERVERS+=(helidon)
[ -z "$ONLY" ] || [ "$ONLY" = jetty ] && SERVERS+=(jetty)
[ ${#SERVERS[@]} -gt 0 ] || bench_die "--only takes helidon or jetty"
put servers "${SERVERS[*]}"
for s in "${SERVERS[@]}"; do
  case "$s" in
    helidon) measure helidon "$CLASSES:$HELIDON_LIBS/*" HelloServer ;;
    jetty) measure jetty "$CLASSES:$JETTY_LIBS/*" JettyHello ;;
  esac
  put "load_after_$s" "$(cut -d' ' -f1-3 /proc/loadavg)"
done
put load_end "$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$VALUES" <<'PY' | tee "$RESULTS_DIR/table.txt"
import sys
v = {}
for line in open(sys.argv[1]):
    if "=" in line:
        k, x = line.rstrip("\n").split("=", 1)
        v[k] = x
servers = v["servers"].split()
label = {"helidon": "Helidon SE 4.5.0", "jetty": "Jetty 12.1.14 core"}

def f(k, s, nd=1):
    x = v.get(s + "_" + k, "?")
    try:
        return ("%." + str(nd) + "f") % float(x)
    except ValueError:
        return x or "?"

def per_kb(s, a, b, n):
    try:
        return "%.1f" % ((float(v[s + "_" + a]) - float(v[s + "_" + b])) * 1024 / float(v[s + "_" + n]))
    except (KeyError, ValueError, ZeroDivisionError):
        return "?"

ni, ns, hi, hs, hd = v["n_idle"], v["n_sse"], v["h_idle"], v["h_slow"], v["hostile_s"]
rows = [
    ("start-up to the first 200 on /healthz, median (all) ms", lambda s: "%s (%s)" % (v.get(s + "_startup_ms", "?"), v.get(s + "_startup_all_ms", "?"))),
    ("1-min load average: at start / after wrk", lambda s: "%s / %s" % (v.get(s + "_load_at_start", "?").split(" ")[0], v.get(s + "_load_after_wrk", "?"))),
    ("GET /healthz HTTP/1.0 -> status line", lambda s: v.get(s + "_http10", "?")),
    ("GET /healthz requests/s", lambda s: f("wrk_rps", s, 0)),
    ("GET /healthz p50 / p99 (ms)", lambda s: f("wrk_p50_ms", s, 2) + " / " + f("wrk_p99_ms", s, 2)),
    ("heap after full GC / RSS, 0 connections (MB)", lambda s: f("heap0_mb", s) + " / " + f("rss0_mb", s)),
    ("%s idle TCP: open at measurement (failed)" % ni, lambda s: "%s (%s)" % (v.get(s + "_idle_open"), v.get(s + "_idle_failed"))),
    ("%s idle TCP: heap / RSS (MB)" % ni, lambda s: f("idle_heap_mb", s) + " / " + f("idle_rss_mb", s)),
    ("  -> KB per idle connection: heap / RSS", lambda s: per_kb(s, "idle_heap_mb", "heap0_mb", "idle_open") + " / "
                                                     + per_kb(s, "idle_rss_mb", "rss0_mb", "idle_open")),
    ("%s SSE streams: 200 event-stream heads / open (failed)" % ns,
     lambda s: "%s / %s (%s)" % (v.get(s + "_sse_ok"), v.get(s + "_sse_open"), v.get(s + "_sse_failed"))),
    ("%s SSE streams: heap / RSS (MB)" % ns, lambda s: f("sse_heap_mb", s) + " / " + f("sse_rss_mb", s)),
    ("  -> KB per SSE stream: heap / RSS", lambda s: per_kb(s, "sse_heap_mb", "heap0_mb", "sse_open") + " / "
                                                + per_kb(s, "sse_rss_mb", "rss0_mb", "sse_open")),
    ("hostile %s idle + %s slow-header, %s s: opened idle+slow" % (hi, hs, hd), lambda s: v.get(s + "_hostile_opened", "?")),
    ("  open at the end (idle+slow) / closed by the server", lambda s: "%s / %s" % (v.get(s + "_hostile_open_end"), v.get(s + "_hostile_closed"))),
    ("  /healthz from 127.0.0.1 meanwhile: ok / failed", lambda s: "%s / %s" % (v.get(s + "_probe_ok"), v.get(s + "_probe_fail"))),
    ("  /healthz p50 / p99 / max (ms; a failure counts its time)", lambda s: "%s / %s / %s" % (v.get(s + "_probe_p50_ms"), v.get(s + "_probe_p99_ms"), v.get(s + "_probe_max_ms"))),
    ("  peak RSS (MB) / heap after full GC at the end (MB)", lambda s: f("hostile_rss_peak_mb", s) + " / " + f("hostile_heap_mb", s)),
    ("  OutOfMemoryError lines in the log", lambda s: v.get(s + "_oom", "?")),
    ("  survived", lambda s: v.get(s + "_survived", "?")),
]
head = ["measure"] + [label[s] for s in servers]
table = [[r[0]] + [r[1](s) for s in servers] for r in rows]
w = [max(len(str(x[i])) for x in [head] + table) for i in range(len(head))]
line = "-+-".join("-" * x for x in w)
print("Web server comparison (%s mode), %s" % (v["mode"], v["date"]))
print("JVM: %s; flags: %s; %s cores" % (v["java"], v["flags"], v["cores"]))
print("load average: start %s, after %s; %s; held connections from 127.0.0.2..9, probe from 127.0.0.1"
      % (v["load_start"], ", after ".join("%s %s" % (s, v.get("load_after_" + s, "?")) for s in servers), v["wrk"]))
print(line)
print(" | ".join(h.ljust(w[i]) for i, h in enumerate(head)))
print(line)
for r in table:
    print(" | ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))
print(line)
PY
