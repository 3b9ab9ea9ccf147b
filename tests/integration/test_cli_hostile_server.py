"""The client facing a server it must not trust: a small HTTP server of ours on loopback that
answers with oversized headers, oversized or malformed bodies, hostile key parameters and
damaged files. The client must end with a clear one-line error and a meaningful exit code,
never hang, crash or write a partial file."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cli_support import client_env, run_caas


class Hostile(BaseHTTPRequestHandler):
    """Answers every request according to `self.server.behaviour`."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status: int, body: bytes, headers: dict | None = None,
                length: int | None = None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        # Consume the request body, or keep-alive would read it as the next request.
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.behaviour(self)

    do_HEAD = do_GET
    do_PUT = do_GET
    do_POST = do_GET


@pytest.fixture
def hostile(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def caas(server, tmp_path: Path, *args, token: str | None = "caas-sess-test"):
    extra = {"CAAS_TOKEN": token} if token else {}
    env = client_env(tmp_path / "config", f"http://127.0.0.1:{server.server_address[1]}", extra)
    return run_caas(list(args), env, tmp_path, timeout=30)


def one_line_error(result) -> str:
    err = result.stderr.decode()
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("caas: "), err
    return lines[0]


def test_oversized_headers_are_refused(hostile, tmp_path):
    def behaviour(h):
        h._answer(200, b"{}", {f"X-Junk-{i}": "y" * 1000 for i in range(100)})
    hostile.behaviour = behaviour
    result = caas(hostile, tmp_path, "operator", "status")
    assert result.returncode == 1
    assert "headers are too large" in one_line_error(result)


def test_oversized_json_answer_is_refused(hostile, tmp_path):
    big = b"[" + b"0," * (9 << 20) + b"0]"  # 18 MiB of JSON, over the client's 16 MiB
    hostile.behaviour = lambda h: h._answer(200, big)
    result = caas(hostile, tmp_path, "operator", "status")
    assert result.returncode == 1
    assert "too large" in one_line_error(result)


def test_malformed_json_and_error_bodies(hostile, tmp_path):
    hostile.behaviour = lambda h: h._answer(200, b"{not json")
    result = caas(hostile, tmp_path, "operator", "status")
    assert result.returncode == 1
    assert "not JSON" in one_line_error(result)

    hostile.behaviour = lambda h: h._answer(418, b"<html>teapot</html>")
    result = caas(hostile, tmp_path, "ls")
    assert result.returncode == 1
    assert one_line_error(result) == "caas: the server answered HTTP 418"


@pytest.mark.parametrize("command", [["ls"], ["shared"], ["grants", "f.txt"], ["operator", "status"],
                                     ["operator", "unseal", "x"], ["api-key", "ls"]])
@pytest.mark.parametrize("answer", [b'{"files": 5, "grants": "x"}', b'[1, 2]', b'"text"',
                                    b'{"files": [1, "a", null], "grants": [1, "a", null]}'])
def test_answers_of_the_wrong_shape_are_errors_not_crashes(hostile, tmp_path, command, answer):
    hostile.behaviour = lambda h: h._answer(200, answer)
    result = caas(hostile, tmp_path, *command)
    assert result.returncode in (0, 1), result.stderr  # never a signal (negative) or abort
    if result.returncode == 1:
        assert "the server's answer" in one_line_error(result)


def test_a_truncated_download_leaves_no_file(hostile, tmp_path):
    # Declares 1 MiB, sends 100 bytes, closes: curl reports the short body.
    def behaviour(h):
        h.send_response(200)
        h.send_header("Content-Length", str(1 << 20))
        h.send_header("X-Caas-Mode", "server")
        h.send_header("ETag", '"' + "0" * 64 + '"')
        h.end_headers()
        h.wfile.write(b"x" * 100)
        h.wfile.flush()
        h.close_connection = True
    hostile.behaviour = behaviour
    result = caas(hostile, tmp_path, "download", "f.bin", "out.bin")
    assert result.returncode != 0
    one_line_error(result)
    assert not (tmp_path / "out.bin").exists()
    assert not list(tmp_path.glob(".out.bin.caas-*")), "the staged temp file was left behind"


def test_bytes_that_do_not_match_the_etag_are_not_kept(hostile, tmp_path):
    hostile.behaviour = lambda h: h._answer(
        200, b"tampered", {"X-Caas-Mode": "server", "ETag": '"' + "ab" * 32 + '"'})
    (tmp_path / "out.bin").write_bytes(b"the old file")
    result = caas(hostile, tmp_path, "download", "f.bin", "out.bin")
    assert result.returncode == 7
    assert "do not match" in one_line_error(result)
    assert (tmp_path / "out.bin").read_bytes() == b"the old file"  # not clobbered


def test_a_client_mode_body_that_is_not_age_does_not_decrypt(hostile, tmp_path):
    # A logged-in device has an identity; give it one through a real login-less path: keygen.
    config = tmp_path / "config" / "caas"
    config.mkdir(parents=True)
    keygen = run_caas(["age", "keygen", "-o", str(config / "identity")],
                      client_env(tmp_path / "config", "http://127.0.0.1:1"), tmp_path)
    assert keygen.returncode == 0, keygen.stderr
    hostile.behaviour = lambda h: h._answer(200, b"age-encryption.org/v1\n-> X25519 junk\n",
                                            {"X-Caas-Mode": "client"})
    result = caas(hostile, tmp_path, "download", "f.age", "out.bin")
    assert result.returncode == 7
    assert "does not decrypt" in one_line_error(result)
    assert not (tmp_path / "out.bin").exists()


@pytest.mark.parametrize("kdf", [
    {"algorithm": "argon2id", "parallelism": 1, "iterations": 3, "memory_kib": 4294967295,
     "salt": "AAAAAAAAAAAAAAAAAAAAAA=="},
    {"algorithm": "argon2id", "parallelism": 1, "iterations": 100000, "memory_kib": 65536,
     "salt": "AAAAAAAAAAAAAAAAAAAAAA=="},
    {"algorithm": "pbkdf2", "parallelism": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="},
])
def test_hostile_key_parameters_are_refused_before_any_work(hostile, tmp_path, kdf):
    """A server answering login with key parameters that would make the client allocate 4 TiB
    or spin for hours gets a clear refusal, and no session is saved."""
    def behaviour(h):
        path = h.path
        if path == "/v1/auth/login":
            h._answer(200, json.dumps({"status": "otp_required", "ticket": "t",
                                       "methods": ["email"]}).encode())
        elif path == "/v1/auth/login/verify":
            h._answer(200, json.dumps({"token": "caas-sess-x", "user_id": "u",
                                       "expires_at": "2030-01-01T00:00:00Z"}).encode())
        elif path == "/v1/keys/me":
            h._answer(200, json.dumps({"public_key": "age1" + "q" * 58,
                                       "encrypted_identity": "AAAA", "kdf": kdf}).encode())
        else:
            h._answer(404, b"")
    hostile.behaviour = behaviour
    env = client_env(tmp_path / "config", f"http://127.0.0.1:{hostile.server_address[1]}",
                     {"CAAS_PASSWORD": "a long enough password"})
    result = run_caas(["login", "a@example.com", "--otp", "123456"], env, tmp_path, timeout=30)
    assert result.returncode == 7, result.stderr
    assert "key parameters" in one_line_error(result)
    assert not (tmp_path / "config" / "caas" / "identity").exists()
    config = tmp_path / "config" / "caas" / "config.json"
    assert not config.exists() or "caas-sess-x" not in config.read_text()
