#!/usr/bin/env python3
"""Hostile-traffic generator for bench/drills/hostile.sh (loopback only, bounded in count and time).

  hostile.py attack NAME --port P --pid PID --out FILE.json [--smoke]   one attack, its figures as JSON
  hostile.py report FILE.json... [--smoke]                              the table and the verdict (exit 1 on a miss)

Attacks (NAME): conns (idle + slow-header connections), streams (GET /sessions/{id}/events), sessions (POST
/sessions floods), methods (made-up methods, then /metrics), framing (unread bodies, Connection: close, pipelining),
http10 (HTTP/1.0 on the seed endpoints and an event stream), slowbody (a huge Content-Length never sent, a body one
byte per second, a head of ~14 KB that never ends). Hostile sockets bind to 127.0.0.2 ... 127.0.0.9; the
/healthz prober runs on 127.0.0.1 (sequential GETs on one keep-alive connection, 20 ms apart) for the whole attack.
A /healthz GET without an HTTP answer (refused, reset, timed out) counts as 2,000 ms (the prober's timeout) in
p50/p99. Every attack also samples the server's RSS from /proc every 0.25 s and GETs the four seed endpoints afterwards.
"""
import argparse
import errno
import json
import os
import re
import resource
import selectors
import socket
import sys
import threading
import time
from collections import Counter

HOST = "127.0.0.1"
SEED = ("/health", "/healthz", "/queue/status", "/models")
STATUS_RE = re.compile(rb"HTTP/(1\.[01]) (\d{3})(?: [^\r\n]*)?$")


