"""HTTPS: with tls.cert_file and tls.key_file set, caasd serves TLS only."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess

import pytest
import requests

from conftest import RawReader, raw_connect


@pytest.fixture
def cert(tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl command is needed to make a test certificate", pytrace=False)
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    result = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"openssl failed: {result.stderr}"
    return cert, key


@pytest.fixture
def tls_server(caasd_factory, cert):
    cert_file, key_file = cert
    return caasd_factory(env={"CAAS_TLS_CERT_FILE": cert_file, "CAAS_TLS_KEY_FILE": key_file},
                         verify=str(cert_file))


def test_tls_serves_https(tls_server, cert):
    assert tls_server.scheme == "https", tls_server.stdout
    assert "caasd: listening on https://127.0.0.1:" in tls_server.stdout
    r = requests.get(tls_server.url + "/v1/sys/health", verify=str(cert[0]), timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["initialized"] is False
    assert r.headers.get("X-Request-Id")


def test_tls_with_a_stdlib_client(tls_server, cert):
    context = ssl.create_default_context(cafile=str(cert[0]))
    with socket.create_connection((tls_server.host, tls_server.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            reader = RawReader(tls)
            for _ in range(2):  # keep-alive works over TLS too
                tls.sendall(b"GET /v1/sys/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                response = reader.read_response()
                assert response is not None and response.status == 200, response
                assert response.headers.get("x-request-id")


def test_plain_http_to_the_tls_port_is_not_served(tls_server, cert):
    plain_url = tls_server.url.replace("https://", "http://")
    try:
        r = requests.get(plain_url + "/v1/sys/health", timeout=5)
        assert r.status_code != 200, "plain HTTP was served on the TLS port"
    except requests.RequestException:
        pass  # the server dropped the connection: fine
    # Raw bytes too: no HTTP 200 comes back.
    sock = raw_connect(tls_server)
    try:
        sock.sendall(b"GET /v1/sys/health HTTP/1.1\r\nHost: a\r\n\r\n")
        sock.settimeout(5)
        try:
            data = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            data = b""
        assert not data.startswith(b"HTTP/1.1 200"), data[:100]
    finally:
        sock.close()
    r = requests.get(tls_server.url + "/v1/sys/health", verify=str(cert[0]), timeout=10)
    assert r.status_code == 200, r.text
    tls_server.assert_alive()


def test_a_stalled_handshake_does_not_block_others(tls_server, cert):
    stalled = [raw_connect(tls_server) for _ in range(20)]
    try:
        for _ in range(3):
            r = requests.get(tls_server.url + "/v1/sys/health", verify=str(cert[0]), timeout=2)
            assert r.status_code == 200
    finally:
        for sock in stalled:
            sock.close()
