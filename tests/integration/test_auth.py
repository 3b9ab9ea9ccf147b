"""Accounts and 2FA end to end: a real caasd (--dev, so it is unsealed) mailing its codes to a real
SMTP server (aiosmtpd, tests/testing/smtp_sink.py) on a loopback port. TOTP codes are computed
here from RFC 6238 with the standard library, never with the project's code.

Every password, code and token the tests use is remembered, and the last test greps the
server's logs for all of them.
"""
from __future__ import annotations

import concurrent.futures
import sqlite3
import statistics
import time
import urllib.parse
import uuid

import pytest
import requests

from accounts import (PASSWORD, SECRETS, Client, SmtpCapture, client, new_email,  # noqa: F401
                      server, smtp, start_server, totp)
from conftest import Caasd, assert_error

# ---------------------------------------------------------------------- registration and login


def test_register_verify_login_and_me(client, smtp):
    email = new_email("Alice")
    user_id = client.register(email.replace("example.com", "EXAMPLE.com"))
    assert uuid.UUID(user_id).version == 4
    mail = smtp.wait_for(email)
    assert mail["mail_from"] == "caas@test.invalid"
    assert "code" in mail["subject"].lower()

    token = client.login(email)
    assert token.startswith("caas-sess-")
    r = client.me(token)
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["user_id"] == user_id
    assert me["email"] == email  # the domain is stored lower-cased, the local part as given
    assert me["totp_enabled"] is False
    assert me["created_at"].endswith("Z")


def test_registration_refusals(client, server):
    email = new_email()
    client.register(email)
    assert_error(server.post("/v1/auth/register", json={"email": email, "password": PASSWORD}),
                 409, "user_exists")
    assert_error(server.post("/v1/auth/register",
                             json={"email": new_email(), "password": "short pw"}),
                 400, "weak_password")
    assert_error(server.post("/v1/auth/register", json={"email": "not-an-email",
                                                        "password": PASSWORD}),
                 400, "invalid_request", "email")
    assert_error(server.post("/v1/auth/register", json={"email": new_email()}),
                 400, "invalid_request", "password")
    assert_error(server.post("/v1/auth/register",
                             json={"email": "a@b.c\r\nBcc: x@y.z", "password": PASSWORD}),
                 400, "invalid_request", "email")


