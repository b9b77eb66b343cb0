#!/usr/bin/env python3
"""The fault checker behind bench/drills/queue-safety.sh (which starts Redis and three replicas).

Clients create, hold and delete flashtalk sessions while a seeded random schedule of faults runs: SIGSTOP/SIGCONT
and kill -9 (then restart) of a replica, Redis restart (empty), FLUSHALL, DEL of a holder's record, DEBUG SLEEP,
CLIENT PAUSE, and replica 3's connections through a TCP proxy that drops, delays or blackholes them. Every grant
and end each client is told is recorded with the server's time of the change (the record's updated_at, which is
when the events went out) or, for a DELETE, the time the client sent it. Checks:
  holders   never more sessions believed to hold a slot than slots (a holder counts until it is told otherwise)
  fifo      of two queued sessions, the one queued first (its answer before the other's request) is granted first
  ghost     no slot held in Redis for a session without a record for longer than a lease (+1 s)
  settle    once quiet, every session is over or holds a slot (a live record matches the queue keys)
  status    once quiet, /queue/status equals the queue keys
Prints the seed, the schedule and every violation with the history around it; exit 1 on a violation.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

HOLDERS = "opentalking:flashtalk_queue:holders"
WAITING = "opentalking:flashtalk_queue:waiting"
LIVE = ("created", "running")
BODY = {"avatar_id": "demo-avatar", "model": "flashtalk"}


def now():
    return time.time()


def resp(port, *args, timeout=2.0):
    """One Redis command over RESP; returns the parsed reply or raises OSError."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args]))
        f = s.makefile("rb")
        return _read(f)


def _read(f):
    line = f.readline()
    if not line:
        raise OSError("closed")
    t, rest = line[:1], line[1:-2]
    if t in (b"+", b"-"):
        return rest.decode()
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    if t == b"*":
        return [_read(f) for _ in range(int(rest))]
    raise OSError("bad reply")


def call(port, method, path, body=None, timeout=2.0):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"} if body is not None else {})
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            return r.status, json.loads(data) if data else {}
        except ValueError:
            return r.status, {}
    except (OSError, http.client.HTTPException):
        return None, {}


def server_time(doc):
    try:
        return datetime.datetime.fromisoformat(doc["updated_at"].replace("Z", "+00:00")).timestamp()
    except (KeyError, ValueError):
        return now()


class Proxy(threading.Thread):
    """A TCP proxy to Redis: pass, delay (each chunk held), blackhole (bytes swallowed) or drop (connections cut)."""

    def __init__(self, listen, target):
        super().__init__(daemon=True)
        self.target, self.mode, self.delay = target, "pass", 0.0
        self.conns = []
        self.lock = threading.Lock()
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", listen))
        self.srv.listen(64)

    def run(self):
        while True:
            a, _ = self.srv.accept()
            if self.mode == "blackhole":
                with self.lock:
                    self.conns.append(a)
                continue
            try:
                b = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                a.close()
                continue
            with self.lock:
                self.conns += [a, b]
            for x, y in ((a, b), (b, a)):
                threading.Thread(target=self.pump, args=(x, y), daemon=True).start()

    def pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.mode == "blackhole":
                    time.sleep(0.02)
                if self.mode == "delay":
                    time.sleep(self.delay)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def drop(self):
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.conns = []


class World:
    def __init__(self, a):
        self.a = a
        self.ports = [int(p) for p in a.ports.split(",")]
        self.pids = [int(p) for p in a.pids.split(",")]
        self.frozen = set()
        self.log = []          # (time, text): every belief and fault, for the history around a violation
        self.lock = threading.Lock()
        self.holding = {}      # sid -> (grant time, client)
        self.intervals = []    # (start, end, sid)
        self.queued = []       # (answer time, request time, sid)
        self.granted_at = {}   # sid -> grant time
        self.ended_at = {}     # sid -> end time
        self.sessions = set()
        # When records were lost by a fault: GET answers 404 from that moment, so that is when the client lost
        # the session (its stream is told session_missing before the slot goes on), not when it next polls.
        self.record_lost = {}  # sid -> time
        self.all_lost = []     # times of FLUSHALL / Redis restarts
        self.violations = []
        self.stop = False

    def note(self, t, text):
        with self.lock:
            self.log.append((t, text))

    def live_port(self, rnd):
        ok = [p for i, p in enumerate(self.ports) if i not in self.frozen]
        return rnd.choice(ok or self.ports)

    def grant(self, sid, t, via):
        with self.lock:
            if sid in self.holding or sid in self.ended_at:
                return
            self.holding[sid] = t
            self.granted_at[sid] = t
        self.note(t, f"grant {sid[:8]} ({via})")

    def end(self, sid, t, why):
        with self.lock:
            if sid in self.ended_at:
                return
            self.ended_at[sid] = t
            start = self.holding.pop(sid, None)
            if start is not None:
                self.intervals.append((start, t, sid))
        self.note(t, f"end {sid[:8]} ({why})")


