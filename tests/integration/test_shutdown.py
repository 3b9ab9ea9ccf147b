"""SIGTERM/SIGINT: stop accepting, finish in-flight requests, close idle connections, exit 0."""

from __future__ import annotations

import signal
import socket
import time

import pytest
import requests

from conftest import RawReader, closed_by_peer, raw_connect

QUICK_EXIT_S = 3.0
STOP_WAIT_S = 15.0
# Idle connections must not hold the exit up to the grace period: with 5 s of grace, an exit
# within QUICK_EXIT_S shows they were closed at once.
GRACE_ENV = {"CAAS_HTTP_SHUTDOWN_TIMEOUT_MS": 5000}


def stop_quickly(server, signum):
    t0 = time.monotonic()
    server.send_signal(signum)
    code = server.wait(timeout=STOP_WAIT_S)
    elapsed = time.monotonic() - t0
    assert code == 0, f"exit code {code}\n{server.logs()}"
    assert elapsed < QUICK_EXIT_S, \
        f"took {elapsed:.1f} s to exit with only idle connections open\n{server.logs()}"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_exit_0_with_an_idle_keep_alive_connection(caasd_factory, signum):
    caasd = caasd_factory(env=GRACE_ENV)
    session = requests.Session()
    idle_used = raw_connect(caasd)  # one request served, now idle
    try:
        assert session.get(caasd.url + "/v1/sys/health", timeout=5).status_code == 200
        idle_used.sendall(b"GET /v1/sys/health HTTP/1.1\r\nHost: a\r\n\r\n")
        assert RawReader(idle_used).read_response().status == 200
        stop_quickly(caasd, signum)
        assert closed_by_peer(idle_used, 1), "idle keep-alive connection left open"
    finally:
        session.close()
        idle_used.close()


def test_exit_0_with_a_connection_that_sent_nothing(caasd_factory):
    caasd = caasd_factory(env=GRACE_ENV)
    idle_fresh = raw_connect(caasd)  # connected, no byte of a request sent: nothing in flight
    try:
        caasd.health()
        caasd.close_session()  # leave only the fresh connection open
        stop_quickly(caasd, signal.SIGTERM)
        assert closed_by_peer(idle_fresh, 1), "idle fresh connection left open"
    finally:
        idle_fresh.close()


def test_exit_0_without_connections(caasd):
    caasd.health()
    caasd.close_session()
    t0 = time.monotonic()
    caasd.stop()
    assert time.monotonic() - t0 < QUICK_EXIT_S
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((caasd.host, caasd.port), timeout=2).close()


def test_listener_closes_while_an_in_flight_request_finishes(caasd_factory):
    server = caasd_factory(env={"CAAS_HTTP_SHUTDOWN_TIMEOUT_MS": 8000,
                                "CAAS_HTTP_BODY_TIMEOUT_MS": 20000})
    body = b'{"shares":3,"threshold":2}'
    sock = raw_connect(server, timeout=10)
    try:
        # A request whose body is still arriving is in flight.
        sock.sendall(b"POST /v1/sys/init HTTP/1.1\r\nHost: a\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.running(), \
            f"caasd exited with a request in flight (code {server.proc.poll()})\n{server.logs()}"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((server.host, server.port), timeout=2).close()

        sock.sendall(body[10:])
        response = RawReader(sock).read_response()
        assert response is not None, "the in-flight request got no response"
        assert response.status == 200, response
        assert closed_by_peer(sock, 3), "connection kept open after shutdown"
    finally:
        sock.close()
    code = server.wait(timeout=10)
    assert code == 0, f"exit code {code}\n{server.logs()}"


def test_shutdown_timeout_bounds_a_stuck_request(caasd_factory):
    server = caasd_factory(env={"CAAS_HTTP_SHUTDOWN_TIMEOUT_MS": 1000,
                                "CAAS_HTTP_BODY_TIMEOUT_MS": 60000})
    sock = raw_connect(server, timeout=10)
    try:
        sock.sendall(b"POST /v1/sys/init HTTP/1.1\r\nHost: a\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(0.3)
        t0 = time.monotonic()
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=10)
        elapsed = time.monotonic() - t0
        assert code == 0, f"exit code {code}\n{server.logs()}"
        assert elapsed < 1.0 + 2.0, f"shutdown took {elapsed:.1f} s with a 1 s shutdown timeout"
    finally:
        sock.close()
