#!/usr/bin/env python3
"""Helpers for bench/run.sh (no jq, no bc).

  python3 bench/report.py wrk FILE            parse wrk output -> rps= p50_ms= p99_ms= requests= non2xx= sockerr=
  python3 bench/report.py render VALUES       print the one benchmark table from run.sh's key=value file
  python3 bench/report.py mean a b c          arithmetic mean
"""
import re
import sys

UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.match(r"([0-9.]+)(us|ms|s|m)$", text.strip())
    return float(m.group(1)) * UNIT[m.group(2)] if m else float("nan")


def parse_wrk(path):
    out = {"rps": 0.0, "p50_ms": float("nan"), "p99_ms": float("nan"), "requests": 0, "non2xx": 0, "sockerr": 0}
    with open(path, errors="replace") as f:
        for line in f:
            s = line.strip()
            if s.startswith("Requests/sec:"):
                out["rps"] = float(s.split()[1])
            elif re.match(r"^50(\.0+)?%\s", s):
                out["p50_ms"] = to_ms(s.split()[1])
            elif re.match(r"^99(\.0+)?%\s", s):
                out["p99_ms"] = to_ms(s.split()[1])
            elif re.match(r"^\d+ requests in", s):
                out["requests"] = int(s.split()[0])
            elif s.startswith("Non-2xx or 3xx responses:"):
                out["non2xx"] = int(s.split(":")[1])
            elif s.startswith("Socket errors:"):
                out["sockerr"] = sum(int(x) for x in re.findall(r"\d+", s))
            elif "=" in s and re.match(r"^[a-z_]+=", s):
                k, v = s.split("=", 1)
                out[k] = v
    return out


def load(path):
    v = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, val = line.split("=", 1)
                v[k] = val
    return v


def num(v, k):
    try:
        return float(v[k])
    except (KeyError, ValueError):
        return float("nan")


def fmt(x, nd=2):
    if x != x:  # nan
        return "-"
    if abs(x) >= 1000:
        return "%.0f" % x
    return ("%." + str(nd) + "f") % x