def client(w, n, rnd):
    while not w.stop:
        port = w.live_port(rnd)
        t_req = now()
        st, doc = call(port, "POST", "/sessions", BODY)
        t_ans = now()
        if st != 200:
            time.sleep(0.2)
            continue
        sid = doc["session_id"]
        w.sessions.add(sid)
        w.note(t_ans, f"client {n} {sid[:8]} answered {doc.get('status')} via {port}")
        if doc.get("status") == "created":
            w.grant(sid, server_time(doc), "POST")
        else:
            with w.lock:
                w.queued.append((t_ans, t_req, sid))
        hold_for = rnd.uniform(0.3, 1.5)
        deadline = None
        while not w.stop:
            st, d = call(w.live_port(rnd), "GET", "/sessions/" + sid, timeout=1.0)
            if st == 404:
                t = now()
                lost = [x for x in w.all_lost + [w.record_lost.get(sid, 0)] if 0 < x <= t]
                w.end(sid, max(lost) if lost else t, "record gone")
                break
            if st == 200:
                state = d.get("state")
                if state in LIVE:
                    w.grant(sid, server_time(d), "GET")
                    deadline = deadline or now() + hold_for
                elif state in ("closed", "error"):
                    w.end(sid, server_time(d), f"{state} {d.get('reason', '')}")
                    break
            if deadline and now() >= deadline:
                w.end(sid, now(), "DELETE sent")
                call(w.live_port(rnd), "DELETE", "/sessions/" + sid)
                break
            time.sleep(0.1)


def ghost_watch(w):
    """Holders in Redis whose record is gone, and for how long."""
    since = {}
    while not w.stop:
        try:
            holders = resp(w.a.redis_port, "ZRANGE", HOLDERS, "0", "-1") or []
            t = now()
            for sid in holders:
                if not resp(w.a.redis_port, "EXISTS", "opentalking:session:" + sid):
                    first = since.setdefault(sid, t)
                    if t - first > w.a.lease_ms / 1000 + 1.0:
                        w.violations.append((t, f"ghost: {sid[:8]} held without a record for {t - first:.1f} s"))
                        since[sid] = float("inf")
                else:
                    since.pop(sid, None)
            for sid in list(since):
                if sid not in holders:
                    since.pop(sid)
        except (OSError, TypeError):
            pass
        time.sleep(0.2)


FAULTS = ["freeze", "kill", "redis_restart", "flushall", "del_record", "debug_sleep", "client_pause",
          "proxy_drop", "proxy_delay", "proxy_blackhole"]


