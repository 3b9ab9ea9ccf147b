"""Command line and configuration: defaults < TOML file < CAAS_* environment < flags."""

from __future__ import annotations

import socket

import pytest

from conftest import assert_error, free_port, run_caasd

BAD_CONFIG_EXIT = 2


def test_version():
    result = run_caasd(["--version"])
    assert result.returncode == 0, result
    assert result.stdout.strip() == "caasd 0.1.0", result.stdout


def test_help():
    result = run_caasd(["--help"])
    assert result.returncode == 0, result
    for flag in ("--config", "--dev", "--listen", "--data-dir", "--version", "--list-routes"):
        assert flag in result.stdout, f"--help does not mention {flag}:\n{result.stdout}"


@pytest.mark.parametrize("args", [["--bogus"], ["-x"], ["--listen"], ["--data-dir"],
                                  ["--config"]],
                         ids=["unknown-long", "unknown-short", "listen-no-value",
                              "data-dir-no-value", "config-no-value"])
def test_bad_command_line_exits_2(args, tmp_path):
    result = run_caasd(args, cwd=tmp_path, timeout=10)
    assert result.returncode == BAD_CONFIG_EXIT, \
        f"caasd {args}: exit {result.returncode}, stderr {result.stderr!r}"
    assert result.stderr.strip(), "no message on stderr"
    assert "listening on" not in result.stdout


