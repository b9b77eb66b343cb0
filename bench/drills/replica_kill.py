#!/usr/bin/env python3
"""The choreography of bench/drills/replica-kill.sh (which starts Redis and the three replicas).

Replica 1 holds the only slot (session s1), replicas 2 and 3 each have a waiting session (s2, s3). Replica 1 is
killed with SIGKILL; a watcher samples every session's state and the Redis holder count every ~10 ms, from
before the kill to the end. Prints the report; exit 1 on a lost or doubly held slot.
"""
import argparse
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time

HOLDERS = "opentalking:flashtalk_queue:holders"
WAITING = "opentalking:flashtalk_queue:waiting"
LIVE = ("created", "running")


def now_ms():
    return int(time.time() * 1000)


class Http:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, body=None):
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                headers = {"Content-Type": "application/json"} if body is not None else {}
                self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                try:
                    return r.status, json.loads(data or b"null")
                except ValueError:
                    return r.status, None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.buf = b""

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("redis closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        if line[:1] != b":":
            raise ValueError("unexpected reply %r" % line)
        return int(line[1:])


class Watcher(threading.Thread):
    """Samples s2, s3 (on their replicas), then s1 (on replica 2), then the holder count.

    Reading the waiters first matters: the queue closes s1 before it grants s2, so a sample that saw s2
    created and then still sees s1 created has caught a real double hold, never a race of the reads.
    """

    def __init__(self, sessions, redis_port):
        super().__init__(daemon=True)
        self.sessions = sessions  # list of (name, id, Http)
        self.redis = Redis(redis_port)
        self.stop = False
        self.samples = 0
        self.started = time.time()
        self.ended = None
        self.violations = []
        self.max_holders = 0
        self.max_live = 0
        self.errors = {}
        self.first_created = {}
        self.last = {}

    def run(self):
        deadline = time.time() + 120
        while not self.stop and time.time() < deadline:
            t = now_ms()
            states = {}
            for name, sid, client in self.sessions:
                try:
                    st, body = client.call("GET", "/sessions/" + sid)
                except OSError as e:
                    self.errors[type(e).__name__] = self.errors.get(type(e).__name__, 0) + 1
                    continue
                if st != 200:
                    self.errors[str(st)] = self.errors.get(str(st), 0) + 1
                    continue
                states[name] = body
                if body.get("state") in LIVE and name not in self.first_created:
                    self.first_created[name] = t
            holders = self.redis.cmd("ZCARD", HOLDERS)
            live = [n for n, b in states.items() if b.get("state") in LIVE]
            self.max_live = max(self.max_live, len(live))
            self.max_holders = max(self.max_holders, holders)
            if len(live) > 1 or holders > 1:
                self.violations.append((t, live, holders))
            self.last = states
            self.samples += 1
            time.sleep(0.01)
        self.ended = time.time()


def wait_for(pred, bound_s, step=0.01):
    end = time.time() + bound_s
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports", required=True, help="replica ports p1,p2,p3")
    ap.add_argument("--pid1", type=int, required=True)
    ap.add_argument("--redis-port", type=int, required=True)
    ap.add_argument("--lease-ms", type=int, default=3000)
    ap.add_argument("--watch-after", type=float, default=3)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    p1, p2, p3 = (int(x) for x in a.ports.split(","))
    r1, r2, r3 = Http(p1), Http(p2), Http(p3)
    hard = []
    body = {"avatar_id": "demo-avatar", "model": "flashtalk"}

    st, b1 = r1.call("POST", "/sessions", body)
    assert st == 200 and b1["status"] == "created", "replica 1 did not get the slot: %s %s" % (st, b1)
    st, b2 = r2.call("POST", "/sessions", body)
    assert st == 200 and b2["status"] == "queued", "replica 2's session is not queued: %s %s" % (st, b2)
    st, b3 = r3.call("POST", "/sessions", body)
    assert st == 200 and b3["status"] == "queued", "replica 3's session is not queued: %s %s" % (st, b3)
    s1, s2, s3 = b1["session_id"], b2["session_id"], b3["session_id"]
    pos2 = r2.call("GET", "/sessions/" + s2)[1].get("queue_position")
    pos3 = r3.call("GET", "/sessions/" + s3)[1].get("queue_position")
    if (pos2, pos3) != (1, 2):
        hard.append("positions before the kill are %s, %s (expected 1, 2)" % (pos2, pos3))

    w = Watcher([("s2", s2, Http(p2)), ("s3", s3, Http(p3)), ("s1", s1, Http(p2))], a.redis_port)
    w.start()
    time.sleep(1.0)  # a few renewals and sweeps in the steady state
    t_kill = now_ms()
    os.kill(a.pid1, signal.SIGKILL)

    bound = a.lease_ms / 1000 * 3 + 10
    granted = wait_for(lambda: w.first_created.get("s2"), bound)
    if granted is None:
        hard.append("the first waiter was not granted the slot within %.0f s (lost slot)" % bound)
    s3_pos_ok = wait_for(lambda: (r3.call("GET", "/sessions/" + s3)[1] or {}).get("queue_position") == 1, 3)
    pos3_after = (r3.call("GET", "/sessions/" + s3)[1] or {}).get("queue_position")
    if not s3_pos_ok:
        hard.append("the other waiter's position is %s after the grant (expected 1)" % pos3_after)
    s1_final = wait_for(lambda: (lambda b: b if b and b.get("state") in ("closed", "error") else None)(
        r2.call("GET", "/sessions/" + s1)[1]), 5)
    time.sleep(a.watch_after)

    # The queue moves on: giving s2 back grants s3 (on replica 3).
    t_del = now_ms()
    st_del, _ = r2.call("DELETE", "/sessions/" + s2)
    s3_granted = wait_for(lambda: w.first_created.get("s3"), 5)
    if st_del != 200 or s3_granted is None:
        hard.append("after DELETE of the first waiter (HTTP %s), the second waiter was not granted" % st_del)
    time.sleep(0.3)
    w.stop = True
    w.join(5)
    r3.call("DELETE", "/sessions/" + s3)
    redis = Redis(a.redis_port)
    end_holders, end_waiting = redis.cmd("ZCARD", HOLDERS), redis.cmd("ZCARD", WAITING)
    if end_holders or end_waiting:
        hard.append("queue not empty at the end: %d holders, %d waiting" % (end_holders, end_waiting))
    if w.violations:
        hard.append("%d samples saw more than one live session or holder (first: %s)" % (
            len(w.violations), w.violations[0]))
    if s1_final is None:
        hard.append("the killed replica's session still reports a live state")
    if w.samples < 10:
        hard.append("the watcher took only %d samples" % w.samples)

    print("Drill: replica holding the only slot killed (kill -9)%s" % (" [smoke]" if a.smoke else ""))
    print("  3 replicas on one Redis, OPENTALKING_FLASHTALK_SLOTS=1, OPENTALKING_QUEUE_LEASE_MS=%d" % a.lease_ms)
    print("  before: s1 created on replica 1; s2 queued (position %s) on replica 2; s3 queued (position %s) on replica 3"
          % (pos2, pos3))
    span = ((w.ended or time.time()) - w.started) * 1000
    print("  watcher: %d samples of every session's state and the Redis holder count, one every %.0f ms on "
          "average; read errors %s" % (w.samples, span / max(1, w.samples), w.errors or "none"))
    print("  lost:")
    print("    samples with more than one session created/running ... %d (must be 0; max live seen %d)"
          % (sum(1 for v in w.violations if len(v[1]) > 1), w.max_live))
    print("    samples with more than one Redis holder ............... %d (must be 0; max seen %d)"
          % (sum(1 for v in w.violations if v[2] > 1), w.max_holders))
    print("    slot never handed on (first waiter not granted) ....... %s" % ("no" if granted else "YES"))
    print("    queue left at the end (holders, waiting) .............. %d, %d (must be 0, 0)" % (end_holders, end_waiting))
    print("  timings:")
    print("    kill -> first waiter (s2) shows state created ......... %s ms  (lease %d ms)"
          % ("-" if granted is None else granted - t_kill, a.lease_ms))
    print("    other waiter (s3) position after the grant ............ %s (expected 1)" % pos3_after)
    print("    killed replica's session s1 afterwards ................ %s" % (
        "%s (%s)" % (s1_final.get("state"), s1_final.get("reason", "")) if s1_final else "still live (!)"))
    print("    DELETE s2 -> s3 shows state created ................... %s ms"
          % ("-" if s3_granted is None else s3_granted - t_del))
    print("  result: %s" % ("PASS" if not hard else "FAIL: " + "; ".join(hard)))
    return 1 if hard else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print("  result: FAIL: %s" % e)
        sys.exit(1)