def run_fault(w, kind, rnd, proxy):
    a, lease = w.a, w.a.lease_ms / 1000
    t = now()
    w.note(t, f"FAULT {kind} begins")
    if kind == "freeze":
        i = rnd.randrange(len(w.pids))
        w.frozen.add(i)
        os.kill(w.pids[i], signal.SIGSTOP)
        time.sleep(rnd.uniform(0.3, 1.2 * lease))
        os.kill(w.pids[i], signal.SIGCONT)
        w.frozen.discard(i)
    elif kind == "kill":
        i = rnd.randrange(len(w.pids))
        w.frozen.add(i)
        os.kill(w.pids[i], signal.SIGKILL)
        time.sleep(0.5)
        env = dict(os.environ, OPENTALKING_API_PORT=str(w.ports[i]), OPENTALKING_REDIS_URL=a.urls.split(",")[i])
        p = subprocess.Popen(a.java_cmd.split(), env=env, cwd=a.repo, stdout=open(f"{a.results}/restart-{i}.log", "a"),
                             stderr=subprocess.STDOUT)
        w.pids[i] = p.pid
        w.children.append(p)
        for _ in range(300):
            if call(w.ports[i], "GET", "/healthz", timeout=0.5)[0] == 200:
                break
            time.sleep(0.1)
        w.frozen.discard(i)
    elif kind == "redis_restart":
        w.all_lost.append(now())
        try:
            resp(a.redis_port, "SHUTDOWN", "NOSAVE")
        except OSError:
            pass
        time.sleep(rnd.uniform(0.2, 1.0))
        w.children.append(subprocess.Popen(["redis-server", "--port", str(a.redis_port), "--bind", "127.0.0.1",
                                            "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL))
        for _ in range(100):
            try:
                if resp(a.redis_port, "PING") == "PONG":
                    break
            except OSError:
                time.sleep(0.05)
    elif kind == "flushall":
        w.all_lost.append(now())
        resp(a.redis_port, "FLUSHALL")
    elif kind == "del_record":
        holders = resp(a.redis_port, "ZRANGE", HOLDERS, "0", "-1") or []
        if holders:
            sid = rnd.choice(holders)
            w.record_lost[sid] = now()
            resp(a.redis_port, "DEL", "opentalking:session:" + sid)
    elif kind == "debug_sleep":
        try:
            resp(a.redis_port, "DEBUG", "SLEEP", f"{rnd.uniform(0.2, 0.6 * lease):.2f}", timeout=30)
        except OSError:
            pass
    elif kind == "client_pause":
        resp(a.redis_port, "CLIENT", "PAUSE", str(int(rnd.uniform(200, 600 * lease))))
    elif kind.startswith("proxy_"):
        if kind == "proxy_drop":
            proxy.drop()
        else:
            proxy.mode, proxy.delay = kind[6:], rnd.uniform(0.05, 0.3)
            time.sleep(rnd.uniform(0.5, 1.5 * lease))
            proxy.mode = "pass"
            if kind == "proxy_blackhole":
                proxy.drop()
    w.note(now(), f"FAULT {kind} ends")


def check_holders(w, slots):
    points = sorted([(s, 1, sid) for s, e, sid in w.intervals] + [(e, -1, sid) for s, e, sid in w.intervals]
                    + [(s, 1, sid) for sid, s in w.holding.items()], key=lambda x: (x[0], x[1]))
    held = set()
    for t, d, sid in points:
        if d < 0:
            held.discard(sid)
        else:
            held.add(sid)
            if len(held) > slots:
                w.violations.append((t, f"holders: {len(held)} believed to hold {slots} slot(s): "
                                        + ", ".join(x[:8] for x in sorted(held))))


def check_fifo(w):
    q = sorted(w.queued)
    for i, (ans_x, _, x) in enumerate(q):
        for ans_y, req_y, y in q[i + 1:]:
            if ans_x >= req_y:
                continue
            gx, gy = w.granted_at.get(x), w.granted_at.get(y)
            ex = w.ended_at.get(x)
            if gy is not None and (gx is None or gy < gx) and (ex is None or ex > gy):
                w.violations.append((gy, f"fifo: {y[:8]} granted before {x[:8]}, queued earlier and still waiting"))


def settle(w):
    a = w.a
    time.sleep(2 * a.lease_ms / 1000 + 1)
    holders = set(resp(a.redis_port, "ZRANGE", HOLDERS, "0", "-1") or [])
    waiting = set(resp(a.redis_port, "ZRANGE", WAITING, "0", "-1") or [])
    for sid in sorted(w.sessions):
        st, d = call(w.ports[0], "GET", "/sessions/" + sid)
        state = d.get("state") if st == 200 else "absent"
        if state in LIVE and sid not in holders:
            w.violations.append((now(), f"settle: {sid[:8]} is {state} but holds no slot"))
        if state == "queued" and sid not in waiting:
            w.violations.append((now(), f"settle: {sid[:8]} is queued but not waiting"))
        if state not in LIVE + ("queued",) and (sid in holders or sid in waiting):
            w.violations.append((now(), f"settle: {sid[:8]} is {state} but still in the queue"))
    for p in w.ports:
        st, d = call(p, "GET", "/queue/status")
        want = {"slot_occupied": bool(holders), "queue_size": len(waiting)}
        if st != 200 or d.get("slot_occupied") != want["slot_occupied"] or d.get("queue_size") != want["queue_size"]:
            w.violations.append((now(), f"status: replica {p} answered {d} but the keys say {want}"))


def main():
    ap = argparse.ArgumentParser()
    for k in ("ports", "pids", "urls", "java_cmd", "repo", "results"):
        ap.add_argument("--" + k.replace("_", "-"), required=True)
    ap.add_argument("--redis-port", type=int, required=True)
    ap.add_argument("--proxy-port", type=int, required=True)
    ap.add_argument("--lease-ms", type=int, required=True)
    ap.add_argument("--slots", type=int, default=1)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--clients", type=int, default=4)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    proxy = Proxy(a.proxy_port, a.redis_port)
    proxy.start()
    w = World(a)
    w.children = []
    schedule, t = [], 2.0
    while t < a.duration - 2:
        schedule.append((t, rnd.choice(FAULTS)))
        t += rnd.uniform(1.0, 2.5 * a.lease_ms / 1000)
    print(f"seed {a.seed}: schedule " + ", ".join(f"{t:.1f}s {k}" for t, k in schedule), flush=True)
    threads = [threading.Thread(target=client, args=(w, n, random.Random(a.seed * 100 + n)), daemon=True)
               for n in range(a.clients)] + [threading.Thread(target=ghost_watch, args=(w,), daemon=True)]
    for th in threads:
        th.start()
    t0 = now()
    for at, kind in schedule:
        time.sleep(max(0.0, t0 + at - now()))
        run_fault(w, kind, rnd, proxy)
    time.sleep(max(0.0, t0 + a.duration - now()))
    w.stop = True
    for th in threads:
        th.join(5)
    check_holders(w, a.slots)
    check_fifo(w)
    settle(w)
    grants = len(w.granted_at)
    print(f"seed {a.seed}: {len(w.sessions)} sessions, {grants} grants, {len(schedule)} faults, "
          f"{len(w.violations)} violation(s)")
    for vt, text in sorted(w.violations)[:10]:
        print("VIOLATION at +%.2fs: %s" % (vt - t0, text))
        for lt, line in w.log:
            if vt - 3 <= lt <= vt + 0.5:
                print("    +%.2fs %s" % (lt - t0, line))
    for c in w.children:  # the replicas and the Redis this run restarted; the script ends its own
        c.terminate()
        try:
            c.wait(10)
        except subprocess.TimeoutExpired:
            c.kill()
    sys.exit(1 if w.violations else 0)


if __name__ == "__main__":
    main()
