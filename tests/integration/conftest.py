"""Black-box integration tests of caasd: a real server on loopback, driven over HTTP.

The binary comes from $CAAS_CAASD (default <repo>/build/bin/caasd). Every test starts its own
caasd on `--listen 127.0.0.1:0` with a fresh `--data-dir` under tmp_path and learns the port
from the stdout line `caasd: listening on http(s)://HOST:PORT`.

Run with: /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration
"""

from __future__ import annotations

import base64
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterable, Optional

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
CAASD = Path(os.environ.get("CAAS_CAASD", str(REPO / "build" / "bin" / "caasd")))
VERSION = "0.1.0"

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 15.0
HTTP_TIMEOUT_S = 10.0

LISTEN_RE = re.compile(r"caasd: listening on (https?)://(\[[^\]]*\]|[^\s/:]+):(\d+)")

# Valid X-Request-Id values: 1-64 characters of [A-Za-z0-9._-].
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def require_binary() -> Path:
    """Fails (never skips) when the caasd binary is missing."""
    if not (CAASD.is_file() and os.access(CAASD, os.X_OK)):
        pytest.fail(
            f"caasd binary not found or not executable at {CAASD}; build it first "
            f"(make build) or point CAAS_CAASD at it",
            pytrace=False,
        )
    return CAASD


