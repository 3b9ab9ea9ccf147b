"""`caas` at a real terminal (tmux): the hidden password prompt, the mailed-code prompt, the TOTP
QR code and the progress bar of a large upload, read back from the screen with capture-pane.

Skipped when tmux is missing (scripts/install-deps installs it). Uses a private tmux socket and
kills that tmux server at the end; waits by polling the screen against a deadline.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

from accounts import smtp, start_server  # noqa: F401 (fixture)
from cli_support import CliUser, client_env, mail_count, mailed_code, require_client

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (scripts/install-deps installs it)")

QR_ROW = re.compile(r"^\s*[█▀▄ ]{20,}\s*$")


class Tmux:
    def __init__(self, env: dict, cwd: str):
        self.socket = f"caas-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.cwd = cwd

    def tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-u", "-L", self.socket, "-f", "/dev/null", *args],
                              env=self.env, cwd=self.cwd, capture_output=True, text=True,
                              timeout=15)
        if check:
            assert done.returncode == 0, f"tmux {args[0]}: {done.stderr}"
        return done.stdout

    def start(self) -> None:
        self.tmux("new-session", "-d", "-x", "200", "-y", "60", "-s", "t",
                  "bash --norc --noprofile -i")
        self.tmux("set-option", "-g", "history-limit", "5000")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "t", "-l", text)
        self.tmux("send-keys", "-t", "t", "Enter")

    def screen(self) -> str:
        # -J joins wrapped lines; -S - takes the scrollback too.
        return self.tmux("capture-pane", "-t", "t", "-p", "-J", "-S", "-")

    def wait_for(self, pattern: str, timeout: float = 30.0, after: int = 0) -> re.Match:
        """The first match of `pattern` in the screen past character `after`, polled."""
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            found = regex.search(text, after)
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"`{pattern}` not on screen within {timeout} s; "
                                     f"screen:\n{text[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        self.tmux("kill-server", check=False)


@pytest.fixture
def terminal(tmp_path_factory, smtp):  # noqa: F811
    server = start_server(tmp_path_factory, smtp, "tmux")
    home = tmp_path_factory.mktemp("tmux-user")
    user = CliUser(server, smtp, home, f"tty-{uuid.uuid4().hex[:10]}@example.com",
                   "terminal pass phrase 42")
    env = user.env({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color",
                    "PS1": "$ ", "PATH": f"{require_client().parent}:{os.environ['PATH']}"})
    term = Tmux(env, str(user.cwd))
    term.start()
    yield term, user
    term.kill()
    server.cleanup()


def test_login_totp_and_progress_at_a_terminal(terminal):
    term, user = terminal
    user.register()  # through pipes: the terminal part is what follows

    # Login: the password is asked with echo off, then the mailed code.
    before = mail_count(user.smtp, user.email)
    term.type(f"caas login {user.email}")
    mark = term.wait_for(r"^Password: ").end()
    term.type(user.password)
    code_prompt = term.wait_for(r"^Code from the mail: ", after=mark)
    screen = term.screen()
    assert user.password not in screen, "the password was echoed on the screen"
    assert re.search(r"^A code was mailed to " + re.escape(user.email) + r"\.$", screen,
                     re.MULTILINE)
    term.type(mailed_code(user.smtp, user.email, before + 1))
    term.wait_for(r"^Logged in as " + re.escape(user.email) + r" \(session until .*\)\.$",
                  after=code_prompt.end())
    term.wait_for(r"^Created your end-to-end key: age1\w+ \(SHA256:[\w+/]+\)$")
    assert user.password not in term.screen()

    # TOTP enroll draws a QR code of block characters, then the secret.
    term.type("caas totp enroll")
    secret = term.wait_for(r"^Or enter the secret: ([A-Z2-7]+)$")
    term.wait_for(r"^Then confirm with a code from the app: caas totp confirm CODE$")
    lines = term.screen()[:secret.start()].splitlines()
    start = max(i for i, line in enumerate(lines) if "Scan this with your authenticator" in line)
    qr = [line for line in lines[start:] if QR_ROW.match(line) and line.strip()]
    assert len(qr) >= 10, "no QR code rows:\n" + "\n".join(lines[start:])
    assert all(len(row.rstrip()) >= 21 for row in qr)
    assert any("█" in row or "▀" in row for row in qr)
    assert len(secret.group(1)) >= 16

    # A 32 MiB upload draws the progress bar on stderr, ending at 100%.
    big = user.cwd / "big.bin"
    with open(big, "wb") as f:
        f.write(os.urandom(1 << 20) * 32)
    term.type("caas upload big.bin")
    term.wait_for(r"upload big\.bin +100% \[#{24}\] 32\.0 MiB / 32\.0 MiB .*in \d+:\d\d",
                  timeout=120)
    term.wait_for(r"^Uploaded big\.bin to big\.bin \(32\.0 MiB, end-to-end encrypted\)$",
                  timeout=30)

    # The download shows its bar too, and gives the same bytes back.
    term.type("caas download big.bin back.bin")
    term.wait_for(r"download big\.bin +100% \[#{24}\] .*MiB / .*MiB", timeout=120)
    term.wait_for(r"^Downloaded big\.bin to back\.bin \(32\.0 MiB, decrypted on this machine\)$",
                  timeout=30)
    assert (user.cwd / "back.bin").read_bytes() == big.read_bytes()


def test_register_at_a_terminal_asks_the_password_twice(terminal):
    term, user = terminal
    term.type(f"caas register {user.email}")
    mark = term.wait_for(r"^Password: ").end()
    term.type(user.password)
    mark = term.wait_for(r"^Password again: ", after=mark).end()
    term.type(user.password + "x")
    term.wait_for(r"^caas: the two passwords differ$", after=mark)

    before = mail_count(user.smtp, user.email)
    term.type(f"caas register {user.email}")
    mark = term.wait_for(r"^Password: ", after=mark).end()
    term.type(user.password)
    mark = term.wait_for(r"^Password again: ", after=mark).end()
    term.type(user.password)
    mark = term.wait_for(r"^Code from the mail: ", after=mark).end()
    term.type(mailed_code(user.smtp, user.email, before + 1))
    term.wait_for(r"^Registered " + re.escape(user.email) + r"\. Now log in: caas login ",
                  after=mark)
    assert user.password not in term.screen(), "the password was echoed on the screen"


@pytest.mark.skipif(shutil.which("dash") is None, reason="needs dash, a shell that does not "
                    "restore the terminal after a job is interrupted")
def test_ctrl_c_at_the_password_prompt_restores_echo(tmp_path):
    env = client_env(tmp_path / "config", "http://127.0.0.1:1",
                     {"LANG": "C.UTF-8", "TERM": "xterm-256color", "PS1": "$ "})
    term = Tmux(env, str(tmp_path))
    term.tmux("new-session", "-d", "-x", "200", "-y", "20", "-s", "t", "dash -i")
    try:
        term.type(f"{require_client()} login someone@example.com")
        mark = term.wait_for(r"^Password: ").end()
        term.tmux("send-keys", "-t", "t", "C-c")
        term.wait_for(r"^[#$] ?$", after=mark)
        term.type("echo typed-after-ctrl-c")
        # With echo on, the command line itself shows, not only its output.
        term.wait_for(r"^[#$] echo typed-after-ctrl-c$", after=mark, timeout=3)
    finally:
        term.kill()
