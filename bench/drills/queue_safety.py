#!/usr/bin/env python3
"""The fault checker behind bench/drills/queue-safety.sh (which starts Redis and three replicas).

Clients create, hold and delete flashtalk sessions while a seeded random schedule of faults runs: SIGSTOP/SIGCONT
and kill -9 (then restart) of a replica, Redis restart (empty), FLUSHALL, DEL of a holder's record, DEBUG SLEEP,
CLIENT PAUSE, and replica 3's connections through a TCP proxy that drops, delays or blackholes them. Each client
follows its session's event stream (GET /sessions/{id}/events, resumed with Last-Event-ID on another replica when
it breaks) and polls GET /sessions/{id} every 100 ms. A holder interval is on one clock, the checker's: it starts
when the first message telling the client it holds arrived (POST answer, slot_acquired event or GET) and ends when
the first message telling it otherwise arrived (session.expired / session.closed event, a closed, error or 404
GET) or when the client sent its DELETE; the server's times (stream entry ids, updated_at) are printed beside them
to explain a violation, never used as bounds. Checks:
  holders   never more sessions believed to hold a slot than slots (a holder counts until it is told otherwise)
  fifo      of two queued sessions, the one queued first (its answer before the other's request) is granted first
  ghost     no slot held in Redis for a session without a record for longer than a lease (+1 s)
  settle    once quiet, every session is over or holds a slot (a live record matches the queue keys)
  status    once quiet, /queue/status equals the queue keys
Prints the seed, the schedule, per fault kind the time from the fault's end to the first grant told after it, and
every violation with the history around it; writes the whole history to <results>/history-seed<S>.txt; exit 1 on
a violation. --self-test feeds planted histories (a real overlap among them) to the checks and exits 1 if one is
missed or a clean one is reported.
"""
import argparse
import collections
import datetime
import http.client
import json
import os
import random
import re
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
MASTER = "mymaster"


def now():
    return time.time()


