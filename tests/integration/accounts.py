"""Helpers for tests that need users: an SMTP capture, a caasd that mails to it, and a client
that registers and signs in the way a user does. TOTP codes come from RFC 6238 computed here with
the standard library, never with the project's code."""
from __future__ import annotations

import base64
import hashlib
import hmac
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import Caasd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "testing"))
from smtp_sink import SmtpCapture  # noqa: E402,F401

PASSWORD = "correct horse battery staple"
SECRETS: set[str] = {PASSWORD}

# Generous limits for the shared server; the tests of limits start their own.
ROOMY = {
    "CAAS_AUTH_CLIENT_BURST": 100000,
    "CAAS_AUTH_CLIENT_PER_MINUTE": 6000000,
    "CAAS_AUTH_ACCOUNT_BURST": 100000,
    "CAAS_AUTH_ACCOUNT_PER_MINUTE": 6000000,
    "CAAS_AUTH_LOCKOUT_FAILURES": 1000,
    "CAAS_LOG_LEVEL": "debug",
}


def totp(secret_b32: str, at: float | None = None, step: int = 30) -> str:
    """RFC 6238 TOTP (SHA-1, 6 digits) from hmac/hashlib only."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture(scope="module")
def smtp():
    capture = SmtpCapture()
    capture.start()
    yield capture
    capture.stop()


def start_server(tmp_path_factory, smtp: SmtpCapture, name: str, **env) -> Caasd:
    settings = {"CAAS_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
                "CAAS_SMTP_FROM": "caas@test.invalid", **ROOMY}
    settings.update({k: v for k, v in env.items()})
    server = Caasd(tmp_path_factory.mktemp(name), name=name, args=["--dev"], env=settings)
    return server.start()


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "auth")
    yield caasd
    caasd.cleanup()


class Client:
    """The account flows as a user drives them, remembering every secret it sees."""

    def __init__(self, server: Caasd, smtp: SmtpCapture):
        self.server = server
        self.smtp = smtp

    def code_for(self, email: str, count: int) -> str:
        message = self.smtp.wait_for(email, count=count)
        code = message["text"].split(" is ", 1)[1][:6]
        SECRETS.add(code)
        return code

    def mails(self, email: str) -> int:
        return sum(1 for m in self.smtp.messages if email in m["rcpt_tos"])

    def register(self, email: str, password: str = PASSWORD) -> str:
        SECRETS.add(password)
        local, domain = email.rsplit("@", 1)
        mailbox = f"{local}@{domain.lower()}"  # where the server sends it
        before = self.mails(mailbox)
        r = self.server.post("/v1/auth/register", json={"email": email, "password": password})
        assert r.status_code == 202, r.text
        assert r.json() == {"status": "verification_pending"}
        code = self.code_for(mailbox, before + 1)
        r = self.server.post("/v1/auth/register/verify", json={"email": email, "otp": code})
        assert r.status_code == 201, r.text
        return r.json()["user_id"]

    def start_login(self, email: str, password: str = PASSWORD) -> dict:
        r = self.server.post("/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        body = r.json()
        SECRETS.add(body["ticket"])
        return body

    def login(self, email: str, password: str = PASSWORD) -> str:
        before = self.mails(email)
        challenge = self.start_login(email, password)
        assert challenge["methods"] == ["email"]
        code = self.code_for(email, before + 1)
        r = self.server.post("/v1/auth/login/verify",
                             json={"ticket": challenge["ticket"], "otp": code})
        assert r.status_code == 200, r.text
        token = r.json()["token"]
        SECRETS.add(token)
        return token

    def me(self, token: str) -> requests.Response:
        return self.server.get("/v1/auth/me", token=token)


@pytest.fixture
def client(server, smtp):
    return Client(server, smtp)


