"""A small, strict transcript format for the `caas` client, and its runner.

A transcript is a text file of blocks. Each block starts with a command and lists everything the
command must print, on which stream, and how it ends:

    # a comment (also blank lines)
    @ alice              switch to simulated user alice (own XDG_CONFIG_HOME); `@ alice/laptop`
                         is alice on a second device (same account, another config folder)
    $ caas ARGS…         run the client (shlex-split; {vars} substituted in each word). A leading
                         NAME=value word sets an environment variable for this command only
    < LINE               a line of standard input. `< {code}` waits for the next mail to the
                         current user and sends its code; `< {totp}` sends a fresh RFC 6238 code
                         for the secret captured as {totp_secret}
    > TEXT               the next line of stdout (whitespace at both ends ignored)
    >json {…}            stdout is one JSON value matching this one: the same keys exactly, each
                         string a template (below) matched against the value (non-strings as JSON)
    ! TEXT               the next line of stderr (prompts included, whitespace at both ends ignored)
    ? N                  the exit code (0 when absent); `? nonzero` for any failure
    % ACTION ARGS…       a step of the test itself: `% file NAME BYTES` (random content),
                         `% text NAME WORDS…` (a line; no words: empty), `% same A B` (byte-equal files), `% absent NAME`, `% remove NAME`,
                         `% replace-key USER [ITERATIONS MEMORY_KIB]` (TranscriptRunner.replace_key)

Every stdout and stderr line must be matched, in order: an unexpected line fails the block.
A line `# server: NAME=VALUE …` sets the environment of the transcript's caasd (limits, say).
A line `# xfail: REASON` marks the whole transcript as a known bug (strict: it must fail).

Templates: `{name}` is a variable (re.escape'd): each user's email as {alice}, their password as
{alice_pw}, {password} and {me} for the current user, {server}, the --dev server's {root_token}
and {unseal_share}, and everything captured.
`{=name}` captures a run of non-blank characters into {name}; `{=name:kind}` captures a `kind`.
Kinds, also usable alone as `{kind}`: time, uuid, fp (key fingerprint), age1 (a recipient),
size (1.5 MiB, 312 B), hex, b64, any (`{*}` is the same: anything, possibly empty).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import requests

from accounts import totp
from cli_support import (DerivedKeys, age_keygen, client_env, mail_count, mailed_code,
                         require_client, wrap_identity)

KINDS = {
    "time": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})",
    "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "fp": r"SHA256:[A-Za-z0-9+/]{43}",
    "age1": r"age1[02-9ac-hj-np-z]{58}",
    "size": r"\d+ B|\d+\.\d (?:KiB|MiB|GiB|TiB)",
    "hex": r"[0-9a-f]+",
    "b64": r"[A-Za-z0-9+/=_-]+",
    "any": r".*",
    "*": r".*",
}
TOKEN_RE = re.compile(r"\{(=?)([A-Za-z_*][A-Za-z0-9_.*]*)(?::([a-z0-9]+))?\}")


class TranscriptError(AssertionError):
    pass


@dataclass
class Block:
    line_no: int
    command: str
    stdin: list[str] = field(default_factory=list)
    stdout: list[str] = field(default_factory=list)
    stdout_json: Optional[str] = None
    stderr: list[str] = field(default_factory=list)
    exit_code: Optional[int] = 0  # None: any but 0


@dataclass
class Step:
    line_no: int
    kind: str  # "user" or "action" or "block"
    text: str = ""
    block: Optional[Block] = None


def parse(text: str) -> list[Step]:
    steps: list[Step] = []
    current: Optional[Block] = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("$ "):
            current = Block(number, line[2:].strip())
            steps.append(Step(number, "block", block=current))
            continue
        if line.startswith("@ "):
            current = None
            steps.append(Step(number, "user", line[2:].strip()))
            continue
        if line.startswith("% "):
            current = None
            steps.append(Step(number, "action", line[2:].strip()))
            continue
        if current is None:
            raise TranscriptError(f"line {number}: `{line}` outside a `$` block")
        if line.startswith(">json "):
            current.stdout_json = line[6:]
        elif line == ">" or line.startswith("> "):
            current.stdout.append(line[2:])
        elif line == "!" or line.startswith("! "):
            current.stderr.append(line[2:])
        elif line.startswith("< "):
            current.stdin.append(line[2:])
        elif line.startswith("? "):
            current.exit_code = None if line[2:].strip() == "nonzero" else int(line[2:])
        else:
            raise TranscriptError(f"line {number}: cannot parse `{line}`")
    return steps


class TranscriptRunner:
    def __init__(self, server, smtp, work: Path, name: str):
        self.server = server
        self.smtp = smtp
        self.work = work
        self.name = name
        self.vars: dict[str, str] = {"server": server.url}
        # --dev leaves the operator's secrets in the data dir: {root_token}, {unseal_share}.
        for name, file in (("root_token", "dev-root-token"), ("unseal_share", "dev-unseal.key")):
            if (server.data_dir / file).is_file():
                self.vars[name] = (server.data_dir / file).read_text().strip()
        self.user = ""
        self.device = ""
        self.used_totp: set[int] = set()
        self.log: list[str] = []
        require_client()

    # ------------------------------------------------------------------ users

    def email_of(self, user: str) -> str:
        if user not in self.vars:
            self.vars[user] = f"{user}-{uuid.uuid4().hex[:10]}@example.com"
            self.vars[f"{user}_pw"] = f"{user} correct horse battery staple"
        return self.vars[user]

    def switch(self, who: str) -> None:
        self.user, _, device = who.partition("/")
        self.device = device or "main"
        self.email_of(self.user)
        self.vars["me"] = self.vars[self.user]
        self.vars["password"] = self.vars[f"{self.user}_pw"]

    def config_home(self, user: str, device: str = "main") -> Path:
        return self.work / "config" / f"{user}.{device}"

    # ------------------------------------------------------------------ templates

    def substitute(self, text: str, where: str) -> str:
        def value(match: re.Match) -> str:
            capture, name, kind = match.groups()
            if capture or kind or name not in self.vars:
                raise TranscriptError(f"{where}: `{match.group(0)}` is not a known variable")
            return self.vars[name]
        return TOKEN_RE.sub(value, text)

    def compile(self, template: str, where: str) -> re.Pattern:
        pattern, last, seen = "", 0, set()
        for match in TOKEN_RE.finditer(template):
            pattern += re.escape(template[last:match.start()])
            last = match.end()
            capture, name, kind = match.groups()
            if capture:
                if name in seen:
                    raise TranscriptError(f"{where}: {name} captured twice in one line")
                seen.add(name)
                body = KINDS[kind] if kind else r"\S+"
                pattern += f"(?P<{name}>{body})"
            elif name in KINDS and name not in self.vars:
                pattern += f"(?:{KINDS[name]})"
            elif name in self.vars:
                pattern += re.escape(self.vars[name])
            else:
                raise TranscriptError(f"{where}: unknown placeholder {match.group(0)}")
        pattern += re.escape(template[last:])
        return re.compile(pattern, re.DOTALL)

    def match_line(self, template: str, actual: str, where: str) -> bool:
        found = self.compile(template.strip(), where).fullmatch(actual.strip())
        if not found:
            return False
        self.vars.update({k: v for k, v in found.groupdict().items() if v is not None})
        return True

    def match_json(self, expected, actual, where: str, path: str = "$") -> None:
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                raise TranscriptError(f"{where}: {path} is {actual!r}, not an object")
            if set(expected) != set(actual):
                raise TranscriptError(f"{where}: {path} has keys {sorted(actual)}, "
                                      f"expected {sorted(expected)}")
            for key in expected:
                self.match_json(expected[key], actual[key], where, f"{path}.{key}")
        elif isinstance(expected, list):
            if not isinstance(actual, list) or len(actual) != len(expected):
                raise TranscriptError(f"{where}: {path} is {actual!r}, expected {len(expected)} "
                                      f"items")
            for i, (e, a) in enumerate(zip(expected, actual)):
                self.match_json(e, a, where, f"{path}[{i}]")
        elif isinstance(expected, str):
            text = actual if isinstance(actual, str) else json.dumps(actual)
            if not self.match_line(expected, text, where):
                raise TranscriptError(f"{where}: {path} is {actual!r}, expected `{expected}`")
        elif expected != actual or type(expected) is not type(actual):
            raise TranscriptError(f"{where}: {path} is {actual!r}, expected {expected!r}")

    # ------------------------------------------------------------------ steps

    def run(self, text: str) -> None:
        for step in parse(text):
            where = f"{self.name}:{step.line_no}"
            if step.kind == "user":
                self.switch(step.text)
            elif step.kind == "action":
                self.action(step.text, where)
            else:
                self.run_block(step.block, where)

    def action(self, text: str, where: str) -> None:
        words = [self.substitute(w, where) for w in shlex.split(text)]
        verb, args = words[0], words[1:]
        if verb == "file":
            (self.work / args[0]).write_bytes(os.urandom(int(args[1])))
        elif verb == "text":
            (self.work / args[0]).write_text(" ".join(args[1:]) + "\n" if args[1:] else "")
        elif verb == "same":
            a, b = (self.work / args[0]).read_bytes(), (self.work / args[1]).read_bytes()
            if a != b:
                raise TranscriptError(f"{where}: {args[0]} ({len(a)} bytes) and {args[1]} "
                                      f"({len(b)} bytes) differ")
        elif verb == "remove":
            (self.work / args[0]).unlink()
        elif verb == "absent":
            if (self.work / args[0]).exists():
                raise TranscriptError(f"{where}: {args[0]} exists")
        elif verb == "replace-key":
            self.replace_key(args[0], where, *[int(a) for a in args[1:]])
        else:
            raise TranscriptError(f"{where}: unknown action {verb}")

    def replace_key(self, user: str, where: str, iterations: int = 3,
                    memory_kib: int = 64 * 1024) -> None:
        """Gives `user` a new end-to-end key on the server, as a key reset on another device
        would: a fresh age identity (reference age-keygen) wrapped with the user's master key
        computed by the reference derivation, PUT with the session token of their main
        device. Their next login on a new device recovers the new key. `% replace-key USER
        ITERATIONS MEMORY_KIB` wraps under other Argon2id costs, as a future client would."""
        email = self.email_of(user)
        config = json.loads((self.config_home(user) / "caas" / "config.json").read_text())
        try:
            master_key = DerivedKeys(email, self.vars[f"{user}_pw"], iterations,
                                     memory_kib).master_key
        except ValueError:  # costs Argon2id refuses: no key opens it
            master_key = os.urandom(32)
        secret, public = age_keygen()
        headers = {"Authorization": f"Bearer {config['token']}"}
        current = requests.get(self.server.url + "/v1/keys/me", headers=headers, timeout=10)
        if current.status_code != 200:
            raise TranscriptError(f"{where}: GET /v1/keys/me: {current.status_code}")
        body = {"public_key": public,
                "encrypted_identity": wrap_identity(master_key, secret, public),
                "kdf": {**current.json()["kdf"], "iterations": iterations,
                        "memory_kib": memory_kib}}
        put = requests.put(self.server.url + "/v1/keys/me", json=body, headers=headers,
                           timeout=10)
        if put.status_code not in (200, 201, 204):
            raise TranscriptError(f"{where}: PUT /v1/keys/me: {put.status_code} {put.text}")
        self.vars[f"{user}_new_key"] = public

    def totp_code(self) -> str:
        secret = self.vars.get("totp_secret")
        if secret is None:
            raise TranscriptError("{totp} before a {=totp_secret} capture")
        while True:
            now = int(time.time() // 30)
            # The server takes ±1 step, each step once: the current one, else the next.
            for counter in (now, now + 1):
                if counter not in self.used_totp and all(counter > c for c in self.used_totp):
                    self.used_totp.add(counter)
                    return totp(secret, at=counter * 30)
            time.sleep(1)

    def run_block(self, block: Block, where: str) -> None:
        if not self.user:
            raise TranscriptError(f"{where}: no `@ user` before the first command")
        words = shlex.split(block.command)
        extra = {}
        while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
            key, _, value = words.pop(0).partition("=")
            extra[key] = self.substitute(value, where)
        if not words or words[0] != "caas":
            raise TranscriptError(f"{where}: only `caas` commands run here")
        args = [self.substitute(w, where) for w in words[1:]]
        env = client_env(self.config_home(self.user, self.device), self.server.url, extra)
        email = self.vars[self.user]
        mails = base = mail_count(self.smtp, email)
        started = time.monotonic()
        proc = subprocess.Popen([str(require_client()), *args], env=env, cwd=str(self.work),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            for line in block.stdin:
                if line.strip() == "{code}":
                    mails += 1
                    try:
                        value = mailed_code(self.smtp, email, mails)
                    except TimeoutError:
                        value = ""  # no mail: the command's own output says why
                elif line.strip() == "{totp}":
                    value = self.totp_code()
                else:
                    value = self.substitute(line, where)
                try:
                    proc.stdin.write(value.encode() + b"\n")
                    proc.stdin.flush()
                except BrokenPipeError:
                    break
            out, err = proc.communicate(timeout=60)
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
        elapsed = time.monotonic() - started
        stdout = out.decode("utf-8", "replace")
        stderr = err.decode("utf-8", "replace")
        # Mail is sent asynchronously: a code mailed by this command but not used must be in
        # before the next command counts the mails it waits for.
        announced = stderr.count(f"A code was mailed to {email}.")
        if announced > mails - base:
            try:
                self.smtp.wait_for(email, timeout=15, count=base + announced)
            except TimeoutError:
                raise TranscriptError(f"{where}: the code mailed to {email} never came") from None
        self.log.append(f"{where} ({elapsed:.2f} s) $ {block.command} → {proc.returncode}")
        if os.environ.get("CAAS_TRANSCRIPT_VERBOSE"):
            print(f"{self.log[-1]}\n{stdout}{stderr}")
        if os.environ.get("CAAS_TRANSCRIPT_EXPLORE"):
            print(f"{self.log[-1]}\n{stdout}{stderr}")  # writing a transcript: show, check nothing
            return
        context = (f"\n--- command: {block.command}\n--- exit code: {proc.returncode}\n"
                   f"--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
        try:
            self.check_stream("stdout", block.stdout, stdout, where, block)
            self.check_stream("stderr", block.stderr, stderr, where, None)
            if (proc.returncode != block.exit_code if block.exit_code is not None
                    else proc.returncode == 0):
                raise TranscriptError(f"{where}: exit code {proc.returncode}, expected "
                                      f"{block.exit_code}")
        except TranscriptError as e:
            raise TranscriptError(f"{e}{context}") from None

    def check_stream(self, name: str, expected: list[str], text: str, where: str,
                     block: Optional[Block]) -> None:
        if block is not None and block.stdout_json is not None:
            try:
                actual = json.loads(text)
            except ValueError:
                raise TranscriptError(f"{where}: stdout is not one JSON value") from None
            self.match_json(json.loads(block.stdout_json), actual, where)
            return
        lines = text.splitlines()
        for i, template in enumerate(expected):
            if i >= len(lines):
                raise TranscriptError(f"{where}: {name} ended before `{template}`")
            if not self.match_line(template, lines[i], where):
                raise TranscriptError(f"{where}: {name} line {i + 1} is `{lines[i]}`, "
                                      f"expected `{template}`")
        if len(lines) > len(expected):
            raise TranscriptError(f"{where}: unexpected {name} line `{lines[len(expected)]}`")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