def resp(port, *args, timeout=2.0):
    """One Redis command over RESP; returns the parsed reply or raises OSError."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args]))
        f = s.makefile("rb")
        return _read(f)


class RedisError(str):
    """An error reply (-ERR ...): a fault that Redis refused did not happen, and the history says so."""


def _read(f):
    line = f.readline()
    if not line:
        raise OSError("closed")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        return RedisError(rest.decode())
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


def logged_end(port, sid):
    """When the server ended sid by its own event log (the stream id of its first end event: Redis' clock), or None
    (no log, no end in it, Redis unreachable). For a client told its end only by a 404 (its record deleted) or a
    DELETE of its own, the log still says when the server ended it."""
    try:
        entries = resp(port, "XRANGE", "opentalking:session_events:" + sid, "-", "+")
    except OSError:
        return None
    if not isinstance(entries, list):
        return None
    for e in entries:
        if not (isinstance(e, list) and len(e) == 2 and isinstance(e[1], list)):
            continue
        fields = dict(zip(e[1][0::2], e[1][1::2]))
        name = fields.get("event")
        try:
            message = json.loads(fields.get("data") or "{}").get("message")
        except (ValueError, AttributeError):
            message = None
        if name in ("session.expired", "session.closed") or (name == "session.queued"
                                                                and message in ("timeout", "queue_full")):
            return stream_id_time(e[0])
    return None


def server_time(doc):
    """The record's updated_at (the server's time of its last change), or None: shown beside an observation; it
    never bounds a holder interval (the clients' clock does), it only orders grants and ends for the FIFO check."""
    try:
        return datetime.datetime.fromisoformat(doc["updated_at"].replace("Z", "+00:00")).timestamp()
    except (KeyError, ValueError, AttributeError):
        return None


class Proxy(threading.Thread):
    """A TCP proxy to Redis: pass, delay (each chunk held), blackhole (bytes swallowed) or drop (connections cut)."""

    def __init__(self, listen, target, named=None):
        """target: a function giving the port to connect to (the current primary under Sentinel). named: under
        Sentinel, the primary the sentinels name (None if none answers); every connection is cut when it changes, as
        a Sentinel-aware proxy does on +switch-master. A proxy that picks the primary only for new connections keeps
        its clients on the old primary, which takes their writes until Sentinel demotes it ~10 s later: the two
        sides then hold slots on two primaries, a deployment the README tells you not to run."""
        super().__init__(daemon=True)
        self.target, self.mode, self.delay = target, "pass", 0.0
        if named is not None:
            threading.Thread(target=self.follow, args=(named,), daemon=True).start()
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
                b = socket.create_connection(("127.0.0.1", self.target()), timeout=2)
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

    def follow(self, named):
        last = named()
        while True:
            time.sleep(0.05)
            port = named()
            if port is not None and port != last:
                last = port
                self.drop()

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
    """What every client was told, on one clock: the checker's own (time.time() when a message reached a client,
    or when a client sent its DELETE). The server's own times (stream entry ids, updated_at) are kept beside each
    observation only to explain a violation; they never bound an interval."""

    def __init__(self, a):
        self.a = a
        self.ports = [int(p) for p in a.ports.split(",")]
        self.pids = [int(p) for p in a.pids.split(",")]
        self.frozen = set()
        self.log = []          # (time, text): every belief and fault, for the history around a violation
        self.lock = threading.Lock()
        self.obs = {}          # sid -> [(time told, "hold" | "end", how, server time or None)]
        self.seen = set()      # (sid, kind, channel) already written to the log
        self.queued = []       # (answer time, request time, sid)
        self.sessions = set()
        self.faults = []       # (kind, begin, end)
        self.violations = []   # (time, text, sids involved)
        self.stop = False
        self.stop_at = None
        self.sentinels = [int(p) for p in a.sentinel_ports.split(",") if p] if getattr(a, "sentinel_ports", "") else []

    def primary(self):
        """The Redis port that is the primary: under Sentinel, the one the first answering sentinel names."""
        p = self.named_primary()
        return self.a.redis_port if p is None else p

    def named_primary(self):
        """The primary the first answering sentinel names; None when none answers (or there are none)."""
        for sp in self.sentinels:
            try:
                r = resp(sp, "SENTINEL", "get-master-addr-by-name", MASTER, timeout=0.5)
                if isinstance(r, list) and len(r) == 2:
                    return int(r[1])
            except (OSError, ValueError):
                pass
        return None

    def note(self, t, text):
        with self.lock:
            self.log.append((t, text))

    def live_port(self, rnd):
        ok = [p for i, p in enumerate(self.ports) if i not in self.frozen]
        return rnd.choice(ok or self.ports)

    def told(self, sid, kind, t, how, server_t=None):
        """A client was told (or, for a DELETE, decided) that sid holds a slot ("hold") or no longer does ("end")."""
        channel = how.split()[0]
        with self.lock:
            if self.stop_at is not None and t > self.stop_at:
                return
            self.obs.setdefault(sid, []).append((t, kind, how, server_t))
            first = (sid, kind, channel) not in self.seen
            self.seen.add((sid, kind, channel))
        if first:
            extra = f" [server +{server_t - self.t0:.3f}]" if server_t is not None else ""
            self.note(t, f"{kind} {sid[:8]} ({how}){extra}")

    def state(self, sid):
        """'over' once told any end, 'holding' once told a hold (and no end), else 'waiting'."""
        with self.lock:
            kinds = {o[1] for o in self.obs.get(sid, ())}
        return "over" if "end" in kinds else "holding" if "hold" in kinds else "waiting"

    def first_hold(self, sid):
        with self.lock:
            holds = [o[0] for o in self.obs.get(sid, ()) if o[1] == "hold"]
        return min(holds) if holds else None


def belief_intervals(obs):
    """[(start, end or None, sid, start how, end how, start server time, end server time)] from what was told.

    An interval starts at the first message that told the client it holds and ends at the first later message
    that told it otherwise (whichever channel came first), so its end is never before its start. A session told
    an end before any hold (a stale grant arriving after its close) never held: closed is final, a client
    ignores what comes after it."""
    out = []
    for sid, lst in obs.items():
        holds = sorted(o for o in lst if o[1] == "hold")
        ends = sorted(o for o in lst if o[1] == "end")
        if not holds:
            continue
        h = holds[0]
        if ends and ends[0][0] < h[0]:
            continue
        e = ends[0] if ends else None
        out.append((h[0], e[0] if e else None, sid, h[2], e[2] if e else "still holding", h[3], e[3] if e else None))
    return out


def check_holders(intervals, slots):
    """Never more sessions told they hold a slot than slots, at any instant. An end and a start at the same
    instant do not overlap. Returns [(time, text, sids)]."""
    points = []
    for s, e, sid, *_ in intervals:
        points.append((s, 1, sid))
        if e is not None:
            points.append((e, -1, sid))
    points.sort(key=lambda x: (x[0], x[1]))
    held, out = set(), []
    for t, d, sid in points:
        if d < 0:
            held.discard(sid)
        else:
            held.add(sid)
            if len(held) > slots:
                out.append((t, f"holders: {len(held)} believed to hold {slots} slot(s): "
                               + ", ".join(x[:8] for x in sorted(held)), sorted(held)))
    return out


def check_fifo(queued, granted_at, ended_at):
    """Of two queued sessions, the one queued first (its answer before the other's request) is granted first."""
    q = sorted(queued)
    out = []
    for i, (ans_x, _, x) in enumerate(q):
        for ans_y, req_y, y in q[i + 1:]:
            if ans_x >= req_y:
                continue
            gx, gy = granted_at.get(x), granted_at.get(y)
            ex = ended_at.get(x)
            if gy is not None and (gx is None or gy < gx) and (ex is None or ex > gy):
                out.append((gy, f"fifo: {y[:8]} granted before {x[:8]}, queued earlier and still waiting", [x, y]))
    return out


def stream_id_time(eid):
    """A Redis stream entry id's milliseconds (Redis' clock when the event was appended), in seconds."""
    try:
        return int(eid.split("-")[0]) / 1000.0
    except (AttributeError, ValueError):
        return None


class EventStream(threading.Thread):
    """Follows GET /sessions/{id}/events on a live replica, resuming with Last-Event-ID on another one when the
    stream breaks, and tells the world each grant and end the moment its event arrives."""

    def __init__(self, w, sid, rnd):
        super().__init__(daemon=True)
        self.w, self.sid, self.rnd = w, sid, rnd
        self.last_id = None
        self.conn = None
        self.closed = False

    def close(self):
        self.closed = True
        c = self.conn
        if c is not None and c.sock is not None:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def run(self):
        w, sid = self.w, self.sid
        while not (self.closed or w.stop or w.state(sid) == "over"):
            port = w.live_port(self.rnd)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            self.conn = c
            try:
                headers = {"Accept": "text/event-stream"}
                if self.last_id:
                    headers["Last-Event-ID"] = self.last_id
                c.request("GET", f"/sessions/{sid}/events", headers=headers)
                r = c.getresponse()
                if r.status in (204, 404):
                    w.told(sid, "end", now(), f"SSE {r.status} via {port}")
                    return
                if r.status == 200:
                    self.read(r, port)
                else:
                    r.read()
            except (OSError, http.client.HTTPException, ValueError):
                pass
            finally:
                c.close()
            time.sleep(0.1)

    def read(self, r, port):
        w, sid = self.w, self.sid
        ev = {}
        while not self.closed:
            line = r.readline()
            if not line:
                return
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith(":"):
                continue
            if line:
                k, _, v = line.partition(":")
                ev[k] = v[1:] if v.startswith(" ") else v
                continue
            t = now()
            name, eid = ev.get("event"), ev.get("id")
            try:
                data = json.loads(ev.get("data", "{}"))
            except ValueError:
                data = {}
            ev = {}
            if eid:
                self.last_id = eid
            how = f"SSE {name} {data.get('message') or data.get('state') or ''} via {port}"
            st = stream_id_time(eid)
            if name == "session.queued" and data.get("message") == "slot_acquired":
                w.told(sid, "hold", t, how, st)
            elif name == "session.queued" and data.get("message") in ("timeout", "queue_full"):
                w.told(sid, "end", t, how, st)
            elif name in ("session.expired", "session.closed"):
                w.told(sid, "end", t, how, st)


def client(w, n, rnd):
    """Creates a session, follows its events and polls it (whichever tells first counts), holds it for a while
    once told it holds, then deletes it; its belief ends when it sends the DELETE."""
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
        status = doc.get("status")
        w.note(t_ans, f"client {n} {sid[:8]} answered {status} via {port}")
        if status == "created":
            w.told(sid, "hold", t_ans, f"POST created via {port}")
        elif status == "queued":
            with w.lock:
                w.queued.append((t_ans, t_req, sid))
        else:
            w.told(sid, "end", t_ans, f"POST {status} via {port}")
        stream = EventStream(w, sid, random.Random(rnd.random()))
        stream.start()
        hold_for = rnd.uniform(0.3, 1.5)
        while not w.stop and w.state(sid) != "over":
            p = w.live_port(rnd)
            st, d = call(p, "GET", "/sessions/" + sid, timeout=1.0)
            t = now()
            if st == 404:
                w.told(sid, "end", t, f"GET 404 via {p}")
            elif st == 200:
                state, upd = d.get("state"), server_time(d)
                if state in LIVE:
                    w.told(sid, "hold", t, f"GET {state} via {p}", upd)
                elif state in ("closed", "error"):
                    w.told(sid, "end", t, f"GET {state} {d.get('reason', '')} via {p}", upd)
            granted = w.first_hold(sid)
            if w.state(sid) == "holding" and granted is not None and now() >= granted + hold_for:
                p = w.live_port(rnd)
                w.told(sid, "end", now(), f"DELETE sent via {p}")
                call(p, "DELETE", "/sessions/" + sid)
                break
            time.sleep(0.1)
        stream.close()


def ghost_watch(w):
    """Holders in Redis whose record is gone, and for how long."""
    since = {}
    while not w.stop:
        try:
            primary = w.primary()
            holders = resp(primary, "ZRANGE", HOLDERS, "0", "-1") or []
            t = now()
            for sid in holders:
                if not resp(primary, "EXISTS", "opentalking:session:" + sid):
                    first = since.setdefault(sid, t)
                    if t - first > w.a.lease_ms / 1000 + 1.0:
                        w.violations.append((t, f"ghost: {sid[:8]} held without a record for {t - first:.1f} s",
                                             [sid]))
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
# Under Sentinel a failover takes the restart's place (same index, so a seed keeps the rest of its schedule).
SENTINEL_FAULTS = ["failover" if k == "redis_restart" else k for k in FAULTS]


def role(port):
    try:
        r = resp(port, "ROLE", timeout=0.5)
        return r[0] if isinstance(r, list) and r else None
    except OSError:
        return None


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
        env = dict(os.environ, OPENTALKING_API_PORT=str(w.ports[i]), OPENTALKING_REDIS_URL=a.urls.split("|")[i])
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
        try:
            resp(a.redis_port, "SHUTDOWN", "NOSAVE")
        except OSError:
            pass
        time.sleep(rnd.uniform(0.2, 1.0))
        w.children.append(subprocess.Popen(["redis-server", "--port", str(a.redis_port), "--bind", "127.0.0.1",
                                            "--save", "", "--appendonly", "no", "--dir", a.results,
                                            "--dbfilename", f"dump-{a.redis_port}.rdb"] + a.redis_args.split(),
                                           stdout=subprocess.DEVNULL))
        for _ in range(100):
            try:
                if resp(a.redis_port, "PING") == "PONG":
                    break
            except OSError:
                time.sleep(0.05)
    elif kind == "flushall":
        refused(w, kind, resp(w.primary(), "FLUSHALL"))
    elif kind == "del_record":
        holders = resp(w.primary(), "ZRANGE", HOLDERS, "0", "-1") or []
        if holders:
            sid = rnd.choice(holders)
            refused(w, kind, resp(w.primary(), "DEL", "opentalking:session:" + sid))
    elif kind == "debug_sleep":
        # Redis 7 refuses DEBUG unless started with --enable-debug-command local (queue-safety.sh does)
        try:
            refused(w, kind, resp(w.primary(), "DEBUG", "SLEEP", f"{rnd.uniform(0.2, 0.6 * lease):.2f}", timeout=30))
        except OSError:
            pass
    elif kind == "client_pause":
        # CLIENT PAUSE answers at once; the fault lasts until the pause ends
        ms = int(rnd.uniform(200, 600 * lease))
        if not refused(w, kind, resp(w.primary(), "CLIENT", "PAUSE", str(ms))):
            time.sleep(ms / 1000)
    elif kind == "failover":
        # the fault ends when the sentinels name the promoted replica and it answers as the primary
        before, w.old_primary = w.primary(), None
        if not refused(w, kind, resp(w.sentinels[0], "SENTINEL", "FAILOVER", MASTER, timeout=5)):
            deadline, p = now() + 20, before
            while now() < deadline:
                p = w.primary()
                if p != before and role(p) == "master":
                    break
                time.sleep(0.05)
            w.note(now(), f"FAULT failover: primary {before} -> {p}")
            w.old_primary = (before, t)
    elif kind.startswith("proxy_"):
        if kind == "proxy_drop":
            proxy.drop()
        else:
            proxy.mode, proxy.delay = kind[6:], rnd.uniform(0.05, 0.3)
            time.sleep(rnd.uniform(0.5, 1.5 * lease))
            proxy.mode = "pass"
            if kind == "proxy_blackhole":
                proxy.drop()
    te = now()
    w.faults.append((kind, t, te))
    w.note(te, f"FAULT {kind} ends")
    if kind == "failover":
        # Sentinel demotes a live old primary only seconds later (+convert-to-slave); until then it takes writes
        # from clients still connected to it. A second failover before that picks it as the "replica" and prolongs
        # two primaries (seed 34 --sentinel, 4 s wait: 16.6 s), so wait (not timed, at most 15 s) for a replica in
        # sync
        old, demoted = getattr(w, "old_primary", None), False
        for _ in range(300):
            if not demoted and old is not None and role(old[0]) == "slave":
                # Sentinel cut the old primary's clients as it demoted it: only now do the replicas move, and what
                # they wrote to it since the promotion is discarded by its resync
                demoted = True
                w.faults.append(("failover_demoted", old[1], now()))
                w.note(now(), f"FAULT failover: old primary {old[0]} demoted")
            try:
                info = resp(w.primary(), "INFO", "replication", timeout=0.5) or ""
                if isinstance(info, str) and "state=online" in info:
                    break
            except OSError:
                pass
            time.sleep(0.05)


def refused(w, kind, reply):
    """True (and noted in the history) when Redis refused the fault's command."""
    if isinstance(reply, RedisError):
        w.note(now(), f"FAULT {kind} refused by Redis: {reply}")
        return True
    return False


def settle(w):
    a = w.a
    time.sleep(2 * a.lease_ms / 1000 + 1)
    primary = w.primary()
    holders = set(resp(primary, "ZRANGE", HOLDERS, "0", "-1") or [])
    waiting = set(resp(primary, "ZRANGE", WAITING, "0", "-1") or [])
    for sid in sorted(w.sessions):
        st, d = call(w.ports[0], "GET", "/sessions/" + sid)
        state = d.get("state") if st == 200 else "absent"
        if state in LIVE and sid not in holders:
            w.violations.append((now(), f"settle: {sid[:8]} is {state} but holds no slot", [sid]))
        if state == "queued" and sid not in waiting:
            w.violations.append((now(), f"settle: {sid[:8]} is queued but not waiting", [sid]))
        if state not in LIVE + ("queued",) and (sid in holders or sid in waiting):
            w.violations.append((now(), f"settle: {sid[:8]} is {state} but still in the queue", [sid]))
    for p in w.ports:
        st, d = call(p, "GET", "/queue/status")
        want = {"slot_occupied": bool(holders), "queue_size": len(waiting)}
        if st != 200 or d.get("slot_occupied") != want["slot_occupied"] or d.get("queue_size") != want["queue_size"]:
            w.violations.append((now(), f"status: replica {p} answered {d} but the keys say {want}", []))


def stalls_after_faults(faults, intervals, waits):
    """How long the queue stalled after each fault: kind -> [seconds], plus a Counter of the faults not measured,
    keyed (kind, why).

    The stall starts once the fault has ended, no holder keeps the slot by its own choice (a session holding across
    the fault's end counts until its DELETE) and someone waits; it ends at the next grant told (0 when a newcomer was
    granted before anyone waited). Not measured: another fault began before that grant ("cut"), nobody waited or a
    holder kept the slot to the end of the run ("idle"), no grant before the run ended ("none").
    intervals: belief_intervals(); waits: sid -> (told queued at, first hold or end after it, or None)."""
    grants = sorted(iv[0] for iv in intervals)
    begins = sorted(b for _, b, _ in faults)
    out, skipped = {}, collections.Counter()
    for kind, _, end in faults:
        start, busy = end, False
        for s, e, _, _, ehow, *_ in intervals:
            if s <= end and (e is None or e > end):
                if e is None:
                    busy = True
                elif ehow.startswith("DELETE"):
                    start = max(start, e)
        waiting = [max(q, start) for q, left in waits.values() if left is None or left > start]
        if busy or not waiting:
            skipped[kind, "idle"] += 1
            continue
        w_at = min(waiting)
        g = next((x for x in grants if x >= start), None)
        if g is None:
            skipped[kind, "none"] += 1
            continue
        if any(end <= b < g for b in begins):
            skipped[kind, "cut"] += 1
            continue
        out.setdefault(kind, []).append(max(0.0, g - w_at))
    return out, skipped


def print_stalls_after_faults(faults, intervals, waits, target):
    return print_stalls(*stalls_after_faults(faults, intervals, waits), target)


def print_stalls(out, skipped, target):
    print(f"queue stall after each fault (target lease + 1 s = {target:.1f} s; see stalls_after_faults):")
    over_all = 0
    for kind in sorted(set(out) | {k for k, _ in skipped}):
        xs = sorted(out.get(kind, []))
        sk = ", ".join(f"{n} {why}" for (k, why), n in sorted(skipped.items()) if k == kind)
        if xs:
            p50 = xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
            over = sum(1 for x in xs if x > target)
            over_all += over
            print(f"  {kind:16s} n={len(xs)} p50={p50:.2f}s max={xs[-1]:.2f}s over target={over}"
                  + (f" (not measured: {sk})" if sk else ""))
        else:
            print(f"  {kind:16s} n=0 (not measured: {sk})")
    return over_all


def waits_of(queued, obs):
    """sid -> (told queued at, the first hold or end told after that, or None)."""
    out = {}
    for ans, _, sid in queued:
        later = [o[0] for o in obs.get(sid, ()) if o[0] >= ans]
        out[sid] = (ans, min(later) if later else None)
    return out


def read_history(path):
    """A history file back into (faults, obs, queued), for --analyse."""
    faults, obs, queued, begun = [], {}, [], {}
    pat = re.compile(r"^\+([0-9.]+)s (.*)$")
    for line in open(path):
        m = pat.match(line.rstrip("\n"))
        if not m:
            continue
        t, text = float(m.group(1)), m.group(2)
        f = text.split()
        if f[0] == "FAULT" and len(f) >= 3 and f[2] == "begins":
            begun[f[1]] = t
        elif f[0] == "FAULT" and len(f) >= 3 and f[2] == "ends":
            faults.append((f[1], begun.get(f[1], t), t))
        elif f[0] == "FAULT" and f[1] == "failover:" and f[-1] == "demoted":
            faults.append(("failover_demoted", begun.get("failover", t), t))
        elif f[0] in ("hold", "end") and len(f) >= 3:
            how = text.split("(", 1)[1].rsplit(")", 1)[0] if "(" in text else ""
            obs.setdefault(f[1], []).append((t, f[0], how, None))
        elif f[0] == "client" and len(f) >= 5 and f[3] == "answered" and f[4] == "queued":
            queued.append((t, t, f[2]))
    return faults, obs, queued


def analyse(paths, lease_s):
    """Sums the stalls of many histories (bench/results/*/history-seed*.txt); exit 1 if one is over the target."""
    out, skipped = {}, collections.Counter()
    for path in paths:
        faults, obs, queued = read_history(path)
        o, sk = stalls_after_faults(faults, belief_intervals(obs), waits_of(queued, obs))
        for k, xs in o.items():
            out.setdefault(k, []).extend(xs)
        skipped.update(sk)
    print(f"{len(paths)} histories")
    return 1 if print_stalls(out, skipped, lease_s + 1.0) else 0


def self_test():
    """Feeds planted histories to the checks; exit 1 if one is missed or a clean one is reported."""
    def obs(*rows):
        o = {}
        for sid, kind, t, how, *st in rows:
            o.setdefault(sid, []).append((t, kind, how, st[0] if st else None))
        return o

    cases = [
        ("two sessions told they hold at once (1 slot)", 1, obs(
            ("A", "hold", 1.0, "POST created"), ("A", "end", 2.0, "DELETE sent"),
            ("B", "hold", 1.5, "SSE slot_acquired"), ("B", "end", 2.5, "DELETE sent"))),
        ("back to back: an end and a start at the same instant", 0, obs(
            ("A", "hold", 1.0, "POST created"), ("A", "end", 2.0, "SSE session.expired"),
            ("B", "hold", 2.0, "SSE slot_acquired"), ("B", "end", 3.0, "DELETE sent"))),
        # seed 43's shape: X's grant reaches its client at 21.01 (POST answer), its close was written at 20.98
        # (server time) and reaches the client at 21.05. Judged on the client's clock X held 21.01..21.05.
        ("a close written before the grant was told; next grant after the client learnt it", 0, obs(
            ("X", "hold", 21.01, "POST created"), ("X", "end", 21.05, "GET closed lease_lost", 20.98),
            ("Y", "hold", 21.10, "SSE slot_acquired"), ("Y", "end", 22.0, "DELETE sent"),
            ("Z", "hold", 23.0, "POST created"), ("Z", "end", 24.0, "DELETE sent"))),
        ("the same, the next grant told before X's client learnt of its close", 1, obs(
            ("X", "hold", 21.01, "POST created"), ("X", "end", 21.05, "GET closed lease_lost", 20.98),
            ("Y", "hold", 21.03, "SSE slot_acquired"), ("Y", "end", 22.0, "DELETE sent"))),
        ("a holder never told otherwise overlaps a later one", 1, obs(
            ("A", "hold", 1.0, "POST created"), ("B", "hold", 5.0, "SSE slot_acquired"))),
        ("a stale grant after the close is no belief", 0, obs(
            ("A", "end", 2.0, "SSE session.closed"), ("A", "hold", 2.1, "GET created"),
            ("B", "hold", 2.05, "SSE slot_acquired"))),
        ("the first channel counts: SSE end before GET's", 0, obs(
            ("A", "hold", 1.0, "SSE slot_acquired"), ("A", "hold", 1.05, "GET created"),
            ("A", "end", 2.0, "SSE session.expired"), ("A", "end", 2.1, "GET closed"),
            ("B", "hold", 2.05, "POST created"))),
        ("three holders at once are reported too (2 slots)", 2, obs(
            ("A", "hold", 1.0, "x"), ("B", "hold", 1.1, "x"), ("C", "hold", 1.2, "x"),
            ("A", "end", 2.0, "x"), ("B", "end", 2.0, "x"), ("C", "end", 2.0, "x"))),
    ]
    bad = 0
    for name, want, o in cases:
        n_slots = 2 if name.endswith("(2 slots)") else 1
        iv = belief_intervals(o)
        if any(e is not None and e < s for s, e, *_ in iv):
            print(f"self-test FAILED: {name}: an interval ends before it starts: {iv}")
            bad += 1
        got = check_holders(iv, n_slots)
        ok = (len(got) > 0) == (want > 0)
        print(f"self-test {'ok' if ok else 'FAILED'}: {name}: {len(got)} holder violation(s), "
              f"{'expected' if want else 'none expected'}")
        bad += not ok
    queued = [(1.0, 0.9, "x"), (1.6, 1.5, "y")]
    for name, granted, ended, want in [
        ("fifo: the later waiter granted first", {"y": 3.0, "x": 4.0}, {}, 1),
        ("fifo: in order", {"x": 3.0, "y": 4.0}, {}, 0),
        ("fifo: the earlier waiter had left", {"y": 3.0}, {"x": 2.0}, 0)]:
        got = check_fifo(queued, granted, ended)
        ok = (len(got) > 0) == (want > 0)
        print(f"self-test {'ok' if ok else 'FAILED'}: {name}: {len(got)} violation(s)")
        bad += not ok
    # flushall ends at 1.1 with W waiting: granted 2.0. freeze ends at 6.0 while H holds until its DELETE at 6.4 and
    # V waits: granted 6.9, but kill began at 6.5 (cut). kill ends at 7.0, V still waits: 7.5-7.0. restart ends at
    # 9.0, nobody waits until N at 9.5, granted 9.7. pause ends at 11.0 while I holds to the end (idle).
    o = obs(("W", "hold", 2.0, "SSE slot_acquired"), ("W", "end", 3.0, "DELETE sent"),
            ("H", "hold", 3.5, "POST created"), ("H", "end", 6.4, "DELETE sent"),
            ("V", "hold", 7.5, "SSE slot_acquired"), ("V", "end", 8.0, "SSE session.expired"),
            ("N", "hold", 9.7, "SSE slot_acquired"), ("N", "end", 10.0, "DELETE sent"),
            ("I", "hold", 10.5, "POST created"))
    waits = waits_of([(0.5, 0.4, "W"), (5.0, 4.9, "V"), (9.5, 9.4, "N")], o)
    out, skipped = stalls_after_faults([("flushall", 1.0, 1.1), ("freeze", 5.0, 6.0), ("kill", 6.5, 7.0),
                                        ("restart", 8.5, 9.0), ("pause", 10.8, 11.0)], belief_intervals(o), waits)
    want = {"flushall": [0.9], "kill": [0.5], "restart": [0.2]}
    ok = ({k: [round(x, 6) for x in v] for k, v in out.items()} == want
          and skipped == collections.Counter({("freeze", "cut"): 1, ("pause", "idle"): 1}))
    print(f"self-test {'ok' if ok else 'FAILED'}: queue stall after a fault: {out} {skipped}")
    bad += not ok
    print(f"self-test: {'all checks behave' if not bad else f'{bad} FAILED'}")
    return 1 if bad else 0


def main():
    if "--self-test" in sys.argv[1:]:
        sys.exit(self_test())
    if sys.argv[1:2] == ["--analyse"]:
        # --analyse <lease ms> <history files...>: the stalls of many runs together
        sys.exit(analyse(sys.argv[3:], int(sys.argv[2]) / 1000))
    ap = argparse.ArgumentParser()
    for k in ("ports", "pids", "urls", "java_cmd", "repo", "results"):
        ap.add_argument("--" + k.replace("_", "-"), required=True)
    ap.add_argument("--redis-port", type=int, required=True)
    ap.add_argument("--proxy-port", type=int, required=True)
    ap.add_argument("--lease-ms", type=int, required=True)
    ap.add_argument("--redis-args", default="", help="extra redis-server arguments for a restart")
    ap.add_argument("--sentinel-ports", default="", help="Sentinel mode: the sentinels watching mymaster")
    ap.add_argument("--slots", type=int, default=1)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--clients", type=int, default=4)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    w = World(a)
    # Under Sentinel the proxy asks for the primary at each new connection and cuts the ones it has when the
    # sentinels name another
    proxy = Proxy(a.proxy_port, w.primary, w.named_primary if w.sentinels else None)
    proxy.start()
    w.children = []
    schedule, t = [], 2.0
    while t < a.duration - 2:
        schedule.append((t, rnd.choice(SENTINEL_FAULTS if w.sentinels else FAULTS)))
        t += rnd.uniform(1.0, 2.5 * a.lease_ms / 1000)
    print(f"seed {a.seed}: schedule " + ", ".join(f"{t:.1f}s {k}" for t, k in schedule), flush=True)
    threads = [threading.Thread(target=client, args=(w, n, random.Random(a.seed * 100 + n)), daemon=True)
               for n in range(a.clients)] + [threading.Thread(target=ghost_watch, args=(w,), daemon=True)]
    t0 = w.t0 = now()
    for th in threads:
        th.start()
    for at, kind in schedule:
        time.sleep(max(0.0, t0 + at - now()))
        run_fault(w, kind, rnd, proxy)
    time.sleep(max(0.0, t0 + a.duration - now()))
    w.stop_at = now()
    w.stop = True
    for th in threads:
        th.join(5)
    intervals = belief_intervals(w.obs)
    by_sid = {iv[2]: iv for iv in intervals}
    w.violations += check_holders(intervals, a.slots)
    # FIFO is about the order in which the servers granted and ended sessions, so it is judged on the servers'
    # times where the message carried one (a waiter's lease loss decided before a grant may reach its client after
    # the grant reaches another client: not a FIFO breach); the holder check above stays on the clients' clock.
    # An end told without a server time (a 404 after its record was deleted) is judged on the time its own event
    # log gives, when the log has it and it is earlier.
    ended_at = {sid: min(o[3] if o[3] is not None else o[0] for o in lst if o[1] == "end")
                for sid, lst in w.obs.items() if any(o[1] == "end" for o in lst)}
    primary = w.primary()
    for sid, lst in w.obs.items():
        if sid in ended_at and all(o[3] is None for o in lst if o[1] == "end"):
            logged = logged_end(primary, sid)
            if logged is not None and logged < ended_at[sid]:
                ended_at[sid] = logged
    w.violations += check_fifo(w.queued, {iv[2]: (iv[5] if iv[5] is not None else iv[0]) for iv in intervals},
                               ended_at)
    settle(w)
    print(f"seed {a.seed}: {len(w.sessions)} sessions, {len(intervals)} grants, {len(schedule)} faults, "
          f"{len(w.violations)} violation(s)")
    print_stalls_after_faults(w.faults, intervals, waits_of(w.queued, w.obs), a.lease_ms / 1000 + 1.0)

    def rel(x):
        return "-" if x is None else f"+{x - t0:.3f}s"

    for vt, text, sids in sorted(w.violations, key=lambda v: v[0])[:10]:
        print("VIOLATION at +%.3fs: %s" % (vt - t0, text))
        for sid in sids:
            iv = by_sid.get(sid)
            if iv:
                print(f"    {sid[:8]} told it holds {rel(iv[0])} ({iv[3]}, server {rel(iv[5])}), "
                      f"told otherwise {rel(iv[1])} ({iv[4]}, server {rel(iv[6])})")
        for lt, line in w.log:
            if vt - 3 <= lt <= vt + 0.5:
                print("    +%.3fs %s" % (lt - t0, line))
    with open(f"{a.results}/history-seed{a.seed}.txt", "w") as f:
        for lt, line in sorted(w.log):
            f.write("+%.3fs %s\n" % (lt - t0, line))
        for iv in sorted(intervals, key=lambda x: x[0]):
            f.write(f"interval {iv[2][:8]} {rel(iv[0])} .. {rel(iv[1])} ({iv[3]} .. {iv[4]}; server "
                    f"{rel(iv[5])} .. {rel(iv[6])})\n")
    for c in w.children:  # the replicas and the Redis this run restarted; the script ends its own
        c.terminate()
        try:
            c.wait(10)
        except subprocess.TimeoutExpired:
            c.kill()
    sys.exit(1 if w.violations else 0)


if __name__ == "__main__":
    main()