def test_registration_code_is_checked_and_voided_after_five_wrong(client, server, smtp):
    email = new_email()
    r = server.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 202
    code = client.code_for(email, 1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert_error(server.post("/v1/auth/register/verify", json={"email": email, "otp": wrong}),
                     401, "otp_failed")
    r = server.post("/v1/auth/register/verify", json={"email": email, "otp": code})
    assert r.status_code == 401, "the pending registration must be void after 5 wrong codes"
    # Nothing was created: the address can register again.
    client.register(email)


def test_wrong_password_and_unknown_email_look_the_same(client, server):
    email = new_email()
    client.register(email)
    wrong = server.post("/v1/auth/login", json={"email": email, "password": "wrong " + PASSWORD})
    unknown = server.post("/v1/auth/login", json={"email": new_email(), "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert_error(wrong, 401, "login_failed")

    def timed(body):
        start = time.perf_counter()
        server.post("/v1/auth/login", json=body)
        return time.perf_counter() - start

    wrong_times = [timed({"email": email, "password": "nope " + PASSWORD}) for _ in range(7)]
    unknown_times = [timed({"email": new_email(), "password": PASSWORD}) for _ in range(7)]
    ratio = statistics.median(wrong_times) / statistics.median(unknown_times)
    # Both verify one Argon2id hash (tens of ms); a shortcut for unknown emails would show as a
    # ratio far above 2.
    assert 0.5 < ratio < 2.0, (wrong_times, unknown_times)


def test_a_login_code_works_once(client, server):
    email = new_email()
    client.register(email)
    challenge = client.start_login(email)
    code = client.code_for(email, 2)
    body = {"ticket": challenge["ticket"], "otp": code}
    first = server.post("/v1/auth/login/verify", json=body)
    assert first.status_code == 200, first.text
    SECRETS.add(first.json()["token"])
    assert_error(server.post("/v1/auth/login/verify", json=body), 401, "otp_failed")


def test_concurrent_uses_of_one_code_succeed_once(client, server):
    email = new_email()
    client.register(email)
    challenge = client.start_login(email)
    body = {"ticket": challenge["ticket"], "otp": client.code_for(email, 2)}

    def verify(_):
        return requests.post(server.url + "/v1/auth/login/verify", json=body, timeout=30)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(verify, range(8)))
    ok = [r for r in results if r.status_code == 200]
    assert len(ok) == 1, [r.status_code for r in results]
    SECRETS.add(ok[0].json()["token"])
    assert all(r.status_code == 401 for r in results if r.status_code != 200)


@pytest.mark.parametrize("mangle", [lambda c: " " + c, lambda c: c + " ", lambda c: c + "0",
                                    lambda c: c[:5], lambda c: c[:3] + " " + c[3:],
                                    lambda c: "\u0661" + c[1:], lambda c: ""])
def test_codes_are_exactly_six_ascii_digits(client, server, mangle):
    email = new_email()
    client.register(email)
    challenge = client.start_login(email)
    code = client.code_for(email, 2)
    assert_error(server.post("/v1/auth/login/verify",
                             json={"ticket": challenge["ticket"], "otp": mangle(code)}),
                 401, "otp_failed")
    # The real code still works afterwards (one failed attempt of five).
    r = server.post("/v1/auth/login/verify", json={"ticket": challenge["ticket"], "otp": code})
    assert r.status_code == 200, r.text
    SECRETS.add(r.json()["token"])


def test_bad_tickets_and_bodies(server):
    assert_error(server.post("/v1/auth/login/verify",
                             json={"ticket": "caas-tkt-forged", "otp": "123456"}),
                 401, "otp_failed")
    assert_error(server.post("/v1/auth/login/verify", json={"ticket": 5, "otp": "123456"}),
                 400, "invalid_request", "ticket")
    assert_error(server.post("/v1/auth/login", data=b"{not json",
                             headers={"Content-Type": "application/json"}),
                 400, "invalid_request")
    assert_error(server.post("/v1/auth/login", json={"email": new_email(), "password": "x" * 2000}),
                 400, "invalid_request", "password")


# ---------------------------------------------------------------------- TOTP


def enable_totp(client: Client, token: str) -> str:
    r = client.server.post("/v1/auth/totp/enroll", token=token)
    assert r.status_code == 200, r.text
    body = r.json()
    secret = body["secret"]
    SECRETS.add(secret)
    uri = urllib.parse.urlparse(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert urllib.parse.parse_qs(uri.query)["secret"] == [secret]
    code = totp(secret)
    SECRETS.add(code)
    r = client.server.post("/v1/auth/totp/confirm", token=token, json={"otp": code})
    assert r.status_code == 204, r.text
    return secret


def test_totp_enroll_confirm_and_login(client, server):
    email = new_email()
    client.register(email)
    token = client.login(email)
    other = client.login(email)
    pending = client.start_login(email)  # an email ticket issued before TOTP is on
    pending_code = client.code_for(email, 4)
    secret = enable_totp(client, token)
    assert client.me(token).json()["totp_enabled"] is True
    assert client.me(other).status_code == 401, "turning TOTP on ends the other sessions"
    assert_error(server.post("/v1/auth/login/verify",
                             json={"ticket": pending["ticket"], "otp": pending_code}),
                 401, "otp_failed")

    challenge = client.start_login(email)
    assert challenge["methods"] == ["totp"]
    # The step used by the confirmation is spent; the next step (within ±1) is not.
    spent = totp(secret)
    assert_error(server.post("/v1/auth/login/verify",
                             json={"ticket": challenge["ticket"], "otp": spent}),
                 401, "otp_failed")
    fresh = totp(secret, time.time() + 30)
    SECRETS.add(fresh)
    r = server.post("/v1/auth/login/verify", json={"ticket": challenge["ticket"], "otp": fresh})
    assert r.status_code == 200, r.text
    SECRETS.add(r.json()["token"])
    # Replaying that code on a new ticket fails: a step is accepted once.
    again = client.start_login(email)
    assert_error(server.post("/v1/auth/login/verify", json={"ticket": again["ticket"], "otp": fresh}),
                 401, "otp_failed")
    # Two steps away is outside the window.
    assert_error(server.post("/v1/auth/login/verify",
                             json={"ticket": again["ticket"], "otp": totp(secret, time.time() + 90)}),
                 401, "otp_failed")


def test_totp_refusals_and_disable(client, server):
    email = new_email()
    client.register(email)
    token = client.login(email)
    assert_error(server.post("/v1/auth/totp/confirm", token=token, json={"otp": "123456"}),
                 409, "totp_not_enrolled")
    secret = enable_totp(client, token)
    assert_error(server.post("/v1/auth/totp/enroll", token=token), 409, "totp_enabled")
    assert_error(server.post("/v1/auth/totp/disable", token=token, json={"otp": "000000"}),
                 401, "otp_failed")
    code = totp(secret, time.time() + 30)
    r = server.post("/v1/auth/totp/disable", token=token, json={"otp": code})
    assert r.status_code == 204, r.text
    assert client.me(token).json()["totp_enabled"] is False
    assert client.start_login(email)["methods"] == ["email"]


# ---------------------------------------------------------------------- sessions and password


def test_logout_ends_only_that_session(client, server):
    email = new_email()
    client.register(email)
    first, second = client.login(email), client.login(email)
    assert first != second
    assert server.post("/v1/auth/logout", token=first).status_code == 204
    assert_error(client.me(first), 401, "unauthorized")
    assert client.me(second).status_code == 200
    assert_error(server.get("/v1/auth/me"), 401, "unauthorized")
    assert_error(server.get("/v1/auth/me", token="caas-sess-forged"), 401, "unauthorized")


def test_password_change_ends_every_session(client, server):
    email = new_email()
    client.register(email)
    first, second = client.login(email), client.login(email)
    new_password = "a brand new passphrase"
    SECRETS.add(new_password)
    assert_error(server.post("/v1/auth/password", token=first,
                             json={"current_password": "wrong one!!", "new_password": new_password}),
                 401, "login_failed")
    assert_error(server.post("/v1/auth/password", token=first,
                             json={"current_password": PASSWORD, "new_password": "short"}),
                 400, "weak_password")
    r = server.post("/v1/auth/password", token=first,
                    json={"current_password": PASSWORD, "new_password": new_password})
    assert r.status_code == 200, r.text
    fresh = r.json()["token"]
    SECRETS.add(fresh)
    assert client.me(first).status_code == 401
    assert client.me(second).status_code == 401
    assert client.me(fresh).status_code == 200
    assert_error(server.post("/v1/auth/login", json={"email": email, "password": PASSWORD}),
                 401, "login_failed")
    client.login(email, new_password)


# ---------------------------------------------------------------------- API keys


def test_api_keys_are_scoped_and_revocable(client, server):
    email = new_email()
    client.register(email)
    token = client.login(email)
    r = server.post("/v1/auth/api-keys", token=token,
                    json={"name": "billing", "scopes": ["transit:foo"]})
    assert r.status_code == 201, r.text
    key_id, api_key = r.json()["id"], r.json()["api_key"]
    SECRETS.add(api_key)
    assert api_key.startswith("caas-key-")

    listed = server.get("/v1/auth/api-keys", token=token).json()["api_keys"]
    assert [k["id"] for k in listed] == [key_id]
    assert listed[0]["scopes"] == ["transit:foo"] and listed[0]["name"] == "billing"
    assert api_key not in str(listed)

    assert client.me(api_key).json()["email"] == email
    # An API key never manages the account.
    assert_error(server.post("/v1/auth/api-keys", token=api_key,
                             json={"name": "x", "scopes": ["files:read"]}), 403, "forbidden")
    assert_error(server.post("/v1/auth/password", token=api_key,
                             json={"current_password": PASSWORD, "new_password": PASSWORD + "!"}),
                 403, "forbidden")
    assert_error(server.post("/v1/auth/totp/enroll", token=api_key), 403, "forbidden")
    assert_error(server.post("/v1/auth/logout", token=api_key), 403, "forbidden")

    # Another user cannot see or revoke it.
    other = new_email()
    client.register(other)
    other_token = client.login(other)
    assert server.get("/v1/auth/api-keys", token=other_token).json()["api_keys"] == []
    assert_error(server.request("DELETE", f"/v1/auth/api-keys/{key_id}", token=other_token),
                 404, "not_found")

    assert server.request("DELETE", f"/v1/auth/api-keys/{key_id}", token=token).status_code == 204
    assert_error(client.me(api_key), 401, "unauthorized")


@pytest.mark.parametrize("scopes", [[], ["files:delete"], ["transit:"], ["transit:a/b"],
                                    ["files:read", "files:read"], "files:read", [1]])
def test_api_key_scopes_are_validated(client, server, scopes):
    email = new_email()
    client.register(email)
    token = client.login(email)
    assert_error(server.post("/v1/auth/api-keys", token=token, json={"name": "k", "scopes": scopes}),
                 400, "invalid_request", "scopes")


# ---------------------------------------------------------------------- operator, audit


def test_operator_token_has_no_account(server):
    root = (server.data_dir / "dev-root-token").read_text().strip()
    assert_error(server.get("/v1/auth/me", token=root), 403, "forbidden")


def test_auth_events_are_audited_without_secrets(client, server):
    email = new_email()
    client.register(email)
    client.login(email)
    root = (server.data_dir / "dev-root-token").read_text().strip()
    entries = server.get("/v1/sys/audit?limit=1000", token=root).json()["entries"]
    actions = {e["action"] for e in entries}
    assert {"auth.register", "auth.register.verify", "auth.login",
            "auth.login.verify"} <= actions
    text = str(entries)
    assert email not in text and email.split("@")[0] not in text
    assert PASSWORD not in text


# ---------------------------------------------------------------------- servers with other settings


def test_expired_codes_and_sessions_fail(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "short", CAAS_AUTH_OTP_TTL_S=2,
                         CAAS_AUTH_SESSION_TTL_S=4, CAAS_AUTH_SESSION_IDLE_S=2)
    try:
        client = Client(caasd, smtp)
        email = new_email()
        client.register(email)
        challenge = client.start_login(email)
        code = client.code_for(email, 2)
        time.sleep(2.5)
        assert_error(caasd.post("/v1/auth/login/verify",
                                json={"ticket": challenge["ticket"], "otp": code}),
                     401, "otp_failed")
        # Idle expiry: unused for longer than 2 s.
        idle = client.login(email)
        time.sleep(2.5)
        assert_error(client.me(idle), 401, "unauthorized")
        # Absolute expiry: used every second, still over after 4 s.
        busy = client.login(email)
        deadline = time.monotonic() + 4.5
        statuses = []
        while time.monotonic() < deadline:
            statuses.append(client.me(busy).status_code)
            time.sleep(0.5)
        assert statuses[0] == 200 and statuses[-1] == 401, statuses
    finally:
        caasd.cleanup()


def test_sixth_wrong_code_locks_the_account(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "lockout", CAAS_AUTH_LOCKOUT_FAILURES=5,
                         CAAS_AUTH_LOCKOUT_SECONDS=60)
    try:
        client = Client(caasd, smtp)
        email = new_email()
        client.register(email)
        challenge = client.start_login(email)
        code = client.code_for(email, 2)
        wrong = f"{(int(code) + 7) % 1_000_000:06d}"
        for _ in range(5):
            assert_error(caasd.post("/v1/auth/login/verify",
                                    json={"ticket": challenge["ticket"], "otp": wrong}),
                         401, "otp_failed")
        sixth = caasd.post("/v1/auth/login/verify",
                           json={"ticket": challenge["ticket"], "otp": code})
        assert_error(sixth, 429, "rate_limited")
        assert 1 <= int(sixth.headers["Retry-After"]) <= 60
        locked = caasd.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert_error(locked, 429, "rate_limited")
        # An unknown email is charged the same way (no enumeration through the lockout).
        ghost = new_email()
        for _ in range(5):
            assert_error(caasd.post("/v1/auth/login", json={"email": ghost, "password": PASSWORD}),
                         401, "login_failed")
        assert_error(caasd.post("/v1/auth/login", json={"email": ghost, "password": PASSWORD}),
                     429, "rate_limited")
    finally:
        caasd.cleanup()


def test_rate_limit_per_client_ignores_untrusted_forwarded_for(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "ratelimit", CAAS_AUTH_CLIENT_BURST=3,
                         CAAS_AUTH_CLIENT_PER_MINUTE=1)
    try:
        statuses = []
        for i in range(5):
            r = caasd.post("/v1/auth/login", json={"email": new_email(), "password": PASSWORD},
                           headers={"X-Forwarded-For": f"203.0.113.{i}"})
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert_error(r, 429, "rate_limited")
                assert int(r.headers["Retry-After"]) >= 1
        assert statuses == [401, 401, 401, 429, 429], statuses
        caasd.assert_alive()
    finally:
        caasd.cleanup()


def test_rate_limit_per_client_behind_a_trusted_proxy(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "proxied", CAAS_AUTH_CLIENT_BURST=3,
                         CAAS_AUTH_CLIENT_PER_MINUTE=1, CAAS_HTTP_TRUSTED_PROXIES="127.0.0.1")
    try:
        def login(client_ip):
            return caasd.post("/v1/auth/login", json={"email": new_email(), "password": PASSWORD},
                              headers={"X-Forwarded-For": client_ip}).status_code
        # Each client behind the proxy has its own bucket ...
        assert [login(f"198.51.100.{i}") for i in range(6)] == [401] * 6
        # ... and one client still runs out of it.
        assert [login("198.51.100.200") for _ in range(4)] == [401, 401, 401, 429]
    finally:
        caasd.cleanup()


def test_a_full_worker_queue_answers_503_and_health_stays_up(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "overload", CAAS_SERVER_WORKER_THREADS=1,
                         CAAS_SERVER_WORKER_QUEUE_LIMIT=2, CAAS_AUTH_ARGON2_ITERATIONS=8,
                         CAAS_AUTH_ARGON2_MEMORY_KIB=65536)
    try:
        def login(_):
            return requests.post(caasd.url + "/v1/auth/login", timeout=120,
                                 json={"email": new_email(), "password": PASSWORD})

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            pending = [pool.submit(login, i) for i in range(12)]
            health = requests.get(caasd.url + "/v1/sys/health", timeout=5)
            results = [f.result() for f in pending]
        assert health.status_code == 200
        statuses = sorted(r.status_code for r in results)
        assert 401 in statuses and 503 in statuses, statuses
        busy = next(r for r in results if r.status_code == 503)
        assert_error(busy, 503, "overloaded")
        assert busy.headers["Retry-After"] == "1"
        caasd.assert_alive()
    finally:
        caasd.cleanup()


def test_smtp_down_gives_503_and_leaves_nothing_pending(tmp_path_factory, smtp):
    dead = SmtpCapture(refuse=True)
    dead.start()
    caasd = start_server(tmp_path_factory, dead, "nosmtp")
    try:
        email = new_email()
        r = caasd.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert_error(r, 503, "mail_unavailable")
        assert_error(caasd.post("/v1/auth/register/verify", json={"email": email, "otp": "000000"}),
                     401, "otp_failed")
    finally:
        caasd.cleanup()
        dead.stop()


def test_sealed_server_refuses_auth(tmp_path_factory, smtp, client):
    caasd = start_server(tmp_path_factory, smtp, "sealed")
    try:
        email = new_email()
        Client(caasd, smtp).register(email)
        root = (caasd.data_dir / "dev-root-token").read_text().strip()
        caasd.seal(root)
        assert_error(caasd.post("/v1/auth/register",
                                json={"email": new_email(), "password": PASSWORD}), 503, "sealed")
        assert_error(caasd.post("/v1/auth/login", json={"email": email, "password": PASSWORD}),
                     503, "sealed")
    finally:
        caasd.cleanup()


def test_stored_hashes_are_raised_to_new_parameters_at_login(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "rehash", CAAS_AUTH_ARGON2_ITERATIONS=1,
                         CAAS_AUTH_ARGON2_MEMORY_KIB=8192)
    try:
        email = new_email()
        Client(caasd, smtp).register(email)

        def stored_hash():
            with sqlite3.connect(caasd.data_dir / "caas.db") as db:
                return db.execute("SELECT password_hash FROM users WHERE email = ?",
                                  (email,)).fetchone()[0]

        assert stored_hash().startswith("$argon2id$v=19$m=8192,t=1,p=1$")
        caasd.stop()
        caasd.env.update({"CAAS_AUTH_ARGON2_ITERATIONS": "3", "CAAS_AUTH_ARGON2_MEMORY_KIB": "16384"})
        caasd.start()
        Client(caasd, smtp).login(email)
        assert stored_hash().startswith("$argon2id$v=19$m=16384,t=3,p=1$")
        Client(caasd, smtp).login(email)  # and the new hash verifies
    finally:
        caasd.cleanup()


# ---------------------------------------------------------------------- last: logs and database


def test_zz_no_secret_reaches_the_logs_or_the_database(server):
    logs = server.stdout + server.stderr
    assert "level=debug" in logs or "level=info" in logs, "the server logged too little to check"
    leaked = sorted(s for s in SECRETS if s and s in logs)
    assert not leaked, f"secrets in the server log: {leaked}"
    stored = b"".join(p.read_bytes() for p in server.data_dir.glob("caas.db*"))
    # Codes are six digits and may occur by chance in binary pages; the rest must not.
    in_db = sorted(s for s in SECRETS if len(s) > 6 and s.encode() in stored)
    assert not in_db, f"secrets stored in clear: {in_db}"