def render(path):
    v = load(path)
    smoke = v.get("mode") == "smoke"
    rows = []
    misses = []

    def verdict(ok, label):
        if ok is None:
            return "info"
        if not ok:
            misses.append(label)
        return "PASS" if ok else "MISS"

    # Rows measured in rounds (key_r1_..., key_r2_...) become their mean.
    for key in ("healthz", "health", "queue_mem", "queue_redis", "models"):
        rs = sorted({m.group(1) for m in (re.match(r"^%s_r(\d+)_rps$" % key, k) for k in v) if m}, key=int)
        if rs and (key + "_rps") not in v:
            for m in ("rps", "p50_ms", "p99_ms", "non2xx", "sockerr"):
                xs = [num(v, "%s_r%s_%s" % (key, r, m)) for r in rs]
                v["%s_%s" % (key, m)] = str(sum(xs) / len(xs) if m in ("rps", "p50_ms", "p99_ms") else sum(xs))
            v[key + "_runs"] = ", ".join("%.0f" % num(v, "%s_r%s_rps" % (key, r)) for r in rs)
    nb = int(v.get("baselines", "2"))
    bases = ["baseline%d" % i for i in range(1, nb + 1)]
    b_rps = sum(num(v, k + "_rps") for k in bases) / nb
    b_p50 = sum(num(v, k + "_p50_ms") for k in bases) / nb
    b_p99 = sum(num(v, k + "_p99_ms") for k in bases) / nb
    rows.append(["GET /hello  baseline (Jetty 12.1.14 bare), mean of %d runs (first, between rounds, last)" % nb,
                 fmt(b_rps, 0) + " req/s", fmt(b_p50), fmt(b_p99), "1.00", "1.00", "1.00", "-", "ref"])
    for k in bases:
        rows.append(["  baseline run " + k[len("baseline"):],
                     fmt(num(v, k + "_rps"), 0) + " req/s", fmt(num(v, k + "_p50_ms")), fmt(num(v, k + "_p99_ms")),
                     fmt(num(v, k + "_rps") / b_rps), fmt(num(v, k + "_p50_ms") / b_p50),
                     fmt(num(v, k + "_p99_ms") / b_p99), "-", "ref"])

    def wrk_row(key, label, target_text, check):
        rps, p50, p99 = num(v, key + "_rps"), num(v, key + "_p50_ms"), num(v, key + "_p99_ms")
        if rps != rps:
            return
        r = rps / b_rps
        ok = check(r, p99) if check else None
        errs = int(num(v, key + "_non2xx") or 0) + int(num(v, key + "_sockerr") or 0)
        note = "" if errs == 0 else " (%d errors)" % errs
        if v.get(key + "_runs") and "," in v[key + "_runs"]:
            label = "%s  [runs: %s]" % (label, v[key + "_runs"])
        rows.append([label, fmt(rps, 0) + " req/s" + note, fmt(p50), fmt(p99), fmt(r), fmt(p50 / b_p50),
                     fmt(p99 / b_p99), target_text, verdict(ok, label)])

    wrk_row("healthz", "GET /healthz", "req/s >= 0.80 x baseline", lambda r, p99: r >= 0.80)
    wrk_row("health", "GET /health", "-", None)
    wrk_row("queue_mem", "GET /queue/status  (memory store)", "-", None)
    h_rps = num(v, "healthz_rps")
    wrk_row("queue_redis", "GET /queue/status  (Redis store; local copy <= 50 ms old)  [x /healthz: %s]"
            % fmt(num(v, "queue_redis_rps") / h_rps), "req/s >= 0.80 x /healthz",
            lambda r, p99: num(v, "queue_redis_rps") >= 0.80 * h_rps)
    wrk_row("models", "GET /models  (warm snapshot)", "req/s >= 0.70 x baseline, p99 < 10 ms",
            lambda r, p99: r >= 0.70 and p99 < 10)
    wrk_row("healthz_defaults", "GET /healthz  (JVM defaults, no flags; flag cost)", "-", None)

    first = num(v, "silent_first_ms")
    rows.append(["GET /models first call after /healthz answers, silent backends",
                 fmt(first, 0) + " ms", "-", "-", "-", "-", "-", "< 1300 ms", verdict(first < 1300, "silent first")])
    sp50, sp99 = num(v, "silent_p50_ms"), num(v, "silent_p99_ms")
    rows.append(["GET /models later calls, silent backends (%s sequential, %s ms apart; slowest %s)"
                 % (v.get("silent_count", "?"), v.get("silent_pace_ms", "?"), v.get("silent_slowest", "?")),
                 "-", fmt(sp50), fmt(sp99), "-", "-", "-", "p99 < 10 ms", verdict(sp99 < 10, "silent later")])

    for key, label in (("cycles_mock", "POST+DELETE /sessions  model mock, memory store"),
                       ("cycles_slot", "POST+DELETE /sessions  flashtalk (slot, 64 slots), Redis store")):
        c = num(v, key + "_per_s")
        errs = v.get(key + "_other", "?")
        rows.append([label + " (wrk -c%s, Lua; non-200: %s)" % (v.get("cycle_conns", "?"), errs),
                     fmt(c, 0) + " cycles/s", fmt(num(v, key + "_p50_ms")), fmt(num(v, key + "_p99_ms")),
                     "-", "-", "-", "-", "info"])

    fn = num(v, "fresh_n")
    if fn == fn:
        rows.append(["/queue/status freshness: change through replica A (its answer) -> replica B's answer shows it "
                     "(%d changes, %s not seen within 2 s; includes one HTTP round trip to B; max %s ms)"
                     % (fn, v.get("fresh_missed", "?"), fmt(num(v, "fresh_max_ms"))),
                     "-", fmt(num(v, "fresh_p50_ms")), fmt(num(v, "fresh_p99_ms")), "-", "-", "-", "p99 <= 100 ms",
                     verdict(num(v, "fresh_p99_ms") <= 100 and v.get("fresh_missed") == "0", "freshness")])

    for key, label in (("rss_idle", "RSS (VmRSS) control plane, idle after start"),
                       ("rss_after", "RSS (VmRSS) control plane, memory store, right after the load"),
                       ("rss_redis_after", "RSS (VmRSS) control plane, Redis store, right after the load"),
                       ("rss_settled", "RSS (VmRSS) control plane, memory store, 3 s after the load"),
                       ("rss_redis_settled", "RSS (VmRSS) control plane, Redis store, 3 s after the load"),
                       ("rss_defaults_after", "RSS (VmRSS) with JVM defaults, after /healthz load (for contrast)")):
        x = num(v, key)
        if x != x:
            continue
        check = None if key in ("rss_defaults_after", "rss_idle") else x <= 150
        rows.append([label, fmt(x, 1) + " MB", "-", "-", "-", "-", "-",
                     "-" if check is None else "<= 150 MB", verdict(check, label)])

    st = num(v, "startup_mean_ms")
    cds = v.get("cds", "none") != "none"
    rows.append(["start-up: process start -> first 200 on /healthz%s (mean of %s: %s ms)"
                 % (", AppCDS archive" if cds else "", v.get("startup_n", "?"), v.get("startup_all_ms", "?")),
                 fmt(st, 0) + " ms", "-", "-", "-", "-", "-", "< 1000 ms", verdict(st < 1000, "start-up")])
    for key, label in (("startup_nocds", "start-up without the AppCDS archive (contrast)"),
                       ("startup_tiered", "start-up with -XX:+TieredCompilation added (C1 and C2, the JDK default; contrast)")):
        x = num(v, key + "_mean_ms")
        if x == x:
            rows.append(["%s (mean of %s: %s ms)" % (label, v.get(key + "_n", "?"), v.get(key + "_all_ms", "?")),
                         fmt(x, 0) + " ms", "-", "-", "-", "-", "-", "-", "info"])

    head = ["measurement", "value", "p50 ms", "p99 ms", "x req/s", "x p50", "x p99", "target", "result"]
    print("OpenTalking control plane benchmark (%s mode), %s" % (v.get("mode"), v.get("date")))
    print("wrk -t2 -c%s -d%ss --latency (warm-up %ss before each), %s round(s); ratios (x ...) against GET /hello on "
          "the bare web server in this same run" % (v.get("conns"), v.get("duration"), v.get("warmup"),
                                                     v.get("rounds", "1")))
    print("JVM: %s" % v.get("java"))
    print("JVM flags (control plane and baseline): %s" % v.get("flags"))
    print("AppCDS for the control plane: %s" % v.get("cds"))
    print("machine: %s cores, load average at start %s, at end %s" % (v.get("cores"), v.get("load_start"),
                                                                        v.get("load_end")))
    print_table(head, rows)
    depth_table(v, misses, verdict)
    if smoke:
        print("smoke mode: 1-second runs; figures are printed but not judged (PASS/MISS is informative only)")
    print("targets missed: %s" % (", ".join(misses) if misses else "none"))
    return misses


