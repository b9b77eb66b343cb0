#!/usr/bin/env python3
"""A backend stand-in for the benchmarks and drills. Listens on 127.0.0.1 only and ends by itself.

Modes:
  silent    accepts every connection and never answers (reads and discards what comes, holds the socket).
  up        answers HTTP 200 {"models":["flashtalk"]} on /v1/audio2video/models, 404 elsewhere (keep-alive).
  flapping  cycles up -> down (port closed: connection refused, open sockets closed) -> silent -> up ...,
            each state lasting --period seconds.

  python3 bench/stub_backend.py --port P --mode silent [--max-seconds 600] [--period 1.0] [--log FILE]

On exit (SIGTERM, SIGINT or --max-seconds) it prints a summary line: flips, connections, answers.
"""
import argparse
import selectors
import signal
import socket
import sys
import time

BODY = b'{"models":["flashtalk"]}'
OK = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY)) + BODY
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
STATES = ("up", "down", "silent")


class Stub:
    def __init__(self, port, mode, period, log):
        self.port = port
        self.mode = mode
        self.period = period
        self.log = log
        self.sel = selectors.DefaultSelector()
        self.listener = None
        self.conns = {}  # socket -> bytearray of unread request bytes
        self.state = "up" if mode in ("up", "flapping") else "silent"
        self.flips = 0
        self.accepted = 0
        self.answered = 0
        self.stopping = False

    def note(self, msg):
        if self.log:
            self.log.write("%.3f %s\n" % (time.time(), msg))
            self.log.flush()

    def open_listener(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.time() + 5
        while True:
            try:
                s.bind(("127.0.0.1", self.port))
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.02)
        s.listen(512)
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ, "listen")
        self.listener = s

    def close_listener(self):
        if self.listener is not None:
            self.sel.unregister(self.listener)
            self.listener.close()
            self.listener = None

    def drop_all(self):
        for c in list(self.conns):
            self.drop(c)

    def drop(self, c):
        try:
            self.sel.unregister(c)
        except (KeyError, ValueError):
            pass
        self.conns.pop(c, None)
        try:
            c.close()
        except OSError:
            pass

    def enter(self, state):
        self.state = state
        self.flips += 1
        self.note("state " + state)
        if state == "down":
            self.close_listener()
            self.drop_all()
        elif self.listener is None:
            self.open_listener()

    def on_readable(self, c):
        try:
            data = c.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.drop(c)
            return
        if self.state != "up":
            return  # silent: swallow and never answer
        buf = self.conns[c]
        buf += data
        if len(buf) > 1 << 20:
            self.drop(c)
            return
        while b"\r\n\r\n" in buf:
            head, _, rest = bytes(buf).partition(b"\r\n\r\n")
            buf[:] = rest
            line = head.split(b"\r\n", 1)[0].split(b" ")
            path = line[1] if len(line) > 1 else b"/"
            try:
                c.sendall(OK if path.split(b"?")[0] == b"/v1/audio2video/models" else NOT_FOUND)
                self.answered += 1
            except OSError:
                self.drop(c)
                return

    def run(self, max_seconds):
        self.open_listener()
        self.note("state " + self.state)
        start = time.time()
        end = start + max_seconds
        next_flip = start + self.period
        while not self.stopping and time.time() < end:
            timeout = max(0.0, min(end, next_flip if self.mode == "flapping" else end) - time.time())
            for key, _ in self.sel.select(timeout=min(timeout, 0.2)):
                if key.data == "listen":
                    try:
                        c, _ = key.fileobj.accept()
                    except OSError:
                        continue
                    c.setblocking(False)
                    self.accepted += 1
                    self.conns[c] = bytearray()
                    self.sel.register(c, selectors.EVENT_READ, "conn")
                else:
                    self.on_readable(key.fileobj)
            if self.mode == "flapping" and time.time() >= next_flip:
                self.enter(STATES[(STATES.index(self.state) + 1) % 3])
                next_flip += self.period
        self.close_listener()
        self.drop_all()
        print("stub_summary mode=%s flips=%d accepted=%d answered=%d" % (
            self.mode, self.flips, self.accepted, self.answered), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=("silent", "up", "flapping"), default="silent")
    ap.add_argument("--period", type=float, default=1.0)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--log")
    a = ap.parse_args()
    log = open(a.log, "a") if a.log else None
    stub = Stub(a.port, a.mode, a.period, log)

    def stop(*_):
        stub.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stub.run(min(a.max_seconds, 3600))
    return 0


if __name__ == "__main__":
    sys.exit(main())
