"""Shared helpers for the `caas age` transcript tests: run a command, compare its exit status
and output with what the age 1.1 tool would give."""
import hashlib
import os
import re
import subprocess

import pytest

AGE = "/usr/bin/age"
AGE_KEYGEN = "/usr/bin/age-keygen"


def caas_binary():
    path = os.environ.get("CAAS_CLI")
    assert path, "CAAS_CLI must name the caas binary (ctest sets it)"
    assert os.access(path, os.X_OK), f"{path} is not executable"
    return path


@pytest.fixture(scope="session", autouse=True)
def tools_present():
    # Interop is the point of these tests: a missing age tool is a failure, not a skip.
    for tool in (AGE, AGE_KEYGEN):
        assert os.access(tool, os.X_OK), f"{tool} is required (apt-get install age)"
    caas_binary()


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr.decode(errors="replace")


def run(argv, stdin=b"", env=None, new_session=True):
    """Runs argv without a controlling terminal (so no passphrase prompt can block)."""
    full_env = {k: v for k, v in os.environ.items() if k != "CAAS_AGE_PASSPHRASE"}
    full_env.update(env or {})
    proc = subprocess.run(argv, input=stdin, capture_output=True, env=full_env,
                          start_new_session=new_session, timeout=60)
    return Run(proc)


def caas(*args, **kwargs):
    return run([caas_binary(), "age", *args], **kwargs)


def age(*args, **kwargs):
    return run([AGE, *args], **kwargs)


def expect(result, code, err_pattern=None):
    """One transcript line: the exit status, and a regex the stderr must contain."""
    assert result.code == code, f"exit {result.code}, stderr: {result.err}"
    if err_pattern is not None:
        assert re.search(err_pattern, result.err), f"stderr {result.err!r} !~ {err_pattern!r}"
    return result


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    """Two identities: one made by `caas age keygen`, one by age-keygen."""
    root = tmp_path_factory.mktemp("keys")
    ours = root / "ours.txt"
    theirs = root / "theirs.txt"
    expect(caas("keygen", "-o", str(ours)), 0, r"Public key: age1")
    expect(run([AGE_KEYGEN, "-o", str(theirs)]), 0)
    ours_pub = expect(caas("keygen", "-y", str(ours)), 0).out.decode().strip()
    theirs_pub = expect(run([AGE_KEYGEN, "-y", str(theirs)]), 0).out.decode().strip()
    return {"ours": ours, "theirs": theirs, "ours_pub": ours_pub, "theirs_pub": theirs_pub}
