#!/usr/bin/env python3
"""Loopback-only connection holding and probing for bench/server-compare.sh (Python 3 standard library only).

  hold    opens --idle N connections that send nothing, --slow N that send a request line and Host header at once
          and then one more header byte every --slow-interval s (never ending the headers), and --sse N that send
          GET /sse and read the stream; sources are bound round-robin to --sources (default 127.0.0.2..127.0.0.9),
          opened in batches of --batch. Holds them until SIGTERM/SIGINT, --stop-file appears or --max-seconds pass;
          never reconnects. Writes a key=value status file (--status) every second; "ready=1" once every connection
          was opened (or failed) and every SSE stream got its response head (or --ready-timeout passed).
            python3 bench/conn_hold.py hold --port P --idle 2000 --status /tmp/s --max-seconds 120
  probe   GET /healthz from 127.0.0.1 on a fresh connection every --interval-ms for --seconds; prints count, ok,
          fail, p50_ms, p99_ms, max_ms.
  http10  sends "GET /healthz HTTP/1.0" and prints the status line (or the error).

Counters in the status file, per kind (idle, slow, sse): <kind>_opened, <kind>_failed (connect refused/timed out),
<kind>_open (still open now), <kind>_closed (closed by the server: EOF or reset), and sse_ok (200 + event-stream head).
"""
import argparse
import errno
import os
import selectors
import signal
import socket
import time

SSE_PATH = "/sse"  # --sse-path: the control plane streams /sessions/<id>/events


def sse_request(path):
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n" % path).encode()
SLOW_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
LOOPBACK_PREFIX = "127."


def loopback(addr):
    assert addr.startswith(LOOPBACK_PREFIX), "loopback only: %s" % addr
    return addr


def sources(spec):
    if "-" in spec:
        a, b = spec.split("-")
        base = a.rsplit(".", 1)[0]
        lo, hi = int(a.rsplit(".", 1)[1]), int(b.rsplit(".", 1)[1])
        return [loopback("%s.%d" % (base, i)) for i in range(lo, hi + 1)]
    return [loopback(s) for s in spec.split(",")]


class Conn:
    __slots__ = ("sock", "kind", "state", "head")

    def __init__(self, sock, kind):
        self.sock, self.kind, self.state, self.head = sock, kind, "connecting", b""


