"""Passphrase (scrypt) encryption through CAAS_AGE_PASSPHRASE and the terminal.

Interop with the age tool, which reads passphrases only from its terminal, is in
test_passphrase_interop.py (age runs on a pseudo-terminal there). The scrypt stanza itself is
checked against the age test kit in tests/format."""
import os
import pty

from conftest import caas, expect

PASS = {"CAAS_AGE_PASSPHRASE": "correct horse battery staple"}


def test_passphrase_round_trip_and_armor(tmp_path):
    data = os.urandom(70000)
    enc = expect(caas("encrypt", "-p", stdin=data, env=PASS), 0, r"\A\Z").out
    assert b"\n-> scrypt " in enc[:200]
    assert expect(caas("decrypt", stdin=enc, env=PASS), 0).out == data
    armored = expect(caas("encrypt", "-p", "-a", stdin=data, env=PASS), 0).out
    out = tmp_path / "out"
    expect(caas("decrypt", "-o", str(out), stdin=armored, env=PASS), 0)
    assert out.read_bytes() == data


def test_wrong_passphrase_fails_and_leaves_no_output(tmp_path):
    enc = expect(caas("encrypt", "-p", stdin=b"secret", env=PASS), 0).out
    out = tmp_path / "out"
    expect(caas("decrypt", "-o", str(out), stdin=enc, env={"CAAS_AGE_PASSPHRASE": "nope"}), 1,
           r"\Acaas age: incorrect passphrase\n\Z")
    assert not out.exists()


def test_passphrase_without_terminal_or_variable_fails():
    expect(caas("encrypt", "-p", stdin=b"x"), 1, r"no terminal; set CAAS_AGE_PASSPHRASE")


def test_empty_passphrase_is_refused():
    expect(caas("encrypt", "-p", stdin=b"x", env={"CAAS_AGE_PASSPHRASE": ""}), 1,
           r"empty passphrase")


def test_passphrase_with_recipients_is_refused(keys):
    expect(caas("encrypt", "-p", "-r", keys["ours_pub"], stdin=b"x", env=PASS), 1,
           r"-p/--passphrase can't be combined with -r/--recipient")


def test_binary_output_to_a_terminal_is_refused(keys):
    main, sub = pty.openpty()
    try:
        import subprocess
        proc = subprocess.run([os.environ["CAAS_CLI"], "age", "encrypt", "-r", keys["ours_pub"]],
                              input=b"x", stdout=sub, stderr=subprocess.PIPE, timeout=30)
    finally:
        os.close(sub)
        os.close(main)
    assert proc.returncode == 1
    assert b"refusing to output binary to the terminal" in proc.stderr


def run_on_terminal(argv, answers):
    """Runs argv with a pseudo-terminal as its controlling terminal (and stdio), answering each
    prompt in turn; returns (exit status, everything the terminal showed)."""
    import select
    pid, fd = pty.fork()
    if pid == 0:
        env = {k: v for k, v in os.environ.items() if k != "CAAS_AGE_PASSPHRASE"}
        os.execve(argv[0], argv, env)
    shown = b""
    pending = list(answers)
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        assert ready, f"no output from the terminal; so far {shown!r}"
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
        if pending and shown.rstrip().endswith(b"passphrase:"):
            os.write(fd, pending.pop(0) + b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown


def test_passphrase_from_the_terminal_asked_twice_without_echo(tmp_path):
    plain = tmp_path / "p"
    plain.write_bytes(b"typed at a terminal\n")
    enc = tmp_path / "c.age"
    cli = os.environ["CAAS_CLI"]
    code, shown = run_on_terminal([cli, "age", "encrypt", "-p", "-o", str(enc), str(plain)],
                                  [b"tty secret", b"tty secret"])
    assert code == 0, shown
    assert b"Enter passphrase:" in shown and b"Confirm passphrase:" in shown
    assert b"tty secret" not in shown  # echo was off
    out = tmp_path / "d"
    code, shown = run_on_terminal([cli, "age", "decrypt", "-o", str(out), str(enc)],
                                  [b"tty secret"])
    assert code == 0, shown
    assert out.read_bytes() == plain.read_bytes()


def test_passphrases_that_differ_are_refused(tmp_path):
    plain = tmp_path / "p"
    plain.write_bytes(b"x")
    enc = tmp_path / "c.age"
    code, shown = run_on_terminal(
        [os.environ["CAAS_CLI"], "age", "encrypt", "-p", "-o", str(enc), str(plain)],
        [b"one", b"two"])
    assert code == 1
    assert b"passphrases didn't match" in shown
    assert not enc.exists()