def depth_table(v, misses, verdict):
    """The queue depth table: POST+DELETE cycle and sweep step at each number of sessions waiting."""
    depths = [d for d in v.get("depths", "").split(",") if d]
    if not depths:
        return
    base = num(v, "depth_%s_p50_ms" % depths[0])
    head = ["waiting", "cycles", "cycle p50 ms", "cycle p99 ms", "x p50 (vs %s waiting)" % depths[0],
            "sweep p50 ms", "sweep p99 ms", "target", "result"]
    rows = []
    for d in depths:
        k = "depth_%s" % d
        p50 = num(v, k + "_p50_ms")
        target, ok = "-", None
        if d == depths[-1] and len(depths) > 1:
            target, ok = "cycle p50 <= 2 x at %s waiting" % depths[0], p50 <= 2 * base
        rows.append([d, v.get(k + "_cycles", "?"), fmt(p50), fmt(num(v, k + "_p99_ms")), fmt(p50 / base),
                     fmt(num(v, k + "_sweep_p50_ms")), fmt(num(v, k + "_sweep_p99_ms")), target,
                     verdict(ok, "queue depth %s" % d)])
    print()
    print("queue depth: one slot held, N sessions waiting, OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE=0; a cycle is POST "
          "/sessions (waits at N+1) + DELETE, sequential, %ss per depth; a sweep is one sweep step by another "
          "replica (%s per depth)" % (v.get("depth_seconds", "?"), v.get("depth_sweeps", "?")))
    print_table(head, rows)


def print_table(head, rows):
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "+".join("-" * (w + 2) for w in widths)
    print(line)
    print(" | ".join(h.ljust(widths[i]) for i, h in enumerate(head)))
    print(line)
    for r in rows:
        print(" | ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)))
    print(line)


def main():
    cmd = sys.argv[1]
    if cmd == "wrk":
        for k, val in parse_wrk(sys.argv[2]).items():
            print("%s=%s" % (k, val))
    elif cmd == "render":
        misses = render(sys.argv[2])
        sys.exit(3 if misses and len(sys.argv) > 3 and sys.argv[3] == "--strict" else 0)
    elif cmd == "mean":
        xs = [float(x) for x in sys.argv[2:]]
        print("%.0f" % (sum(xs) / len(xs)))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
