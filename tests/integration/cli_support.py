"""Helpers for the tests of the `caas` client: finding and running it as a simulated user, and
an independent reference of the zero-knowledge key derivation (src/cli/zk_keys.h) built from
libsodium through ctypes plus Python's hmac/hashlib, never from the project's code.

The client binary comes from $CAAS_CLIENT (default <repo>/build/bin/caas).
"""
from __future__ import annotations

import base64
import ctypes
import ctypes.util
import hashlib
import hmac
import os
import re
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from conftest import REPO

CLIENT = Path(os.environ.get("CAAS_CLIENT", str(REPO / "build" / "bin" / "caas"))).absolute()

# What the server mails: "... code is 123456 ...". The same pattern as tests/testing/smtp_sink.py.
CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def require_client() -> Path:
    """Fails (never skips) when the caas binary is missing."""
    if not (CLIENT.is_file() and os.access(CLIENT, os.X_OK)):
        pytest.fail(f"caas binary not found or not executable at {CLIENT}; build it first "
                    f"(ninja -C build caas) or point CAAS_CLIENT at it", pytrace=False)
    return CLIENT


def client_env(config_home: Path, server_url: str, extra: Optional[dict] = None) -> dict:
    """The environment of one simulated user on one device: ours minus every CAAS_*, with its
    own XDG_CONFIG_HOME (and HOME, so nothing falls back to the real one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAAS_")}
    config_home.mkdir(parents=True, exist_ok=True)
    env["XDG_CONFIG_HOME"] = str(config_home)
    env["HOME"] = str(config_home)
    env["CAAS_SERVER"] = server_url
    env.pop("TMUX", None)
    if extra:
        env.update(extra)
    return env


def mail_count(smtp, email: str) -> int:
    return sum(1 for m in smtp.messages if email in m["rcpt_tos"])


def mailed_code(smtp, email: str, count: int, timeout: float = 15.0) -> str:
    """The code of the `count`-th mail to `email`, once it arrived."""
    message = smtp.wait_for(email, timeout=timeout, count=count)
    match = CODE_RE.search(message["text"])
    assert match, "the mail holds no 6-digit code"
    return match.group(1)


def run_caas(args: list[str], env: dict, cwd: Path, stdin: bytes = b"",
             timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([str(require_client()), *args], env=env, cwd=str(cwd), input=stdin,
                          capture_output=True, timeout=timeout)


# ---------------------------------------------------------------- reference key derivation

_sodium = None


def sodium() -> ctypes.CDLL:
    global _sodium
    if _sodium is None:
        name = ctypes.util.find_library("sodium") or "libsodium.so.23"
        lib = ctypes.CDLL(name)
        assert lib.sodium_init() >= 0
        _sodium = lib
    return _sodium


ARGON2ID13 = 2  # crypto_pwhash_ALG_ARGON2ID13


def argon2id(password: bytes, salt: bytes, iterations: int = 3, memory_kib: int = 64 * 1024,
             length: int = 32) -> bytes:
    lib = sodium()
    out = ctypes.create_string_buffer(length)
    lib.crypto_pwhash.argtypes = [ctypes.c_char_p, ctypes.c_ulonglong, ctypes.c_char_p,
                                  ctypes.c_ulonglong, ctypes.c_char_p, ctypes.c_ulonglong,
                                  ctypes.c_size_t, ctypes.c_int]
    rc = lib.crypto_pwhash(out, length, password, len(password), salt, iterations,
                           memory_kib * 1024, ARGON2ID13)
    if rc != 0:
        raise ValueError("crypto_pwhash refused the parameters")
    return out.raw


def hkdf_sha256(ikm: bytes, info: bytes, length: int = 32, salt: bytes = b"") -> bytes:
    """RFC 5869 with an empty salt (= HashLen zero bytes)."""
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


class DerivedKeys:
    """zk_keys.h: salt, root, auth secret (hex, what the server gets as password), master key."""

    def __init__(self, email: str, password: str, iterations: int = 3,
                 memory_kib: int = 64 * 1024):
        self.salt = hashlib.sha256(b"caas/v1/kdf-salt|" + email.encode()).digest()[:16]
        self.root = argon2id(password.encode(), self.salt, iterations, memory_kib)
        self.auth_secret = hkdf_sha256(self.root, b"caas/v1/auth").hex()
        self.master_key = hkdf_sha256(self.root, b"caas/v1/master-key")


def xchacha_seal(key: bytes, nonce: bytes, plaintext: bytes, ad: bytes) -> bytes:
    lib = sodium()
    out = ctypes.create_string_buffer(len(plaintext) + 16)
    out_len = ctypes.c_ulonglong(0)
    rc = lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(out_len), plaintext, ctypes.c_ulonglong(len(plaintext)), ad,
        ctypes.c_ulonglong(len(ad)), None, nonce, key)
    assert rc == 0
    return out.raw[:out_len.value]


def xchacha_open(key: bytes, nonce: bytes, sealed: bytes, ad: bytes) -> Optional[bytes]:
    lib = sodium()
    out = ctypes.create_string_buffer(max(len(sealed), 1))
    out_len = ctypes.c_ulonglong(0)
    rc = lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ctypes.byref(out_len), None, sealed, ctypes.c_ulonglong(len(sealed)), ad,
        ctypes.c_ulonglong(len(ad)), nonce, key)
    return out.raw[:out_len.value] if rc == 0 else None


def wrap_identity(master_key: bytes, identity: str, public_key: str) -> str:
    """zk_keys.h: base64(nonce ‖ XChaCha20-Poly1305(master key, identity string)), associated
    data "caas/v1/identity|" ‖ public key."""
    nonce = os.urandom(24)
    sealed = xchacha_seal(master_key, nonce, identity.encode(),
                          b"caas/v1/identity|" + public_key.encode())
    return base64.b64encode(nonce + sealed).decode()


def unwrap_identity(master_key: bytes, wrapped: str, public_key: str) -> Optional[str]:
    raw = base64.b64decode(wrapped)
    opened = xchacha_open(master_key, raw[:24], raw[24:], b"caas/v1/identity|" + public_key.encode())
    return opened.decode() if opened is not None else None


def age_keygen() -> tuple[str, str]:
    """A fresh age identity from the reference age-keygen: (AGE-SECRET-KEY-1…, age1…)."""
    out = subprocess.run(["age-keygen"], capture_output=True, check=True, text=True).stdout
    secret = next(line for line in out.splitlines() if line.startswith("AGE-SECRET-KEY-1"))
    public = subprocess.run(["age-keygen", "-y"], input=secret + "\n", capture_output=True,
                            check=True, text=True).stdout.strip()
    return secret, public


def fingerprint(public_key: str) -> str:
    """zk_keys.h key_fingerprint: SHA256:<unpadded base64 of SHA-256 of the age1… text>."""
    digest = hashlib.sha256(public_key.encode()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class CliUser:
    """One simulated user on one device, driving `caas` through pipes as a script would."""

    def __init__(self, server, smtp, home: Path, email: str, password: str):
        self.server = server
        self.smtp = smtp
        self.home = home
        self.email = email
        self.password = password
        self.cwd = home / "work"
        self.cwd.mkdir(parents=True, exist_ok=True)

    def env(self, extra: Optional[dict] = None) -> dict:
        return client_env(self.home / "config", self.server.url, extra)

    def run(self, *args: str, stdin: bytes = b"", check: bool = True,
            timeout: float = 60.0) -> subprocess.CompletedProcess:
        done = run_caas(list(args), self.env(), self.cwd, stdin, timeout)
        if check:
            assert done.returncode == 0, (f"caas {' '.join(args[:2])} exited {done.returncode}: "
                                          f"{done.stderr.decode(errors='replace')[-2000:]}")
        return done

    def _with_code(self, *args: str) -> subprocess.CompletedProcess:
        before = mail_count(self.smtp, self.email)
        proc = subprocess.Popen([str(require_client()), *args], env=self.env(), cwd=str(self.cwd),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            proc.stdin.write(self.password.encode() + b"\n")
            proc.stdin.flush()
            code = mailed_code(self.smtp, self.email, before + 1)
            proc.stdin.write(code.encode() + b"\n")
            out, err = proc.communicate(timeout=60)
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
        assert proc.returncode == 0, (f"caas {args[0]} exited {proc.returncode}: "
                                      f"{err.decode(errors='replace')[-2000:]}")
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def register(self) -> None:
        self._with_code("register", self.email)

    def login(self) -> dict:
        import json
        return json.loads(self._with_code("--json", "login", self.email).stdout)

    def config(self) -> dict:
        import json
        return json.loads((self.home / "config" / "caas" / "config.json").read_text())

    def token(self) -> str:
        return self.config()["token"]
