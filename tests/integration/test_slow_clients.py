"""Slow-loris: 200 clients trickle a request line one byte per second.

With http.header_timeout_ms = 3000 the whole header must arrive within 3 s, so the server cuts
every trickling connection off about 3 s after it was opened, while a normal client is served
all along.
"""

from __future__ import annotations

import errno
import resource
import select
import socket
import threading
import time

import requests

from conftest import metric_sum_from_text

HEADER_TIMEOUT_S = 3.0
SLACK_S = 2.0
SOCKETS = 200
TEST_BOUND_S = 15.0
REQUEST_LINE = b"GET /v1/sys/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 64


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        assert target >= needed, f"RLIMIT_NOFILE hard limit {hard} is below {needed}"
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def test_trickling_clients_are_cut_off_and_others_are_served(caasd_factory):
    raise_fd_limit(SOCKETS + 256)
    server = caasd_factory(env={"CAAS_HTTP_HEADER_TIMEOUT_MS": int(HEADER_TIMEOUT_S * 1000)})
    start = time.monotonic()

    opened: dict[socket.socket, float] = {}
    sent: dict[socket.socket, int] = {}
    closed: dict[socket.socket, float] = {}
    try:
        for _ in range(SOCKETS):
            sock = socket.create_connection((server.host, server.port), timeout=5)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            opened[sock] = time.monotonic()
            sent[sock] = 0
        connect_time = time.monotonic() - start
        assert connect_time < 3.0, f"opening {SOCKETS} sockets took {connect_time:.1f} s"

        # A normal client, on its own thread, while the others trickle.
        latencies: list[float] = []
        errors: list[str] = []
        stop = threading.Event()

        def normal_client():
            while not stop.is_set() and len(latencies) + len(errors) < 8:
                t0 = time.monotonic()
                try:
                    r = requests.get(server.url + "/v1/sys/health", timeout=1.0)
                    if r.status_code != 200:
                        errors.append(f"status {r.status_code}")
                    latencies.append(time.monotonic() - t0)
                except requests.RequestException as exc:
                    errors.append(repr(exc))
                stop.wait(0.5)

        client = threading.Thread(target=normal_client, daemon=True)
        client.start()

        def mark_closed(sock):
            if sock not in closed:
                closed[sock] = time.monotonic()

        next_tick = time.monotonic()
        deadline = max(opened.values()) + HEADER_TIMEOUT_S + SLACK_S + 1.0
        while len(closed) < len(opened) and time.monotonic() < deadline:
            now = time.monotonic()
            if now >= next_tick:
                for sock in opened:
                    if sock in closed:
                        continue
                    try:
                        sock.send(REQUEST_LINE[sent[sock]:sent[sock] + 1])
                        sent[sock] += 1
                    except BlockingIOError:
                        pass
                    except OSError as exc:
                        if exc.errno in (errno.EPIPE, errno.ECONNRESET):
                            mark_closed(sock)
                        else:
                            raise
                next_tick += 1.0
            alive = [s for s in opened if s not in closed]
            readable, _, _ = select.select(alive, [], [], max(0.0, min(0.05, next_tick - now)))
            for sock in readable:
                try:
                    data = sock.recv(4096)
                except ConnectionResetError:
                    mark_closed(sock)
                    continue
                except BlockingIOError:
                    continue
                if not data:
                    mark_closed(sock)
                # Data (a 408 before the close) is allowed; the close comes next.
        stop.set()
        client.join(timeout=5)

        assert time.monotonic() - start < TEST_BOUND_S, "the test ran past its bound"
        still_open = [s for s in opened if s not in closed]
        assert not still_open, \
            f"{len(still_open)} of {SOCKETS} trickling sockets still open " \
            f"{time.monotonic() - max(opened.values()):.1f} s after the last was opened " \
            f"(header timeout {HEADER_TIMEOUT_S} s)"
        lifetimes = sorted(closed[s] - opened[s] for s in opened)
        assert lifetimes[-1] <= HEADER_TIMEOUT_S + SLACK_S, \
            f"slowest cut-off after {lifetimes[-1]:.2f} s (limit {HEADER_TIMEOUT_S + SLACK_S} s)"
        assert lifetimes[0] >= HEADER_TIMEOUT_S - 0.5, \
            f"a trickling client was cut off after {lifetimes[0]:.2f} s, before the " \
            f"{HEADER_TIMEOUT_S} s header timeout"
        assert all(sent[s] < len(REQUEST_LINE) for s in opened), "a request line completed"

        assert not errors, f"the normal client failed while others trickled: {errors}"
        assert len(latencies) >= 4, f"only {len(latencies)} normal requests were made"
        assert max(latencies) < 1.0, f"normal request latencies {latencies}"
    finally:
        for sock in opened:
            sock.close()

    server.assert_alive()
    # The server let go of them: only our own scrape connection is left (allow a straggler).
    deadline = time.monotonic() + 2
    while True:
        r = requests.get(server.url + "/v1/sys/metrics", timeout=5)
        open_now = metric_sum_from_text(r.text, "caas_http_open_connections")
        if open_now <= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert open_now <= 2, f"caas_http_open_connections is {open_now} after the slow clients"
