#!/usr/bin/env python3
"""Bounded HTTP GET loops against 127.0.0.1 with per-request latency, for bench/run.sh and the drills.

  seq      COUNT sequential GETs on one keep-alive connection, PACE ms apart:
           python3 bench/http_readers.py seq --url http://127.0.0.1:P/models --count 200 --pace-ms 25
  readers  THREADS threads GET the url in a loop for SECONDS; for /models also follows one model's
           "connected" flag and counts how often it changed:
           python3 bench/http_readers.py readers --url http://127.0.0.1:P/models --threads 4 --seconds 30 \
               --model flashtalk [--stop-file PATH]

Prints key=value lines: count, non200 (with status counts), p50_ms, p99_ms, max_ms, and for readers the flips.
"""
import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse


def pct(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    i = min(len(sorted_ms) - 1, max(0, int(-(-p * len(sorted_ms) // 1)) - 1))
    return sorted_ms[i]


class Client:
    def __init__(self, url, timeout):
        u = urllib.parse.urlsplit(url)
        assert u.hostname in ("127.0.0.1", "localhost"), "loopback only"
        self.host, self.port, self.path = u.hostname, u.port, (u.path or "/") + ("?" + u.query if u.query else "")
        self.timeout = timeout
        self.conn = None
        self.reconnects = 0

    def get(self):
        """Returns (status or error string, body bytes, latency ms)."""
        t0 = time.perf_counter()
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.conn.request("GET", self.path)
                r = self.conn.getresponse()
                body = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, body, (time.perf_counter() - t0) * 1000
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                # A keep-alive connection the server closed between requests: one retry, counted apart.
                self.close()
                self.reconnects += 1
                if attempt == 1:
                    return type(e).__name__, b"", (time.perf_counter() - t0) * 1000
            except Exception as e:  # noqa: BLE001 - every failure is counted, none is fatal
                self.close()
                return type(e).__name__, b"", (time.perf_counter() - t0) * 1000
        return "unreachable", b"", 0.0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def connected_flag(body, model):
    try:
        for s in json.loads(body)["statuses"]:
            if s["id"] == model:
                return bool(s["connected"])
    except (ValueError, KeyError, TypeError):
        return None
    return None


def summary(lat, statuses, extra=None):
    lat = sorted(lat)
    non200 = sum(n for k, n in statuses.items() if k != 200)
    print("count=%d" % len(lat))
    print("statuses=%s" % ",".join("%s:%d" % (k, n) for k, n in sorted(statuses.items(), key=str)))
    print("non200=%d" % non200)
    print("p50_ms=%.2f" % pct(lat, 0.50))
    print("p99_ms=%.2f" % pct(lat, 0.99))
    print("max_ms=%.2f" % (lat[-1] if lat else float("nan")))
    for k, v in (extra or {}).items():
        print("%s=%s" % (k, v))


def cmd_seq(a):
    c = Client(a.url, a.timeout)
    lat, statuses = [], {}
    first = None
    dump = open(a.dump, "w") if a.dump else None
    t0 = time.time()
    for i in range(min(a.count, 100000)):
        t = time.time()
        st, body, ms = c.get()
        lat.append(ms)
        if dump:
            dump.write("%d %.3f %.2f %s\n" % (i, t - t0, ms, st))
        statuses[st] = statuses.get(st, 0) + 1
        if first is None:
            first = ms
        if a.pace_ms > 0:
            time.sleep(a.pace_ms / 1000)
    c.close()
    if dump:
        dump.close()
    summary(lat, statuses, {"first_ms": "%.2f" % first, "reconnects": c.reconnects})


def cmd_readers(a):
    stop_at = time.time() + min(a.seconds, 3600)
    stop_file = a.stop_file
    lock = threading.Lock()
    lat, statuses = [], {}
    changes = [0]
    reconnects = [0]
    seen = {True: 0, False: 0, None: 0}
    slow = []

    def loop():
        c = Client(a.url, a.timeout)
        last = None
        my_lat, my_st, my_changes, my_seen = [], {}, 0, {True: 0, False: 0, None: 0}
        n = 0
        while time.time() < stop_at:
            n += 1
            if stop_file and n % 20 == 0 and os.path.exists(stop_file):
                break
            st, body, ms = c.get()
            my_lat.append(ms)
            my_st[st] = my_st.get(st, 0) + 1
            if ms > a.slow_ms:
                slow.append((time.time(), ms))
            if a.model and st == 200:
                flag = connected_flag(body, a.model)
                my_seen[flag] += 1
                if last is not None and flag != last:
                    my_changes += 1
                last = flag
            if a.pace_ms > 0:
                time.sleep(a.pace_ms / 1000)
        c.close()
        with lock:
            reconnects[0] += c.reconnects
            lat.extend(my_lat)
            for k, n in my_st.items():
                statuses[k] = statuses.get(k, 0) + n
            changes[0] += my_changes
            for k, n in my_seen.items():
                seen[k] += n

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(max(1, min(a.threads, 64)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=a.seconds + 30)
    extra = {}
    if a.model:
        extra = {"status_changes_seen": changes[0],
                 "status_changes_per_reader": "%.1f" % (changes[0] / len(threads)),
                 "reads_connected": seen[True], "reads_disconnected": seen[False], "reads_unparsed": seen[None]}
    extra["slow_reads"] = len(slow)
    extra["reconnects"] = reconnects[0]
    summary(lat, statuses, extra)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seq")
    s.add_argument("--url", required=True)
    s.add_argument("--count", type=int, default=200)
    s.add_argument("--pace-ms", type=float, default=0)
    s.add_argument("--timeout", type=float, default=10)
    s.add_argument("--dump", help="write 'index seconds-since-start latency-ms status' per call to this file")
    r = sub.add_parser("readers")
    r.add_argument("--url", required=True)
    r.add_argument("--threads", type=int, default=4)
    r.add_argument("--seconds", type=float, default=10)
    r.add_argument("--pace-ms", type=float, default=0)
    r.add_argument("--timeout", type=float, default=10)
    r.add_argument("--model")
    r.add_argument("--slow-ms", type=float, default=1000)
    r.add_argument("--stop-file", help="end early once this file exists (--seconds stays the bound)")
    a = ap.parse_args()
    (cmd_seq if a.cmd == "seq" else cmd_readers)(a)


if __name__ == "__main__":
    main()