class Holder:
    def __init__(self, a):
        self.a = a
        self.sel = selectors.DefaultSelector()
        self.src = sources(a.sources)
        self.n = 0
        self.stats = {}
        for k in ("idle", "slow", "sse"):
            for c in ("opened", "failed", "open", "closed"):
                self.stats["%s_%s" % (k, c)] = 0
        self.stats["sse_ok"] = 0
        self.stats["ready"] = 0
        self.slow = []
        self.stop = False
        self.t0 = time.monotonic()

    def status(self):
        if not self.a.status:
            return
        tmp = self.a.status + ".tmp"
        with open(tmp, "w") as f:
            for k, v in sorted(self.stats.items()):
                f.write("%s=%s\n" % (k, v))
            f.write("elapsed_s=%.1f\n" % (time.monotonic() - self.t0))
        os.replace(tmp, self.a.status)

    def should_stop(self):
        if self.stop:
            return True
        if self.a.max_seconds and time.monotonic() - self.t0 > self.a.max_seconds:
            return True
        return bool(self.a.stop_file and os.path.exists(self.a.stop_file))

    def start_one(self, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((self.src[self.n % len(self.src)], 0))
            self.n += 1
            rc = s.connect_ex((self.a.host, self.a.port))
        except OSError:
            s.close()
            self.stats[kind + "_failed"] += 1
            return None
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            self.stats[kind + "_failed"] += 1
            return None
        c = Conn(s, kind)
        self.sel.register(s, selectors.EVENT_WRITE, c)
        return c

    def lost(self, c, failed=False):
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        if c.state == "connecting" or failed:
            self.stats[c.kind + "_failed"] += 1
        else:
            self.stats[c.kind + "_open"] -= 1
            self.stats[c.kind + "_closed"] += 1
        c.state = "gone"

    def on_event(self, c, mask):
        if c.state == "connecting":
            err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.lost(c, failed=True)
                return
            c.state = "open"
            self.stats[c.kind + "_opened"] += 1
            self.stats[c.kind + "_open"] += 1
            try:
                if c.kind == "sse":
                    c.sock.send(sse_request(SSE_PATH))
                elif c.kind == "slow":
                    c.sock.send(SLOW_HEAD)
                    self.slow.append(c)
            except OSError:
                self.lost(c)
                return
            self.sel.modify(c.sock, selectors.EVENT_READ, c)
            return
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.lost(c)
            return
        if c.kind == "sse" and c.head is not None:
            c.head += data
            if b"\r\n\r\n" in c.head:
                head = c.head.split(b"\r\n\r\n", 1)[0].lower()
                if head.startswith(b"http/1.1 200") and b"text/event-stream" in head:
                    self.stats["sse_ok"] += 1
                c.head = None
            elif len(c.head) > 16384:
                c.head = None

    def pump(self, timeout):
        for key, mask in self.sel.select(timeout):
            self.on_event(key.data, mask)

    def run(self):
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop", True))
        signal.signal(signal.SIGINT, lambda *_: setattr(self, "stop", True))
        plan = []   # idle and slow interleaved, so that every batch mixes them; SSE streams after them
        for i in range(max(self.a.idle, self.a.slow)):
            if i < self.a.idle:
                plan.append("idle")
            if i < self.a.slow:
                plan.append("slow")
        plan += ["sse"] * self.a.sse
        batch_end = 0.0
        last_status = 0.0
        last_drip = time.monotonic()
        i = 0
        open_deadline = time.monotonic() + self.a.ready_timeout
        while not self.should_stop():
            # open the next batch when the previous one has settled (or waited long enough)
            if i < len(plan):
                pending = [c for c in (k.data for k in self.sel.get_map().values()) if c.state == "connecting"]
                if not pending:
                    batch_end = time.monotonic() + self.a.batch_wait
                    for kind in plan[i:i + self.a.batch]:
                        self.start_one(kind)
                    i += self.a.batch
                elif time.monotonic() > batch_end:
                    for c in pending:
                        self.lost(c, failed=True)
            self.pump(0.05)
            now = time.monotonic()
            if not self.stats["ready"] and i >= len(plan):
                connecting = any(k.data.state == "connecting" for k in self.sel.get_map().values())
                sse_heads = self.stats["sse_ok"] + self.stats["sse_closed"] + self.stats["sse_failed"]
                sse_pending = any(k.data.kind == "sse" and k.data.head is not None
                                  for k in self.sel.get_map().values())
                if not connecting and (not sse_pending or sse_heads >= self.a.sse or now > open_deadline):
                    self.stats["ready"] = 1
                    self.stats["ready_s"] = round(now - self.t0, 1)
            if self.slow and now - last_drip >= self.a.slow_interval:
                last_drip = now
                keep = []
                for c in self.slow:
                    if c.state != "open":
                        continue
                    try:
                        c.sock.send(b"a")
                        keep.append(c)
                    except (BlockingIOError, InterruptedError):
                        keep.append(c)
                    except OSError:
                        self.lost(c)
                self.slow = keep
            if now - last_status >= 1.0:
                last_status = now
                self.status()
        self.status()
        for k in list(self.sel.get_map().values()):
            k.data.sock.close()
        for k, v in sorted(self.stats.items()):
            print("%s=%s" % (k, v))


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(-(-p * len(xs) // 1)) - 1))]


def probe(a):
    req = ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").encode()
    lat, fails, ok = [], 0, 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            with socket.create_connection((loopback(a.host), a.port), timeout=a.timeout) as s:
                s.sendall(req)
                buf = b""
                while True:
                    d = s.recv(4096)
                    if not d:
                        break
                    buf += d
                    if b"\r\n\r\n" in buf and b'"ok"' in buf:
                        break
            ms = (time.monotonic() - t0) * 1000
            if buf.startswith(b"HTTP/1.1 200"):
                ok += 1
                lat.append(ms)
            else:
                fails += 1
        except OSError:
            fails += 1
            lat.append((time.monotonic() - t0) * 1000)
        rest = a.interval_ms / 1000 - (time.monotonic() - t0)
        if rest > 0:
            time.sleep(rest)
    print("count=%d" % (ok + fails))
    print("ok=%d" % ok)
    print("fail=%d" % fails)
    print("p50_ms=%.1f" % pct(lat, 0.50))
    print("p99_ms=%.1f" % pct(lat, 0.99))
    print("max_ms=%.1f" % (max(lat) if lat else float("nan")))


def http10(a):
    """Prints the status line, then whether the response was chunked and whether the server closed afterwards."""
    buf, closed = b"", False
    try:
        with socket.create_connection((loopback(a.host), a.port), timeout=3) as s:
            s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            try:
                while True:
                    d = s.recv(4096)
                    if not d:
                        closed = True
                        break
                    buf += d
            except socket.timeout:
                pass
    except OSError as e:
        print("(error: %s)" % e)
        return
    head = buf.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status = head.split("\r\n", 1)[0] or "(no response)"
    chunked = "transfer-encoding: chunked" in head.lower()
    print("%s (%s, %s)" % (status, "chunked" if chunked else "not chunked",
                           "then closed" if closed else "kept open"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--idle", type=int, default=0)
    h.add_argument("--slow", type=int, default=0)
    h.add_argument("--sse", type=int, default=0)
    h.add_argument("--sse-path", default="/sse")
    h.add_argument("--slow-interval", type=float, default=2.0)
    h.add_argument("--sources", default="127.0.0.2-127.0.0.9")
    h.add_argument("--batch", type=int, default=250)
    h.add_argument("--batch-wait", type=float, default=5.0, help="seconds a batch may take to connect")
    h.add_argument("--ready-timeout", type=float, default=60.0)
    h.add_argument("--status")
    h.add_argument("--stop-file")
    h.add_argument("--max-seconds", type=float, default=300.0)
    for sp in (h, sub.add_parser("probe"), sub.add_parser("http10")):
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, required=True)
    pr = sub.choices["probe"]
    pr.add_argument("--seconds", type=float, default=10)
    pr.add_argument("--interval-ms", type=float, default=200)
    pr.add_argument("--timeout", type=float, default=5)
    a = p.parse_args()
    loopback(a.host)
    total = getattr(a, "idle", 0) + getattr(a, "slow", 0) + getattr(a, "sse", 0)
    assert total <= 20000, "bounded: at most 20000 connections"
    if a.cmd == "hold":
        assert 0 < a.max_seconds <= 900, "bounded: --max-seconds 1..900"
        global SSE_PATH
        SSE_PATH = a.sse_path
        Holder(a).run()
    elif a.cmd == "probe":
        assert 0 < a.seconds <= 900
        probe(a)
    else:
        http10(a)


if __name__ == "__main__":
    main()