def write_config(tmp_path, text, name="caasd.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def padded_init_body(size):
    core = b'{"shares":3,"threshold":2'
    return core + b" " * (size - len(core) - 1) + b"}"


def test_toml_file_is_honoured(caasd_factory, tmp_path):
    config = write_config(tmp_path, "[http]\njson_body_limit_bytes = 2048\n")
    server = caasd_factory(args=["--config", str(config)])
    body = padded_init_body(4096)
    r = server.post("/v1/sys/init", data=body, headers={"Content-Type": "application/json"})
    assert_error(r, 413, "too_large")
    r = server.post("/v1/sys/init", data=padded_init_body(2048),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def test_environment_overrides_the_file(caasd_factory, tmp_path):
    config = write_config(tmp_path, "[http]\njson_body_limit_bytes = 2048\n")
    server = caasd_factory(args=["--config", str(config)],
                           env={"CAAS_HTTP_JSON_BODY_LIMIT_BYTES": 8192})
    r = server.post("/v1/sys/init", data=padded_init_body(4096),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def test_file_sets_listen_and_data_dir(caasd_factory, tmp_path):
    data_dir = tmp_path / "from-file"
    config = write_config(tmp_path, f'[server]\nlisten = "127.0.0.1:0"\n'
                                    f'data_dir = "{data_dir}"\n')
    server = caasd_factory(args=["--config", str(config)], listen=None, pass_data_dir=False)
    server.init(3, 2)
    assert (data_dir / "caas.db").is_file(), "data_dir from the file was not used"


@pytest.fixture
def busy_port():
    """A port held by a listening socket, so a server that tries it fails to start."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def test_environment_overrides_the_file_listen(caasd_factory, tmp_path, busy_port):
    config = write_config(tmp_path, f'[server]\nlisten = "127.0.0.1:{busy_port}"\n')
    server = caasd_factory(args=["--config", str(config)], listen=None,
                           env={"CAAS_SERVER_LISTEN": "127.0.0.1:0"})
    assert server.port != busy_port
    server.assert_alive()


def test_flag_overrides_the_environment(caasd_factory, busy_port):
    server = caasd_factory(env={"CAAS_SERVER_LISTEN": f"127.0.0.1:{busy_port}"})
    assert server.port != busy_port
    server.assert_alive()


@pytest.mark.parametrize("text,key", [
    ("[http]\nbogus_key = 1\n", "bogus_key"),
    ("[nosuchsection]\nlisten = 1\n", "nosuchsection"),
    ('[http]\njson_body_limit_bytes = "big"\n', "json_body_limit_bytes"),
    ("[http]\nheader_timeout_ms = true\n", "header_timeout_ms"),
    ("[server]\nlisten = 8200\n", "listen"),
    ('[log]\nlevel = "loud"\n', "level"),
    ("top_level_key = 1\n", "top_level_key"),
], ids=["unknown-key", "unknown-section", "string-for-int", "bool-for-int", "int-for-string",
        "bad-enum", "top-level-key"])
def test_bad_config_file_exits_2_naming_the_key(tmp_path, text, key):
    config = write_config(tmp_path, text)
    # No CAAS_LOG_LEVEL from the test environment: it would override the file's log.level.
    result = run_caasd(["--config", config, "--listen", "127.0.0.1:0",
                        "--data-dir", tmp_path / "data"], env={"CAAS_LOG_LEVEL": None},
                       cwd=tmp_path, timeout=10)
    assert result.returncode == BAD_CONFIG_EXIT, \
        f"exit {result.returncode}; stdout {result.stdout!r}; stderr {result.stderr!r}"
    assert key in result.stderr, f"stderr does not name {key!r}: {result.stderr!r}"


@pytest.mark.parametrize("text", ["[http\njson_body_limit_bytes = 1\n", "[http]\nx = \n",
                                  "= 5\n", '[http]\nheader_timeout_ms = "unterminated\n'],
                         ids=["bad-table", "no-value", "no-key", "unterminated-string"])
def test_unparsable_config_exits_2(tmp_path, text):
    config = write_config(tmp_path, text)
    result = run_caasd(["--config", config, "--listen", "127.0.0.1:0",
                        "--data-dir", tmp_path / "data"], cwd=tmp_path, timeout=10)
    assert result.returncode == BAD_CONFIG_EXIT, \
        f"exit {result.returncode}; stderr {result.stderr!r}"
    assert result.stderr.strip(), "no message on stderr"


def test_missing_config_file_exits_2(tmp_path):
    result = run_caasd(["--config", tmp_path / "absent.toml", "--listen", "127.0.0.1:0",
                        "--data-dir", tmp_path / "data"], cwd=tmp_path, timeout=10)
    assert result.returncode == BAD_CONFIG_EXIT, result
    assert "absent.toml" in result.stderr, result.stderr


@pytest.mark.parametrize("env,key", [
    ({"CAAS_HTTP_HEADER_TIMEOUT_MS": "abc"}, "header_timeout_ms"),
    ({"CAAS_HTTP_JSON_BODY_LIMIT_BYTES": "-5"}, "json_body_limit_bytes"),
    ({"CAAS_SERVER_LISTEN": "not-an-address"}, "listen"),
], ids=["not-a-number", "negative", "bad-listen"])
def test_bad_environment_value_exits_2(tmp_path, env, key):
    result = run_caasd(["--data-dir", tmp_path / "data"], env=env, cwd=tmp_path, timeout=10)
    assert result.returncode == BAD_CONFIG_EXIT, \
        f"exit {result.returncode}; stderr {result.stderr!r}"
    assert key in result.stderr.lower(), f"stderr does not name {key!r}: {result.stderr!r}"


@pytest.mark.parametrize("listen", ["nonsense", "127.0.0.1:99999", "127.0.0.1:-1",
                                    "127.0.0.1", "127.0.0.1:8x"])
def test_bad_listen_flag_exits_2(tmp_path, listen):
    result = run_caasd(["--listen", listen, "--data-dir", tmp_path / "data"], cwd=tmp_path,
                       timeout=10)
    assert result.returncode == BAD_CONFIG_EXIT, \
        f"--listen {listen}: exit {result.returncode}; stderr {result.stderr!r}"
    assert result.stderr.strip(), "no message on stderr"


def test_port_environment_variable(caasd_factory):
    port = free_port()
    server = caasd_factory(listen=None, env={"PORT": port})
    assert server.port == port, f"listening on {server.url}, PORT was {port}"
    assert "0.0.0.0" in server.stdout, f"$PORT should listen on 0.0.0.0: {server.stdout!r}"
    server.assert_alive()


def test_port_environment_variable_loses_to_caas_server_listen(caasd_factory, busy_port):
    server = caasd_factory(listen=None, env={"PORT": busy_port,
                                              "CAAS_SERVER_LISTEN": "127.0.0.1:0"})
    assert server.port != busy_port
    server.assert_alive()