def srcs(n):
    return ["127.0.0.%d" % (2 + i % 8) for i in range(n)]


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(-(-p * len(v) // 1)) - 1))]


def r1(x):
    return None if x is None else round(x, 1)


# ---------------------------------------------------------------------------------------------------------------
# Responses: parse every response in the bytes one connection received.

def parse_responses(data):
    """Returns (responses, problem or None, trailing body-until-close flag). A response is a dict: version, status,
    headers (lower-case name -> list of values), complete (head and body all there), body (bytes)."""
    out, i = [], 0
    while i < len(data):
        if not data.startswith(b"HTTP/", i):
            if data[i:].strip() == b"":
                break
            return out, "bytes that are not a response after %d response(s): %r" % (len(out), data[i:i + 40])
        end = data.find(b"\r\n\r\n", i)
        if end < 0:
            return out, "incomplete response head: %r" % data[i:i + 60]
        lines = data[i:end].split(b"\r\n")
        m = STATUS_RE.match(lines[0])
        if not m:
            return out, "malformed status line: %r" % lines[0][:60]
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            headers.setdefault(k.strip().lower().decode("latin-1"), []).append(v.strip().decode("latin-1"))
        status = int(m.group(2))
        i = end + 4
        resp = {"version": m.group(1).decode(), "status": status, "headers": headers, "complete": True, "body": b""}
        out.append(resp)
        te = ",".join(headers.get("transfer-encoding", [])).lower()
        if 100 <= status < 200 or status in (204, 304):
            continue
        if "chunked" in te:
            body = b""
            while True:
                e = data.find(b"\r\n", i)
                if e < 0:
                    resp["complete"] = False
                    return out, None
                try:
                    size = int(data[i:e].split(b";")[0], 16)
                except ValueError:
                    return out, "bad chunk size line %r" % data[i:e][:40]
                if size == 0:
                    t = data.find(b"\r\n\r\n", e)
                    if t < 0 and data[e + 2:e + 4] != b"\r\n":
                        resp["complete"] = False
                        return out, None
                    i = (t + 4) if t >= 0 else e + 4
                    break
                if len(data) < e + 2 + size + 2:
                    resp["complete"] = False
                    return out, None
                body += data[e + 2:e + 2 + size]
                i = e + 2 + size + 2
            resp["body"] = body
        elif "content-length" in headers:
            n = int(headers["content-length"][0])
            if len(data) < i + n:
                resp["complete"] = False
                resp["body"] = data[i:]
                return out, None
            resp["body"] = data[i:i + n]
            i += n
        else:
            resp["body"] = data[i:]   # ended by close
            resp["until_close"] = True
            i = len(data)
    return out, None


def exchange(payload, src=HOST, port=0, timeout=3.0, close_wait=3.0, stop_after=None, shut_wr=False):
    """Sends the payload from a sender thread while reading (so a server that answers early is read, not reset),
    reads until the server closes or `close_wait` after the last byte. Returns dict: data, eof (server closed),
    reset, t_first (s to first byte), t_close_after_last (s from the last byte received to EOF), send_error."""
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(timeout)
    res = {"data": b"", "eof": False, "reset": False, "t_first": None, "close_after_last_s": None,
           "send_error": None, "connect_error": None}
    try:
        s.connect((HOST, port))
    except OSError as e:
        res["connect_error"] = errno.errorcode.get(e.errno, str(e))
        s.close()
        return res
    t0 = time.perf_counter()

    def send():
        try:
            s.sendall(payload)
            if shut_wr:
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            res["send_error"] = errno.errorcode.get(e.errno, type(e).__name__)
    th = threading.Thread(target=send, daemon=True)
    th.start()
    last = None
    deadline = t0 + timeout + close_wait
    try:
        while time.perf_counter() < deadline:
            s.settimeout(max(0.05, min(close_wait if last else timeout, deadline - time.perf_counter())))
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            if not d:
                res["eof"] = True
                if last is not None:
                    res["close_after_last_s"] = time.perf_counter() - last
                break
            last = time.perf_counter()
            if res["t_first"] is None:
                res["t_first"] = last - t0
            res["data"] += d
            if stop_after and stop_after(res["data"]):
                break
    except OSError:
        res["reset"] = True
    finally:
        s.close()
        th.join(timeout=1)
    return res


def req(method, path, headers=(), body=b"", version="HTTP/1.1", host=True):
    h = ("Host: 127.0.0.1\r\n" if host else "") + "".join("%s: %s\r\n" % kv for kv in headers)
    return ("%s %s %s\r\n%s\r\n" % (method, path, version, h)).encode("latin-1") + body


def one_complete(data):
    """stop_after for callers that need the answer, not the close: a complete response with a known length."""
    resps, problem = parse_responses(data)
    return bool(problem) or bool(resps and resps[0]["complete"] and not resps[0].get("until_close"))


def simple(method, path, port, body=b"", headers=(), src=HOST, timeout=5.0):
    """One request with Connection: close; returns (status or error string, parsed responses, raw result)."""
    hs = list(headers) + [("Connection", "close")]
    if body or method in ("POST", "PUT"):
        hs.append(("Content-Length", str(len(body))))
    r = exchange(req(method, path, hs, body), src=src, port=port, timeout=timeout, close_wait=timeout,
                 stop_after=one_complete)
    if r["connect_error"]:
        return r["connect_error"], [], r
    resps, problem = parse_responses(r["data"])
    if not resps:
        return ("reset" if r["reset"] else "no-answer"), resps, r
    return resps[0]["status"], resps, r


# ---------------------------------------------------------------------------------------------------------------
# Background measurement: the /healthz prober and the RSS sampler.

class Prober(threading.Thread):
    """Sequential GET /healthz on one keep-alive connection from 127.0.0.1; a failed request counts at its elapsed
    time (at least the 2 s timeout when the server does not answer), and the next one reconnects."""

    def __init__(self, port, pace=0.02, timeout=2.0):
        super().__init__(daemon=True)
        self.port, self.pace, self.timeout = port, pace, timeout
        self.lat, self.statuses, self.stop_ev, self.s, self.buf = [], Counter(), threading.Event(), None, b""
        self.window = None   # (start, end) perf_counter: only samples inside it are "during the attack"
        self.samples = []    # (t, ms, status)

    def one(self):
        t0 = time.perf_counter()
        try:
            if self.s is None:
                self.s = socket.create_connection((HOST, self.port), timeout=self.timeout)
                self.buf = b""
            self.s.settimeout(self.timeout)
            self.s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            while True:
                resps, problem = parse_responses(self.buf)
                if problem:
                    raise ValueError(problem)
                if resps and resps[0]["complete"] and not resps[0].get("until_close"):
                    break
                d = self.s.recv(65536)
                if not d:
                    resps, problem = parse_responses(self.buf)
                    if resps and resps[0]["complete"]:
                        break
                    raise ConnectionError("closed")
                self.buf += d
            r = resps[0]
            # drop exactly the bytes of this response
            consumed = self.buf.find(b"\r\n\r\n") + 4 + len(r["body"])
            self.buf = self.buf[consumed:]
            st = r["status"]
            if "close" in ",".join(r["headers"].get("connection", [])).lower():
                self.close()
        except socket.timeout:
            st = "timeout"
            self.close()
        except (OSError, ValueError, ConnectionError) as e:
            st = type(e).__name__
            self.close()
        return st, (time.perf_counter() - t0) * 1000

    def close(self):
        if self.s:
            try:
                self.s.close()
            except OSError:
                pass
        self.s = None

    def run(self):
        while not self.stop_ev.is_set():
            st, ms = self.one()
            self.samples.append((time.perf_counter(), ms, st))
            self.stop_ev.wait(self.pace)
        self.close()

    def stats(self, t_from=None, t_to=None):
        sel = [(ms, st) for t, ms, st in self.samples
               if (t_from is None or t >= t_from) and (t_to is None or t <= t_to)]
        # a GET that got no HTTP answer (refused, reset, timeout) counts as the client's timeout: a server that
        # refuses at once is not fast
        ms = [m if isinstance(st, int) else max(m, self.timeout * 1000) for m, st in sel]
        c = Counter(str(st) for _, st in sel)
        return {"count": len(ms), "p50_ms": r1(pct(ms, 0.50)), "p99_ms": r1(pct(ms, 0.99)),
                "max_ms": r1(max(ms) if ms else None), "statuses": dict(c),
                "non200": sum(n for k, n in c.items() if k != "200"),
                "5xx": sum(n for k, n in c.items() if k.startswith("5"))}


def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def proc_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.max, self.stop_ev, self.died_at = pid, 0.0, threading.Event(), None

    def run(self):
        t0 = time.perf_counter()
        while not self.stop_ev.is_set():
            v = rss_mb(self.pid)
            if v is None or not proc_alive(self.pid):
                if self.died_at is None:
                    self.died_at = time.perf_counter() - t0
            else:
                self.max = max(self.max, v)
            self.stop_ev.wait(0.25)


# ---------------------------------------------------------------------------------------------------------------
# The holder: many non-blocking sockets held open at once, each sending a first part, then trickling the rest.

class Holder:
    """kind -> spec: initial bytes (sent on connect), trickle bytes (one every `every` s), hold_on_200 (an event
    stream: a 200 head keeps the connection; any other answer is a refusal and the socket is closed)."""

    def __init__(self, port, every):
        self.port, self.every = port, every
        self.sel = selectors.DefaultSelector()
        self.conns = {}
        self.out = Counter()

    def open_mixed(self, specs, connect_s=10.0, batch=100):
        """specs: [(n, kind, initial, trickle), ...] opened interleaved, `batch` of each in turn, then waits (at most
        connect_s) for the handshakes."""
        left = [list(x) for x in specs]
        while any(x[0] > 0 for x in left):
            for x in left:
                k = min(batch, x[0])
                if k:
                    self.open(k, x[1], x[2], trickle=x[3], wait=False, batch=batch)
                    x[0] -= k
        self.wait_connected(connect_s)

    def open(self, n, kind, initial, trickle=b"", hold_on_200=False, connect_s=10.0, batch=200, batch_pause=0.05,
             wait=True):
        addrs = srcs(n + len(self.conns))[len(self.conns):]
        for k in range(n):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.bind((addrs[k], 0))
                rc = s.connect_ex((HOST, self.port))
            except OSError as e:
                self.out["%s.connect_error.%s" % (kind, errno.errorcode.get(e.errno, e.errno))] += 1
                s.close()
                continue
            if rc not in (0, errno.EINPROGRESS):
                self.out["%s.connect_error.%s" % (kind, errno.errorcode.get(rc, rc))] += 1
                s.close()
                continue
            c = {"kind": kind, "state": "connecting", "t0": time.perf_counter(), "pending": initial,
                 "trickle": trickle, "ti": 0, "hold200": hold_on_200, "buf": b"", "src": addrs[k]}
            self.conns[s] = c
            self.sel.register(s, selectors.EVENT_WRITE, c)
            if k % batch == batch - 1:
                self.poll(batch_pause)
        if wait:
            self.wait_connected(connect_s)

    def wait_connected(self, connect_s):
        t_end = time.perf_counter() + connect_s
        while time.perf_counter() < t_end and any(c["state"] == "connecting" for c in self.conns.values()):
            self.poll(0.1)
        for s, c in list(self.conns.items()):
            if c["state"] == "connecting":
                c["state"] = "connect-timeout"
                self.finish(s, c)

    def finish(self, s, c):
        try:
            self.sel.unregister(s)
        except (KeyError, ValueError):
            pass
        s.close()
        c["t_end"] = time.perf_counter()

    def poll(self, timeout):
        for key, ev in self.sel.select(timeout):
            s, c = key.fileobj, key.data
            if c["state"] == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    c["state"] = "connect-error." + errno.errorcode.get(err, str(err))
                    self.finish(s, c)
                    continue
                c["state"] = "open"
                c["t_open"] = time.perf_counter()
                self.flush(s, c)
                continue
            if ev & selectors.EVENT_WRITE and c["pending"]:
                self.flush(s, c)
            if ev & selectors.EVENT_READ:
                try:
                    d = s.recv(65536)
                except OSError:
                    c["state"] = "reset"
                    self.finish(s, c)
                    continue
                if not d:
                    if c["state"] == "stream-200":
                        c["state"] = "stream-ended"
                    else:
                        c["state"] = "incomplete-status-line" if c["buf"] else "server-closed"
                    c["closed_after"] = time.perf_counter() - c["t_open"]
                    self.finish(s, c)
                    continue
                if c["state"] == "stream-200":
                    continue  # discard event bytes
                c["buf"] += d
                line = c["buf"].split(b"\r\n", 1)[0]
                m = STATUS_RE.match(line) if b"\r\n" in c["buf"] else None
                if m is None and (b"\r\n" in c["buf"] or len(c["buf"]) > 200):
                    c["state"] = "non-http"
                    self.finish(s, c)
                elif m:
                    code = m.group(2).decode()
                    if c["hold200"] and code == "200":
                        c["state"] = "stream-200"
                        c["buf"] = b"x"
                    else:
                        c["state"] = "answered." + code
                        c["answered_after"] = time.perf_counter() - c["t_open"]
                        self.finish(s, c)

    def flush(self, s, c):
        try:
            if c["pending"]:
                n = s.send(c["pending"])
                c["pending"] = c["pending"][n:]
        except BlockingIOError:
            pass
        except OSError:
            c["state"] = "reset"
            self.finish(s, c)
            return
        self.sel.modify(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if c["pending"] else 0), c)

    def trickle(self):
        for s, c in list(self.conns.items()):
            if c["state"] == "open" and c["trickle"] and not c["pending"]:
                b = c["trickle"][c["ti"] % len(c["trickle"]):c["ti"] % len(c["trickle"]) + 1]
                c["ti"] += 1
                try:
                    s.send(b)
                except BlockingIOError:
                    pass
                except OSError:
                    c["state"] = "reset"
                    self.finish(s, c)

    def hold(self, seconds):
        t_end = time.perf_counter() + seconds
        nxt = time.perf_counter() + self.every
        while time.perf_counter() < t_end:
            self.poll(min(0.2, max(0.0, t_end - time.perf_counter())))
            if time.perf_counter() >= nxt:
                self.trickle()
                nxt += self.every

    def summary(self):
        per = {}
        for c in self.conns.values():
            k = c["kind"]
            d = per.setdefault(k, {"attempted": 0, "connected": 0, "held_at_end": 0, "outcomes": Counter(),
                                   "closed_after_s": []})
            d["attempted"] += 1
            if c["state"] != "connect-timeout" and not c["state"].startswith("connect-error"):
                d["connected"] += 1
            if c["state"] in ("open", "stream-200"):
                d["held_at_end"] += 1
            d["outcomes"][c["state"]] += 1
            if "closed_after" in c:
                d["closed_after_s"].append(c["closed_after"])
        for k, n in self.out.items():
            kind, _, what = k.partition(".")
            d = per.setdefault(kind, {"attempted": 0, "connected": 0, "held_at_end": 0, "outcomes": Counter(),
                                      "closed_after_s": []})
            d["attempted"] += n
            d["outcomes"][what] += n
        for d in per.values():
            ca = d.pop("closed_after_s")
            d["server_closed_after_s_p50"] = r1(pct(ca, 0.5))
            d["server_closed_after_s_max"] = r1(max(ca) if ca else None)
            d["outcomes"] = dict(d["outcomes"])
        return per

    def close_all(self):
        for s, c in list(self.conns.items()):
            if c["state"] in ("open", "stream-200", "connecting"):
                self.finish(s, c)
        self.sel.close()


# ---------------------------------------------------------------------------------------------------------------
# The attacks. Each returns a dict of figures; "violations" (framing / status-line problems) and "seed_5xx" are
# judged by the report.

def create_session(port, src=HOST):
    """A live mock session; a 429 / 503 (a limit from an earlier attack) is retried after its Retry-After (<= 5 s)."""
    body = b'{"avatar_id":"demo-avatar","model":"mock"}'
    t_end = time.time() + 10
    while True:
        st, resps, _ = simple("POST", "/sessions", port, body, [("Content-Type", "application/json")], src=src)
        if st == 200:
            return json.loads(resps[0]["body"])["session_id"]
        if st not in (429, 503) or time.time() > t_end:
            raise SystemExit("could not create a session: %s" % st)
        try:
            wait = float(resps[0]["headers"].get("retry-after", ["1"])[0])
        except ValueError:
            wait = 1.0
        time.sleep(max(0.1, min(wait, 5.0)))


def holder_violations(kinds):
    """Bytes that were not a complete status line (garbage, or a close in the middle of one) are violations."""
    out = []
    for kind, d in kinds.items():
        for k in ("non-http", "incomplete-status-line"):
            if d["outcomes"].get(k):
                out.append("%s: %d answer(s) without a complete status line (%s)" % (kind, d["outcomes"][k], k))
    return out


def a_conns(a):
    n = a.conns
    h = Holder(a.port, a.every)
    slow = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    t_open = time.perf_counter()
    h.open_mixed([(n - n // 2, "idle", b"", b""), (n // 2, "slow_headers", slow[:1], slow[1:])], a.connect_s)
    t_held = time.perf_counter()
    h.hold(a.hold)
    t_done = time.perf_counter()
    res = {"what": "%d connections from 8 addresses: %d idle TCP, %d slow headers (1 byte / %.0f s), held %.0f s"
           % (n, n - n // 2, n // 2, a.every, a.hold), "kinds": h.summary(),
           "window": (t_open, t_done), "opening_s": r1(t_held - t_open)}
    res["violations"] = holder_violations(res["kinds"])
    h.close_all()
    return res


def a_streams(a):
    sid = create_session(a.port)
    h = Holder(a.port, a.every)
    payload = req("GET", "/sessions/%s/events" % sid, [("Accept", "text/event-stream")])
    t_open = time.perf_counter()
    h.open(a.streams, "events", payload, hold_on_200=True, connect_s=a.connect_s)
    h.hold(a.hold)
    t_done = time.perf_counter()
    res = {"what": "%d GET /sessions/{id}/events attempts from 8 addresses for one live session, held %.0f s"
           % (a.streams, a.hold), "kinds": h.summary(), "window": (t_open, t_done)}
    res["violations"] = holder_violations(res["kinds"])
    h.close_all()
    simple("DELETE", "/sessions/" + sid, a.port)
    return res


def metrics_text(port):
    st, resps, r = simple("GET", "/metrics", port, timeout=10)
    if st != 200:
        return None, 0
    return resps[0]["body"].decode("utf-8", "replace"), len(resps[0]["body"])


def created_count(text):
    """POST /sessions answered 200, per the request counter in /metrics; None when /metrics or the family is not
    there (a server that names it otherwise is not judged on it)."""
    if text is None or "opentalking_http_requests_seconds_count{" not in text:
        return None
    n = 0.0
    for ln in text.splitlines():
        if ln.startswith("opentalking_http_requests_seconds_count{") and 'method="POST"' in ln \
                and 'route="/sessions"' in ln and 'status="200"' in ln:
            n += float(ln.rsplit(" ", 1)[1])
    return int(n)


def post_flood(port, count, threads, body, addrs, deadline):
    """POST /sessions on keep-alive connections, one per thread; returns statuses, Retry-After counts, ids."""
    lock = threading.Lock()
    out = {"statuses": Counter(), "retry_after": Counter(), "ids": [], "violations": []}
    nxt = [0]
    rq = req("POST", "/sessions", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body)

    def worker(w):
        s, buf = None, b""
        local = Counter()
        while time.time() < deadline:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= count:
                break
            try:
                if s is None:
                    s = socket.socket()
                    s.bind((addrs[w % len(addrs)], 0))
                    s.settimeout(5)
                    s.connect((HOST, port))
                    buf = b""
                s.sendall(rq)
                while True:
                    resps, problem = parse_responses(buf)
                    if problem:
                        with lock:
                            out["violations"].append("POST /sessions: " + problem)
                        raise ConnectionError(problem)
                    if resps and resps[0]["complete"] and not resps[0].get("until_close"):
                        break
                    d = s.recv(65536)
                    if not d:
                        if resps and resps[0]["complete"]:
                            break
                        raise ConnectionError("closed")
                    buf += d
                r = resps[0]
                buf = buf[buf.find(b"\r\n\r\n") + 4 + len(r["body"]):]
                local[r["status"]] += 1
                with lock:
                    if r["status"] == 200:
                        out["ids"].append(json.loads(r["body"])["session_id"])
                    elif "retry-after" in r["headers"]:
                        out["retry_after"][r["status"]] += 1
                if "close" in ",".join(r["headers"].get("connection", [])).lower():
                    s.close()
                    s = None
            except (OSError, ConnectionError, ValueError) as e:
                local["refused" if isinstance(e, ConnectionRefusedError) else
                      ("reset" if isinstance(e, (ConnectionResetError, BrokenPipeError)) else
                       ("timeout" if isinstance(e, socket.timeout) else "closed"))] += 1
                if s is not None:
                    s.close()
                s = None
                if isinstance(e, ConnectionRefusedError):
                    time.sleep(0.05)
        if s is not None:
            s.close()
        with lock:
            out["statuses"].update(local)
    ts = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=max(1, deadline - time.time() + 5))
    out["seconds"] = r1(time.perf_counter() - t0)
    out["statuses"] = {str(k): v for k, v in out["statuses"].items()}
    out["retry_after"] = {str(k): v for k, v in out["retry_after"].items()}
    return out


def a_sessions(a):
    before = created_count(metrics_text(a.port)[0])
    prompt = "p" * (60 * 1024)
    big = json.dumps({"avatar_id": "demo-avatar", "model": "mock", "llm_system_prompt": prompt}).encode()
    small = b'{"avatar_id":"demo-avatar","model":"mock"}'
    deadline = time.time() + a.max_seconds
    t_open = time.perf_counter()
    f1 = post_flood(a.port, a.big_posts, 8, big, srcs(8), deadline)
    f2 = post_flood(a.port, a.small_posts, 8, small, ["127.0.0.2"], deadline)
    t_done = time.perf_counter()
    time.sleep(0.3)   # the request counter is recorded as the response goes out
    after = created_count(metrics_text(a.port)[0])
    ids = f1["ids"] + f2["ids"]
    # every accepted session must exist; a sample is read back (GET /sessions/{id} answers 200)
    sample = ids[:: max(1, len(ids) // 50)][:50]
    found = Counter(str(simple("GET", "/sessions/" + i, a.port)[0]) for i in sample)
    res = {"what": "POST /sessions floods: %d with a 60 KB llm_system_prompt from 8 addresses (8 keep-alive "
                   "connections), then %d small ones from 127.0.0.2 as fast as 8 connections go"
                   % (a.big_posts, a.small_posts),
           "big": {k: f1[k] for k in ("statuses", "retry_after", "seconds")},
           "small": {k: f2[k] for k in ("statuses", "retry_after", "seconds")},
           "accepted": len(ids), "created_per_metrics": None if before is None or after is None else after - before,
           "sample_read_back": dict(found), "window": (t_open, t_done),
           "violations": f1["violations"] + f2["violations"]}
    if res["created_per_metrics"] is not None and res["created_per_metrics"] != len(ids):
        res["violations"].append("sessions counted by /metrics (%d) != accepted answers (%d): a refused request "
                                 "changed something or an answer was lost" % (res["created_per_metrics"], len(ids)))
    return res


def a_methods(a):
    _, size0 = metrics_text(a.port)
    lock = threading.Lock()
    st = Counter()
    nxt = [0]
    addrs = srcs(8)

    def worker(w):
        local = Counter()
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= a.methods:
                break
            r = exchange(req("M%08dX" % (i + 1), "/nope", [("Connection", "close")]), src=addrs[w], port=a.port,
                         timeout=3, close_wait=1, stop_after=lambda d: b"\r\n\r\n" in d)
            resps, problem = parse_responses(r["data"]) if r["data"] else ([], None)
            if r["connect_error"]:
                local[r["connect_error"]] += 1
            elif problem and not resps:
                local["not-a-status-line"] += 1
            elif resps:
                local[str(resps[0]["status"])] += 1
            else:
                local["reset" if r["reset"] else ("closed" if r["eof"] else "no-answer")] += 1
        with lock:
            st.update(local)
    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=600)
    t1 = time.perf_counter()
    text, size1 = metrics_text(a.port)
    junk = len(re.findall(r'method="M\d{8}X"', text)) if text else None
    res = {"what": "%d requests with made-up methods (M00000001X /nope ...), one connection each, 8 addresses"
                   % a.methods, "statuses": dict(st), "metrics_bytes_before": size0, "metrics_bytes_after": size1,
           "metrics_junk_method_series": junk, "seconds": r1(t1 - t0), "window": (t0, t1), "violations": []}
    if st.get("not-a-status-line"):
        res["violations"].append("%d answers without a complete status line" % st["not-a-status-line"])
    if text is None:
        res["violations"].append("GET /metrics did not answer 200 after the junk methods")
    elif size1 >= 512 * 1024:
        res["violations"].append("/metrics is %d bytes (>= 512 KB)" % size1)
    if junk:
        res["violations"].append("/metrics has %d series labelled with a junk method" % junk)
    return res


def a_framing(a):
    sid = create_session(a.port)
    simple("DELETE", "/sessions/" + sid, a.port)   # closed: start answers 409
    routes = [("GET", "/nope", 404), ("DELETE", "/models", 405), ("POST", "/sessions/%s/start" % sid, 409)]
    shown = {"/sessions/%s/start" % sid: "/sessions/{closed id}/start"}
    cases, violations = [], []
    for method, path, want in routes:
        for size in (5000, 100000):
            body = b"x" * size
            # 1. Connection: close and an unread body: one response, then the socket closes within 1 s.
            r = exchange(req(method, path, [("Connection", "close"), ("Content-Length", str(size)),
                                            ("Content-Type", "application/json")], body),
                         src="127.0.0.2", port=a.port, timeout=3, close_wait=1.5)
            resps, problem = parse_responses(r["data"])
            case = {"request": "%s %s body %d, Connection: close" % (method, shown.get(path, path), size),
                    "status_lines": len(resps), "statuses": [x["status"] for x in resps],
                    "closed_after_response_s": r1(r["close_after_last_s"]) if r["eof"] else None,
                    "reset": r["reset"], "send_error": r["send_error"]}
            bad = []
            if problem:
                bad.append(problem)
            if len(resps) != 1:
                bad.append("%d responses" % len(resps))
            elif resps[0]["status"] != want:
                case["note"] = "expected %d" % want
            if resps and not resps[0]["complete"]:
                bad.append("incomplete response")
            if not r["eof"] and not r["reset"]:
                bad.append("socket still open 1.5 s after the response")
            elif r["eof"] and r["close_after_last_s"] is not None and r["close_after_last_s"] >= 1.0:
                bad.append("socket closed %.1f s after the response (>= 1 s)" % r["close_after_last_s"])
            case["violations"] = bad
            cases.append(case)
            # 2. keep-alive, an unread body, then GET /healthz on the same connection: two responses, or one and
            #    a close (the server may refuse to drain); never a response to the body bytes.
            r = exchange(req(method, path, [("Content-Length", str(size)), ("Content-Type", "application/json")],
                             body) + req("GET", "/healthz", [("Connection", "close")]),
                         src="127.0.0.3", port=a.port, timeout=3, close_wait=1.5)
            resps, problem = parse_responses(r["data"])
            sts = [x["status"] for x in resps]
            case = {"request": "%s %s body %d, keep-alive, then GET /healthz" % (method, shown.get(path, path), size),
                    "status_lines": len(resps), "statuses": sts, "reset": r["reset"]}
            bad = []
            if problem:
                bad.append(problem)
            if not resps:
                bad.append("no response")
            elif len(resps) > 2 or (len(resps) == 2 and sts[1] != 200):
                bad.append("responses %s (want [%d, 200] or [%d] then close)" % (sts, want, want))
            if resps and not r["eof"] and not r["reset"]:
                bad.append("socket still open 1.5 s after the last response (the last request said Connection: "
                           "close)")
            case["violations"] = bad
            cases.append(case)
    # 3. pipelining: four requests in one write, four responses in order.
    pipe = (req("GET", "/healthz") + req("GET", "/models") + req("GET", "/nope") +
            req("GET", "/queue/status", [("Connection", "close")]))
    r = exchange(pipe, src="127.0.0.4", port=a.port, timeout=3, close_wait=1.5)
    resps, problem = parse_responses(r["data"])
    sts = [x["status"] for x in resps]
    bad = ([problem] if problem else []) + ([] if sts == [200, 200, 404, 200] else ["responses %s" % sts])
    if not r["eof"]:
        bad.append("socket still open 1.5 s after the response to Connection: close")
    cases.append({"request": "pipelined GET /healthz, /models, /nope, /queue/status (close)",
                  "status_lines": len(resps), "statuses": sts, "violations": bad})
    # 4. pipelining after a body that is read: POST /sessions (valid) then GET /healthz.
    b = b'{"avatar_id":"demo-avatar","model":"mock"}'
    pipe = (req("POST", "/sessions", [("Content-Type", "application/json"), ("Content-Length", str(len(b)))], b) +
            req("GET", "/healthz", [("Connection", "close")]))
    r = exchange(pipe, src="127.0.0.5", port=a.port, timeout=3, close_wait=1.5)
    resps, problem = parse_responses(r["data"])
    sts = [x["status"] for x in resps]
    bad = ([problem] if problem else []) + ([] if len(sts) == 2 and sts[1] == 200 else ["responses %s" % sts])
    if not r["eof"]:
        bad.append("socket still open 1.5 s after the response to Connection: close")
    cases.append({"request": "pipelined POST /sessions (small JSON) then GET /healthz (close)",
                  "status_lines": len(resps), "statuses": sts, "violations": bad})
    for c in cases:
        violations += ["%s: %s" % (c["request"], v) for v in c["violations"]]
    return {"what": "unread bodies of 5,000 and 100,000 bytes to 404 / 405 / 409 routes (Connection: close and "
                    "keep-alive), pipelining", "cases": cases, "violations": violations}


def a_http10(a):
    cases, violations, seed = [], [], Counter()
    for path in SEED:
        for keep in (False, True):
            hs = [("Connection", "keep-alive")] if keep else []
            r = exchange(req("GET", path, hs, version="HTTP/1.0", host=False), port=a.port, timeout=3,
                         close_wait=1.5)
            resps, problem = parse_responses(r["data"])
            bad = [problem] if problem else []
            c = {"request": "GET %s HTTP/1.0%s" % (path, " + Connection: keep-alive" if keep else ""),
                 "status_lines": len(resps)}
            if not resps:
                bad.append("no response (%s)" % ("reset" if r["reset"] else "nothing"))
            else:
                x = resps[0]
                c.update(status=x["status"], version=x["version"],
                         transfer_encoding=x["headers"].get("transfer-encoding"),
                         connection=x["headers"].get("connection"),
                         closed_after_response_s=r1(r["close_after_last_s"]) if r["eof"] else None)
                seed[str(x["status"])] += 1
                if x["status"] != 200:
                    bad.append("status %d" % x["status"])
                if x["headers"].get("transfer-encoding"):
                    bad.append("Transfer-Encoding %s in an HTTP/1.0 response" % x["headers"]["transfer-encoding"])
                if not x["complete"]:
                    bad.append("incomplete response")
                if len(resps) > 1:
                    bad.append("%d responses to one request" % len(resps))
                if not keep and not r["eof"]:
                    bad.append("socket still open 1.5 s after the response (no keep-alive asked)")
                if keep and x["status"] == 200 and not r["eof"]:
                    # kept open as asked: a second request on it must be answered
                    c["kept_alive"] = True
                elif keep:
                    c["kept_alive"] = False
            c["violations"] = bad
            cases.append(c)
    # an event stream over HTTP/1.0: a 200 with no chunked encoding; the body is raw SSE ended by close
    sid = create_session(a.port)
    r = exchange(req("GET", "/sessions/%s/events" % sid, [("Accept", "text/event-stream")], version="HTTP/1.0",
                     host=False), port=a.port, timeout=3, close_wait=1.5)
    resps, problem = parse_responses(r["data"])
    bad = [problem] if problem else []
    c = {"request": "GET /sessions/{id}/events HTTP/1.0", "status_lines": len(resps)}
    if not resps:
        bad.append("no response")
    else:
        x = resps[0]
        c.update(status=x["status"], version=x["version"], transfer_encoding=x["headers"].get("transfer-encoding"),
                 content_length=x["headers"].get("content-length"), body_start=x["body"][:30].decode("latin-1"))
        if x["status"] != 200:
            bad.append("status %d" % x["status"])
        elif x["headers"].get("transfer-encoding"):
            bad.append("chunked event stream over HTTP/1.0")
        elif x["headers"].get("content-length"):
            bad.append("Content-Length on an event stream (must end by close)")
        elif x["body"] and not re.match(rb"(:|event:|data:|id:|retry:)", x["body"].lstrip(b"\n")):
            bad.append("body does not start as SSE: %r" % x["body"][:30])
    c["violations"] = bad
    cases.append(c)
    simple("DELETE", "/sessions/" + sid, a.port)
    for c in cases:
        violations += ["%s: %s" % (c["request"], v) for v in c["violations"]]
    return {"what": "HTTP/1.0 on the four seed endpoints (with and without Connection: keep-alive) and an event "
                    "stream", "cases": cases, "violations": violations,
            "seed_5xx_http10": sum(n for k, n in seed.items() if k.startswith("5"))}


def a_slowbody(a):
    n = a.slowbody
    h = Holder(a.port, a.every)
    head = b"POST /sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    never = head + b"Content-Length: 60000\r\n\r\n{\"avatar_id\""
    drip = head + b"Content-Length: 1000\r\n\r\n"
    big_head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(
        b"X-Pad-%03d: %s\r\n" % (i, b"v" * 180) for i in range(75))   # ~14 KB, under a 16 KB limit, never ended
    t0 = time.perf_counter()
    h.open_mixed([(n // 3, "content_length_never_sent", never, b""),
                  (n // 3, "body_1_byte_per_interval", drip, b"{" + b" " * 998 + b"}"),
                  (n - 2 * (n // 3), "14KB_head_never_ended", big_head, b"X-More: y\r\n")], a.connect_s)
    h.hold(a.hold)
    t1 = time.perf_counter()
    res = {"what": "%d connections from 8 addresses: POST /sessions with Content-Length 60000 and 12 bytes sent; a "
                   "body sent 1 byte / %.0f s; a 14 KB request head never finished; held %.0f s"
                   % (n, a.every, a.hold), "kinds": h.summary(), "window": (t0, t1)}
    res["violations"] = holder_violations(res["kinds"])
    h.close_all()
    return res


ATTACKS = {"conns": a_conns, "streams": a_streams, "sessions": a_sessions, "methods": a_methods,
           "framing": a_framing, "http10": a_http10, "slowbody": a_slowbody}


def run_attack(a):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    rss0 = rss_mb(a.pid)
    prober = Prober(a.port)
    sampler = RssSampler(a.pid)
    prober.start()
    sampler.start()
    t0 = time.perf_counter()
    err = None
    try:
        res = ATTACKS[a.name](a)
    except (Exception, SystemExit) as e:  # noqa: BLE001 - an attack that cannot go on is reported, not hidden
        res = {"what": a.name, "violations": []}
        err = "%s: %s" % (type(e).__name__, e)
    t1 = time.perf_counter()
    time.sleep(0.5)
    prober.stop_ev.set()
    sampler.stop_ev.set()
    prober.join(5)
    sampler.join(5)
    w = res.pop("window", (t0, t1))
    res["healthz_during"] = prober.stats(w[0], w[1])
    res["healthz_all"] = prober.stats()
    res["rss_before_mb"] = r1(rss0)
    res["rss_max_mb"] = r1(sampler.max)
    res["rss_after_mb"] = r1(rss_mb(a.pid))
    res["alive"] = proc_alive(a.pid)
    res["died_after_s"] = r1(sampler.died_at)
    res["seconds"] = r1(t1 - t0)
    res["error"] = err
    res["fd_limit"] = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    seed = {}
    if res["alive"]:
        for p in SEED:
            seed[p] = simple("GET", p, a.port)[0]
    res["seed_after"] = {k: str(v) for k, v in seed.items()}
    res.setdefault("violations", [])
    with open(a.out, "w") as f:
        json.dump({"name": a.name, **res}, f, indent=1, default=str)
    print(brief(a.name, res))


def fmt_outcomes(o):
    return ", ".join("%s:%d" % kv for kv in sorted(o.items(), key=lambda kv: -kv[1]))


def brief(name, r):
    lines = ["== %s: %s" % (name, r.get("what"))]
    for kind, d in (r.get("kinds") or {}).items():
        lines.append("   %-26s attempted %d, connected %d, held at the end %d; server closed after p50 %s s "
                     "(max %s); outcomes %s" % (kind, d["attempted"], d["connected"], d["held_at_end"],
                                                d["server_closed_after_s_p50"], d["server_closed_after_s_max"],
                                                fmt_outcomes(d["outcomes"])))
    for k in ("big", "small"):
        if k in r:
            lines.append("   %-6s answers %s; refused with Retry-After %s; %s s" % (
                k, fmt_outcomes(r[k]["statuses"]), r[k]["retry_after"] or "{}", r[k]["seconds"]))
    if "accepted" in r:
        lines.append("   accepted %d; sessions created per /metrics %s; %d accepted ids read back: %s" % (
            r["accepted"], r["created_per_metrics"], sum(r["sample_read_back"].values()), r["sample_read_back"]))
    if name == "methods":
        lines.append("   answers %s; /metrics %s -> %s bytes, %s series with a junk method; %s s" % (
            fmt_outcomes(r.get("statuses", {})), r.get("metrics_bytes_before"), r.get("metrics_bytes_after"),
            r.get("metrics_junk_method_series"), r.get("seconds")))
    for c in r.get("cases", []):
        extra = {k: v for k, v in c.items() if k not in ("request", "violations")}
        lines.append("   %-66s %s%s" % (c["request"], json.dumps(extra, default=str),
                                         ("  VIOLATION: " + "; ".join(c["violations"])) if c["violations"] else ""))
    hd = r["healthz_during"]
    lines.append("   /healthz from 127.0.0.1 during: %d GETs, p50 %s ms, p99 %s ms, max %s ms, answers %s" % (
        hd["count"], hd["p50_ms"], hd["p99_ms"], hd["max_ms"], hd["statuses"]))
    lines.append("   RSS %s -> max %s -> %s MB; alive %s%s; seed endpoints after: %s; %s s%s" % (
        r["rss_before_mb"], r["rss_max_mb"], r["rss_after_mb"], "yes" if r["alive"] else "NO",
        "" if r["died_after_s"] is None else " (gone %.1f s into the attack)" % r["died_after_s"],
        r["seed_after"] or "-", r["seconds"], ("; attack error: " + r["error"]) if r.get("error") else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# The verdict.

def report(files, smoke, exits):
    notes = {}
    for ln in (open(exits).read().splitlines() if exits and os.path.exists(exits) else []):
        k, _, v = ln.partition(" ")
        notes[k] = v
    fails, rows = [], []
    for path in files:
        r = json.load(open(path))
        n = r["name"]
        if not r["alive"]:
            fails.append("%s: the server died (%s)" % (n, notes.get(n, "?")))
        hd = r["healthz_during"]
        p99 = hd["p99_ms"]
        if n in ("conns", "streams") and (p99 is None or p99 >= 100):
            msg = "%s: /healthz p99 %s ms during the attack (target < 100)" % (n, p99)
            fails.append(msg if not smoke else msg + " [smoke: reported, not judged]")
        if r["rss_max_mb"] and r["rss_max_mb"] >= 256:
            fails.append("%s: RSS reached %.1f MB (target < 256)" % (n, r["rss_max_mb"]))
        for v in r.get("violations", []):
            fails.append("%s: %s" % (n, v))
        garbled = r["healthz_all"]["statuses"].get("ValueError", 0)
        if garbled:
            fails.append("%s: %d /healthz answers were not whole HTTP responses" % (n, garbled))
        s5 = hd["5xx"] + sum(1 for v in r["seed_after"].values() if v.startswith("5")) + r.get("seed_5xx_http10", 0)
        if s5:
            fails.append("%s: %d 5xx answers on the seed endpoints" % (n, s5))
        if r.get("error"):
            fails.append("%s: the attack could not finish: %s" % (n, r["error"]))
        rows.append("%-9s alive %-3s  /healthz during p50 %6s p99 %7s ms  RSS %6s -> max %6s -> %6s MB  %d violation(s)"
                    % (n, "yes" if r["alive"] else "NO", hd["p50_ms"], p99, r["rss_before_mb"], r["rss_max_mb"],
                       r["rss_after_mb"], len(r.get("violations", []))))
    print("Drill: hostile traffic%s" % (" [smoke]" if smoke else ""))
    for row in rows:
        print("  " + row)
    judged = [f for f in fails if "not judged" not in f]
    for f in fails:
        print("  MISS: " + f)
    print("  result: %s" % ("PASS" if not judged else "FAIL (%d target(s) missed)" % len(judged)))
    return 1 if judged else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    at = sub.add_parser("attack")
    at.add_argument("name", choices=sorted(ATTACKS))
    at.add_argument("--port", type=int, required=True)
    at.add_argument("--pid", type=int, required=True)
    at.add_argument("--out", required=True)
    at.add_argument("--smoke", action="store_true")
    at.add_argument("--conns", type=int, default=6000)
    at.add_argument("--streams", type=int, default=3000)
    at.add_argument("--big-posts", type=int, default=1500)
    at.add_argument("--small-posts", type=int, default=3000)
    at.add_argument("--methods", type=int, default=20000)
    at.add_argument("--slowbody", type=int, default=600)
    at.add_argument("--hold", type=float, default=40)
    at.add_argument("--every", type=float, default=3)
    at.add_argument("--connect-s", type=float, default=15)
    at.add_argument("--max-seconds", type=float, default=120)
    rp = sub.add_parser("report")
    rp.add_argument("files", nargs="+")
    rp.add_argument("--smoke", action="store_true")
    rp.add_argument("--exits")
    a = ap.parse_args()
    if a.cmd == "report":
        sys.exit(report(a.files, a.smoke, a.exits))
    caps = {"conns": 20000, "streams": 10000, "big_posts": 5000, "small_posts": 300000, "methods": 100000,
            "slowbody": 5000}
    for k, cap in caps.items():
        setattr(a, k, max(0, min(getattr(a, k), cap)))
    a.hold = max(1.0, min(a.hold, 120.0))
    run_attack(a)


if __name__ == "__main__":
    main()
