"""`caasd --dev`: init 1-of-1 on first start, auto-unseal on every start, loud warning."""

from __future__ import annotations

import os
import stat
import time

from conftest import VERSION, unb64


def dev_server(caasd_factory, tmp_path, **env):
    data_dir = tmp_path / "dev-data"
    return caasd_factory(name="dev", args=["--dev"], data_dir=data_dir, env=env)


def read_one_line(path):
    text = path.read_text()
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"{path} is not one line: {text!r}"
    return lines[0].strip()


def wait_for_output(server, needle, timeout=5.0):
    deadline = time.monotonic() + timeout
    while needle not in server.stdout + server.stderr:
        assert time.monotonic() < deadline, \
            f"{needle!r} never appeared in the output\n{server.logs()}"
        time.sleep(0.05)


def test_dev_mode_initializes_unseals_and_writes_secrets(caasd_factory, tmp_path):
    server = dev_server(caasd_factory, tmp_path)
    assert server.health() == {"initialized": True, "sealed": False, "version": VERSION}

    key_file = server.data_dir / "dev-unseal.key"
    token_file = server.data_dir / "dev-root-token"
    for path in (key_file, token_file):
        assert path.is_file(), f"{path} missing"
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == 0o600, f"{path.name} has mode {oct(mode)}, want 0o600"
    share = read_one_line(key_file)
    assert len(unb64(share)) == 33, "dev-unseal.key is not a base64 33-byte share"
    token = read_one_line(token_file)

    wait_for_output(server, token)
    assert token in server.stdout, "the root token is not printed on stdout"
    output = server.stdout + server.stderr
    assert "WARNING" in output, f"no WARNING in the dev-mode output\n{server.logs()}"
    dirs = {str(server.data_dir), os.path.realpath(server.data_dir)}
    assert any(d in output for d in dirs), f"the data dir is not printed\n{server.logs()}"

    r = server.get("/v1/sys/audit", token=token)
    assert r.status_code == 200, r.text
    r = server.post("/v1/sys/seal", token=token)
    assert r.status_code == 204, r.text
    assert server.health()["sealed"] is True

    # A later start unseals from dev-unseal.key and keeps the same secrets.
    server.restart()
    assert server.health() == {"initialized": True, "sealed": False, "version": VERSION}
    assert read_one_line(token_file) == token
    assert read_one_line(key_file) == share
    r = server.get("/v1/sys/audit", token=token)
    assert r.status_code == 200, r.text
    # It was already initialized by the first start.
    r = server.post("/v1/sys/init", json={"shares": 1, "threshold": 1})
    assert r.status_code == 409, r.text

    # Killed (no clean shutdown) it still comes back unsealed.
    server.kill()
    server.start()
    assert server.health()["sealed"] is False


def test_dev_mode_keeps_the_token_out_of_request_logs(caasd_factory, tmp_path):
    server = dev_server(caasd_factory, tmp_path, CAAS_LOG_LEVEL="info")
    token = read_one_line(server.data_dir / "dev-root-token")
    wait_for_output(server, token)
    # Let the startup banner finish, then remember where the request logs begin.
    time.sleep(0.3)
    stdout_mark, stderr_mark = len(server.stdout), len(server.stderr)

    assert server.get("/v1/sys/audit", token=token).status_code == 200
    assert server.get("/v1/sys/audit/verify", token=token).status_code == 200
    assert server.get("/v1/sys/audit", token=token + "x").status_code == 401
    assert server.get("/v1/sys/audit", params={"token": "q"}, token=token).status_code == 200
    assert server.post("/v1/sys/seal", token=token).status_code == 204
    server.stop()  # flushes every log line

    request_logs = server.stdout[stdout_mark:] + server.stderr[stderr_mark:]
    assert "/v1/sys/audit" in request_logs, \
        f"no access-log line for the requests at log level info\n{server.logs()}"
    leaking = [line for line in request_logs.splitlines() if token in line]
    assert not leaking, f"the root token appears in request log lines: {leaking}"
    # Before the mark it is in the startup banner, on stdout.
    assert token in server.stdout[:stdout_mark]
