#!/usr/bin/python3
"""A real SMTP server on loopback for tests (aiosmtpd, Debian's python3-aiosmtpd).

Importable:

    sink = SmtpCapture()
    sink.start()                      # 127.0.0.1, a free port: sink.port
    ...
    msg = sink.wait_for("a@example.com")
    code = sink.last_code("a@example.com")
    sink.stop()

Runnable (the form the C++ tests and benchmarks use):

    smtp_sink.py --port-file PATH --out-dir DIR [--refuse]

writes the port to PATH once listening (atomically: a temporary file renamed into place), each
message as DIR/<n>.eml (n = 1, 2, ...; also renamed into place, so a reader never sees half a
message), and runs until SIGTERM or SIGINT. --refuse answers 451 to every RCPT.

No STARTTLS: the tests run on loopback, and STARTTLS with require_starttls is left for later.
"""

import argparse
import email
import email.policy
import os
import re
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller

_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class _PortZeroController(Controller):
    """A Controller that may bind port 0: it learns the real port before connecting to itself."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Handler:
    def __init__(self, capture):
        self._capture = capture

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._capture._take_refusal():
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self._capture._record(envelope)
        return "250 Message accepted for delivery"


class SmtpCapture:
    """Captures every message it receives; thread-safe."""

    def __init__(self, out_dir=None, refuse=False):
        self.port = None
        self.messages = []
        self._out_dir = out_dir
        self._refuse = refuse
        self._refuse_next = 0
        self._cond = threading.Condition()
        self._controller = None

    def start(self):
        self._controller = _PortZeroController(_Handler(self), hostname="127.0.0.1", port=0)
        self._controller.start()
        self.port = self._controller.port

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_next(self, n):
        """Answers 451 to the next n RCPT commands."""
        with self._cond:
            self._refuse_next = n

    def wait_for(self, rcpt, timeout=10.0, count=1):
        """The newest message for `rcpt` once at least `count` arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                mine = [m for m in self.messages if rcpt in m["rcpt_tos"]]
                if len(mine) >= count:
                    return mine[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no message for {rcpt} within {timeout} s")
                self._cond.wait(left)

    def last_code(self, rcpt, timeout=10.0):
        """The first 6-digit number in the newest message body for `rcpt`, or None."""
        match = _CODE_RE.search(self.wait_for(rcpt, timeout)["text"])
        return match.group(1) if match else None

    def _take_refusal(self):
        with self._cond:
            if self._refuse:
                return True
            if self._refuse_next > 0:
                self._refuse_next -= 1
                return True
            return False

    def _record(self, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        message = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "subject": str(parsed["subject"] or ""),
            "text": body.get_content() if body is not None else "",
            "raw": raw,
        }
        with self._cond:
            self.messages.append(message)
            n = len(self.messages)
            self._cond.notify_all()
        if self._out_dir:
            _write_atomically(os.path.join(self._out_dir, f"{n}.eml"), raw)


def _write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--refuse", action="store_true", help="answer 451 to every RCPT")
    args = parser.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    os.makedirs(args.out_dir, exist_ok=True)
    capture = SmtpCapture(out_dir=args.out_dir, refuse=args.refuse)
    capture.start()
    _write_atomically(args.port_file, f"{capture.port}\n".encode())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        capture.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
