"""Passphrase (scrypt) files between caas and the age tool, both ways.

age reads passphrases only from its controlling terminal, so it runs here on a pseudo-terminal
whose prompts the test answers; caas takes its passphrase from CAAS_AGE_PASSPHRASE."""
import os
import pty
import select

from conftest import AGE, caas, expect

SECRET = b"interop passphrase 42"


def run_age_on_terminal(argv, answer, prompts_expected):
    """Runs age with a pseudo-terminal as its controlling terminal, answering every prompt that
    mentions a passphrase; returns (exit status, what the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    shown, answered, since = b"", 0, b""
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        assert ready, f"age printed nothing for 60 s; so far {shown!r}"
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        since += chunk
        if b"passphrase" in since.lower() and since.rstrip().endswith(b":"):
            os.write(fd, SECRET + b"\n")
            answered += 1
            since = b""
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert answered == prompts_expected, shown
    return os.waitstatus_to_exitcode(status), shown


def test_age_decrypts_our_passphrase_file(tmp_path):
    data = os.urandom(65537)
    enc = tmp_path / "ours.age"
    expect(caas("encrypt", "-p", "-o", str(enc), stdin=data,
                env={"CAAS_AGE_PASSPHRASE": SECRET.decode()}), 0)
    out = tmp_path / "plain"
    code, shown = run_age_on_terminal([AGE, "-d", "-o", str(out), str(enc)], SECRET, 1)
    assert code == 0, shown
    assert out.read_bytes() == data


def test_we_decrypt_a_passphrase_file_made_by_age(tmp_path):
    data = os.urandom(70000)
    plain = tmp_path / "plain"
    plain.write_bytes(data)
    enc = tmp_path / "theirs.age"
    code, shown = run_age_on_terminal([AGE, "-e", "-p", "-o", str(enc), str(plain)], SECRET, 2)
    assert code == 0, shown
    result = expect(caas("decrypt", str(enc), env={"CAAS_AGE_PASSPHRASE": SECRET.decode()}), 0)
    assert result.out == data
    expect(caas("decrypt", str(enc), env={"CAAS_AGE_PASSPHRASE": "wrong"}), 1,
           r"incorrect passphrase")
