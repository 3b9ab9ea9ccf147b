"""The client address in the access log: the socket peer, unless that peer is a trusted proxy
(http.trusted_proxies), in which case X-Forwarded-For's nearest untrusted hop."""

import re
import time

import requests


def access_line(server, request_id: str) -> str:
    # Access lines are written after the response; give the logger a moment to flush.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in server.stderr.splitlines():
            if f"request_id={request_id} " in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"no access line for {request_id}\n{server.logs()}")


def client_of(server, forwarded_for: str, request_id: str) -> str:
    r = requests.get(server.url + "/v1/sys/health", timeout=5,
                     headers={"X-Forwarded-For": forwarded_for, "X-Request-Id": request_id})
    assert r.status_code == 200
    match = re.search(r" client=(\S+) ", access_line(server, request_id))
    assert match, access_line(server, request_id)
    return match.group(1)


def test_forwarded_for_is_ignored_from_untrusted_peers(caasd_factory):
    server = caasd_factory(env={"CAAS_LOG_LEVEL": "info"})
    assert client_of(server, "198.51.100.7", "untrusted-1") == "127.0.0.1"


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(caasd_factory):
    server = caasd_factory(env={"CAAS_LOG_LEVEL": "info",
                                "CAAS_HTTP_TRUSTED_PROXIES": "127.0.0.1"})
    assert client_of(server, "198.51.100.7", "trusted-1") == "198.51.100.7"
    # A spoofed left part does not win over the hop the proxy appended.
    assert client_of(server, "6.6.6.6, 198.51.100.8", "trusted-2") == "198.51.100.8"
    assert client_of(server, "not-an-address", "trusted-3") == "127.0.0.1"