def base_env(extra: Optional[dict] = None) -> dict:
    """The environment of a test server: ours minus every CAAS_* and PORT, then `extra`.

    Logs are at `warn` unless the test asks for more, so the output stays small.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAAS_") and k != "PORT"}
    env["CAAS_LOG_LEVEL"] = "warn"
    if extra:
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
    return env


def run_caasd(args: Iterable[str], env: Optional[dict] = None, timeout: float = 15.0,
              cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """Runs caasd to completion (for --version, --help, bad configs).

    A hang is a failure, and so is a server that starts listening (it was meant to exit): the
    process is then killed at once instead of waiting for the timeout.
    """
    binary = require_binary()
    args = [str(a) for a in args]
    with tempfile.TemporaryDirectory(prefix="caasd-run-") as scratch:
        proc = subprocess.Popen([str(binary), *args], env=base_env(env), cwd=cwd or scratch,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        out, err = bytearray(), bytearray()
        streams = {proc.stdout: out, proc.stderr: err}
        deadline = time.monotonic() + timeout
        why = None
        while streams:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                why = f"did not exit within {timeout} s"
                break
            readable, _, _ = select.select(list(streams), [], [], remaining)
            for stream in readable:
                chunk = os.read(stream.fileno(), 65536)
                if chunk:
                    streams[stream] += chunk
                else:
                    del streams[stream]
            if LISTEN_RE.search(out.decode("utf-8", "replace")):
                why = "started listening instead of exiting"
                break
        if why is not None:
            proc.kill()
            proc.wait()
            pytest.fail(f"caasd {' '.join(args)} {why}\n--- stdout ---\n"
                        f"{out.decode('utf-8', 'replace')}\n--- stderr ---\n"
                        f"{err.decode('utf-8', 'replace')}", pytrace=False)
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        proc.stdout.close()
        proc.stderr.close()
        return subprocess.CompletedProcess(proc.args, code, out.decode("utf-8", "replace"),
                                           err.decode("utf-8", "replace"))


class Caasd:
    """One caasd process with its data dir, logs and URL.

    stdout is read line by line by a thread (kept in memory and copied to a file) so the server
    never blocks on a full pipe; stderr goes straight to a file. Use `stop()` for a graceful
    stop that must exit 0, `kill()` for SIGKILL, `restart()` to start again on the same data dir.
    """

    def __init__(self, tmp_path: Path, name: str = "caasd", args: Iterable[str] = (),
                 env: Optional[dict] = None, data_dir: Optional[Path] = None,
                 listen: Optional[str] = "127.0.0.1:0", verify=True,
                 pass_data_dir: bool = True):
        self.tmp_path = Path(tmp_path)
        self.name = name
        self.args = list(args)
        self.env = dict(env or {})
        self.data_dir = Path(data_dir) if data_dir else self.tmp_path / f"{name}-data"
        self.listen = listen
        self.verify = verify
        self.pass_data_dir = pass_data_dir
        self.proc: Optional[subprocess.Popen] = None
        self.scheme = ""
        self.host = ""
        self.port = 0
        self.url = ""
        self.starts = 0
        self._stdout_lines: list[str] = []
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._reader: Optional[threading.Thread] = None
        self.stdout_path: Optional[Path] = None
        self.stderr_path: Optional[Path] = None
        self._stderr_file = None
        self._session: Optional[requests.Session] = None

    # ------------------------------------------------------------------ process control

    def command(self) -> list[str]:
        cmd = [str(require_binary())]
        if self.listen is not None:
            cmd += ["--listen", self.listen]
        if self.pass_data_dir:
            cmd += ["--data-dir", str(self.data_dir)]
        return cmd + self.args

    def start(self) -> "Caasd":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        self.stdout_path = self.tmp_path / f"{self.name}.{self.starts}.stdout.log"
        self.stderr_path = self.tmp_path / f"{self.name}.{self.starts}.stderr.log"
        self._stderr_file = open(self.stderr_path, "wb")
        with self._lock:
            self._stdout_lines = []
        self.proc = subprocess.Popen(self.command(), env=base_env(self.env),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr_file, cwd=str(self.tmp_path))
        self._reader = threading.Thread(target=self._drain_stdout, args=(self.proc,),
                                        daemon=True)
        self._reader.start()
        self._wait_listening()
        self._session = None
        return self

    def _drain_stdout(self, proc: subprocess.Popen) -> None:
        with open(self.stdout_path, "wb") as copy:
            for raw in iter(proc.stdout.readline, b""):
                copy.write(raw)
                copy.flush()
                with self._cond:
                    self._stdout_lines.append(raw.decode("utf-8", "replace"))
                    self._cond.notify_all()
        proc.stdout.close()
        with self._cond:
            self._cond.notify_all()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        with self._cond:
            while True:
                for line in self._stdout_lines:
                    match = LISTEN_RE.search(line)
                    if match:
                        self.scheme, host, port = match.group(1), match.group(2), match.group(3)
                        self.port = int(port)
                        # A wildcard address is reached through loopback.
                        self.host = "127.0.0.1" if host in ("0.0.0.0", "[::]", "") else host
                        self.url = f"{self.scheme}://{self.host}:{self.port}"
                        return
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.proc.poll() is not None:
                    break
                self._cond.wait(timeout=min(remaining, 0.1))
        exited = self.proc.poll()
        if exited is None:
            self._hard_kill()
            why = f"no listening line within {START_TIMEOUT_S} s"
        else:
            why = f"exited with code {exited} before listening"
        pytest.fail(f"caasd did not start ({why}); command {self.command()}\n"
                    f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}",
                    pytrace=False)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, signum: int) -> None:
        assert self.running(), f"caasd is not running\n{self.logs()}"
        self.proc.send_signal(signum)

    def wait(self, timeout: float = STOP_TIMEOUT_S) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._hard_kill()
            pytest.fail(f"caasd did not exit within {timeout} s\n{self.logs()}", pytrace=False)
        self._finish_io()
        return code

    def stop(self, signum: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_S) -> None:
        """Graceful stop: the signal, then the process must exit 0 within `timeout`."""
        self.close_session()
        self.send_signal(signum)
        code = self.wait(timeout)
        assert code == 0, f"caasd exited with {code} after {signal.Signals(signum).name}\n" \
                          f"{self.logs()}"

    def kill(self) -> None:
        self.close_session()
        if self.running():
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
            self._finish_io()

    def restart(self, graceful: bool = True) -> "Caasd":
        if graceful:
            self.stop()
        else:
            self.kill()
        return self.start()

    def _hard_kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass
        self._finish_io()

    def _finish_io(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def cleanup(self) -> None:
        """Teardown: whatever happened, the process is gone afterwards."""
        self.close_session()
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT_S)
        self._finish_io()

    # ------------------------------------------------------------------ output

    @property
    def stdout(self) -> str:
        with self._lock:
            return "".join(self._stdout_lines)

    @property
    def stderr(self) -> str:
        if self.stderr_path is None or not self.stderr_path.exists():
            return ""
        return self.stderr_path.read_bytes().decode("utf-8", "replace")

    def logs(self) -> str:
        return f"--- caasd stdout ---\n{self.stdout[-8000:]}\n" \
               f"--- caasd stderr ---\n{self.stderr[-8000:]}"

    # ------------------------------------------------------------------ HTTP

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
            self._session.verify = self.verify
        return self._session

    def close_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def request(self, method: str, path: str, token: Optional[str] = None,
                headers: Optional[dict] = None, **kwargs) -> requests.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
        return self.session.request(method, self.url + path, headers=all_headers, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def health(self) -> dict:
        r = self.get("/v1/sys/health")
        assert r.status_code == 200, f"health: {r.status_code} {r.text}\n{self.logs()}"
        return r.json()

    def assert_alive(self) -> None:
        """The process runs and answers /v1/sys/health on a fresh connection."""
        assert self.running(), f"caasd died (exit {self.proc.poll()})\n{self.logs()}"
        r = requests.get(self.url + "/v1/sys/health", timeout=HTTP_TIMEOUT_S, verify=self.verify)
        assert r.status_code == 200, f"health after the test: {r.status_code} {r.text}"

    def init(self, shares: int = 5, threshold: int = 3) -> tuple[list[str], str]:
        r = self.post("/v1/sys/init", json={"shares": shares, "threshold": threshold})
        assert r.status_code == 200, f"init: {r.status_code} {r.text}"
        body = r.json()
        return body["shares"], body["root_token"]

    def unseal(self, share: str) -> requests.Response:
        return self.post("/v1/sys/unseal", json={"share": share})

    def unseal_with(self, shares: Iterable[str]) -> None:
        """Gives shares one by one; the last one must unseal."""
        shares = list(shares)
        for i, share in enumerate(shares, 1):
            r = self.unseal(share)
            assert r.status_code == 200, f"unseal share {i}: {r.status_code} {r.text}"
            body = r.json()
            if i < len(shares):
                assert body["sealed"] is True and body["progress"] == i, body
            else:
                assert body["sealed"] is False and body["progress"] == 0, body
        assert self.health()["sealed"] is False

    def seal(self, token: str) -> None:
        r = self.post("/v1/sys/seal", token=token)
        assert r.status_code == 204, f"seal: {r.status_code} {r.text}"


# ---------------------------------------------------------------------- assertions


def assert_error(r: requests.Response, status: int, code: str, field: Optional[str] = None):
    """The response is the JSON error `code` with HTTP `status` (and names `field`)."""
    assert r.status_code == status, \
        f"{r.request.method} {r.request.path_url}: expected {status} {code}, " \
        f"got {r.status_code} {r.text!r}"
    ctype = r.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", \
        f"error Content-Type is {ctype!r}"
    body = r.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    assert body["error"].get("code") == code, body
    message = body["error"].get("message")
    assert isinstance(message, str) and message, f"error without message: {body}"
    if field is not None:
        assert field in message, f"message {message!r} does not name the field {field!r}"
    return body


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


# ---------------------------------------------------------------------- metrics

SAMPLE_RE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+\d+)?$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*')


def parse_metrics(text):
    """Prometheus text format 0.0.4 → list of (name, {label: value}, float)."""
    samples = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = SAMPLE_RE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        labels = {}
        raw = match.group("labels") or ""
        pos = 0
        while pos < len(raw):
            label = LABEL_RE.match(raw, pos)
            assert label, f"bad labels in {line!r}"
            labels[label.group(1)] = label.group(2)
            pos = label.end()
        samples.append((match.group("name"), labels, float(match.group("value"))))
    return samples


def metric_sum(samples, name, **labels):
    """Sum of the samples of `name` whose labels include `labels` (0 when none)."""
    return sum(v for n, l, v in samples
               if n == name and all(l.get(k) == want for k, want in labels.items()))


def metric_exists(samples, name, **labels):
    return any(n == name and all(l.get(k) == want for k, want in labels.items())
               for n, l, _ in samples)


def metric_sum_from_text(text, name, **labels):
    return metric_sum(parse_metrics(text), name, **labels)


# ---------------------------------------------------------------------- raw sockets


def raw_connect(server: Caasd, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class RawResponse:
    def __init__(self, status: int, reason: str, headers: dict, body: bytes):
        self.status = status
        self.reason = reason
        self.headers = headers  # lower-case names
        self.body = body

    def __repr__(self) -> str:
        return f"RawResponse({self.status} {self.reason}, {self.headers}, {self.body[:200]!r})"


class RawReader:
    """Reads HTTP/1.1 responses (Content-Length or chunked) from a socket, keeping leftovers."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def read_response(self) -> Optional[RawResponse]:
        """One response, or None when the peer closed before sending one."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                if self.buf:
                    raise AssertionError(f"connection closed inside a response: {self.buf!r}")
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        version, status, *reason = lines[0].split(" ", 2)
        assert version.startswith("HTTP/1."), lines[0]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    assert self._fill(), "closed inside a chunk size"
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    assert self._fill(), "closed inside a chunk"
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(self.buf) < length:
                assert self._fill(), "closed inside a body"
            body, self.buf = self.buf[:length], self.buf[length:]
        return RawResponse(int(status), reason[0] if reason else "", headers, body)


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """True when the peer closes (EOF or reset) within `timeout`; data is read and dropped."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        if not data:
            return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------- fixtures


@pytest.fixture
def caasd_factory(tmp_path):
    """Makes and starts Caasd instances: caasd_factory(name=..., args=[...], env={...})."""
    require_binary()
    started: list[Caasd] = []

    def make(start: bool = True, **kwargs) -> Caasd:
        kwargs.setdefault("name", f"caasd{len(started)}")
        server = Caasd(tmp_path, **kwargs)
        started.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in started:
        server.cleanup()


@pytest.fixture
def caasd(caasd_factory) -> Caasd:
    """A fresh, uninitialized, sealed caasd."""
    return caasd_factory()


@pytest.fixture
def unsealed(caasd):
    """A caasd initialized 5/3 and unsealed: (server, shares, root_token)."""
    shares, token = caasd.init(5, 3)
    caasd.unseal_with(shares[:3])
    return caasd, shares, token
