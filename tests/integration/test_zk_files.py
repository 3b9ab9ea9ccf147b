"""Zero-knowledge mode end to end, black box: age files uploaded with ?mode=client are stored and
served byte for byte, anything that is not an age file is refused without a trace, users' key
records round trip through /v1/keys, and a grant carries a new age header that the grantee's
stock `age` decrypts together with the untouched payload.

Age files come from the stock `age` CLI or are built here from the age spec with the
`cryptography` package (so that the test knows the file key and can wrap it for a grantee),
never with the project's code.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
from pathlib import Path
from typing import Optional

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from accounts import Client, client, new_email, server, smtp, start_server  # noqa: F401
from conftest import assert_error
from test_files import User, file_url

AGE = "/usr/bin/age"
AGE_KEYGEN = "/usr/bin/age-keygen"
CHUNK = 64 * 1024
TAG = 16

pytestmark = pytest.mark.skipif(not (os.access(AGE, os.X_OK) and os.access(AGE_KEYGEN, os.X_OK)),
                                reason="the age CLI is not installed")


# ---------------------------------------------------------------------- age, from the spec

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_payload(text: str) -> bytes:
    """The data of a bech32 string (checksum not verified: age-keygen made it)."""
    text = text.lower()
    values = [BECH32.index(c) for c in text[text.rindex("1") + 1:]][:-6]
    acc, bits, out = 0, 0, bytearray()
    for v in values:
        acc, bits = (acc << 5) | v, bits + 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


def raw_b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=salt, info=info).derive(key)


class Key:
    """An age X25519 key pair made by age-keygen, saved where `age -d -i` can read it."""

    def __init__(self, tmp_path: Path, name: str):
        self.path = tmp_path / f"{name}.key"
        subprocess.run([AGE_KEYGEN, "-o", str(self.path)], check=True, capture_output=True)
        lines = self.path.read_text().splitlines()
        self.recipient = next(l.split(": ")[1] for l in lines if l.startswith("# public key:"))

    def decrypt(self, data: bytes) -> bytes:
        done = subprocess.run([AGE, "-d", "-i", str(self.path)], input=data, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout


def x25519_stanza(file_key: bytes, recipient: str) -> str:
    """age spec, "X25519 recipient stanza"."""
    their = bech32_payload(recipient)
    ephemeral = X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(their))
    wrap_key = hkdf(shared, share + their, b"age-encryption.org/v1/X25519")
    body = ChaCha20Poly1305(wrap_key).encrypt(b"\x00" * 12, file_key, None)
    return f"-> X25519 {raw_b64(share)}\n{raw_b64(body)}\n"


def age_header(file_key: bytes, recipients: list[str]) -> bytes:
    """age spec, "Header" and "Header MAC"."""
    text = "age-encryption.org/v1\n" + "".join(x25519_stanza(file_key, r) for r in recipients)
    text += "---"
    mac = hmac.new(hkdf(file_key, b"", b"header"), text.encode(), hashlib.sha256).digest()
    return (text + " " + raw_b64(mac) + "\n").encode()


def age_payload(file_key: bytes, plaintext: bytes) -> bytes:
    """age spec, "Payload": a nonce, then ChaCha20-Poly1305 chunks of 64 KiB (STREAM)."""
    nonce = os.urandom(16)
    aead = ChaCha20Poly1305(hkdf(file_key, nonce, b"payload"))
    chunks = [plaintext[i:i + CHUNK] for i in range(0, len(plaintext), CHUNK)] or [b""]
    out = bytearray(nonce)
    for index, chunk in enumerate(chunks):
        last = b"\x01" if index == len(chunks) - 1 else b"\x00"
        out += aead.encrypt(index.to_bytes(11, "big") + last, chunk, None)
    return bytes(out)


class AgeFile:
    """An age file for `recipients`, with its file key and header kept for re-headering."""

    def __init__(self, plaintext: bytes, recipients: list[str]):
        self.plaintext = plaintext
        self.file_key = os.urandom(16)
        self.header = age_header(self.file_key, recipients)
        self.payload = age_payload(self.file_key, plaintext)
        self.data = self.header + self.payload

    def header_for(self, recipients: list[str]) -> bytes:
        return age_header(self.file_key, recipients)


def age_cli_encrypt(plaintext: bytes, recipient: str) -> bytes:
    done = subprocess.run([AGE, "-r", recipient], input=plaintext, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------- users


class ZkUser(User):
    def put_client(self, path: str, data: bytes, overwrite: bool = False,
                   content_hash: Optional[str] = None, token: Optional[str] = None):
        query = "mode=client" + ("&overwrite=true" if overwrite else "")
        headers = {"Content-Type": "application/age"}
        if content_hash is not None:
            headers["X-Caas-Content-Hash"] = content_hash
        return self.call("PUT", file_url(path, query), token=token, data=data, headers=headers)

    def grant_header(self, path: str, email: str, header: Optional[str]):
        body = {"email": email, "permission": "read"}
        if header is not None:
            body["header"] = header
        return self.call("POST", file_url(path) + "/grants", json=body)

    def put_key(self, body: dict, token: Optional[str] = None):
        return self.call("PUT", "/v1/keys/me", token=token, json=body)


@pytest.fixture
def alice(client):
    return ZkUser(client, "alice")


@pytest.fixture
def bob(client):
    return ZkUser(client, "bob")


def key_body(recipient: str, identity: bytes = b"encrypted identity", kdf=None) -> dict:
    return {"public_key": recipient, "encrypted_identity": base64.b64encode(identity).decode(),
            "kdf": kdf if kdf is not None else {"alg": "argon2id", "m": 65536, "t": 3, "p": 1,
                                                 "salt": "c2FsdA=="}}


# ---------------------------------------------------------------------- uploads


def test_an_age_cli_file_is_stored_and_served_byte_for_byte(alice, tmp_path):
    key = Key(tmp_path, "alice")
    plaintext = os.urandom(200_000)
    data = age_cli_encrypt(plaintext, key.recipient)
    r = alice.put_client("zk/report.age", data, content_hash="blake3:0a1B-_")
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["size"] == len(data) and info["sha256"] == sha256(data)
    assert info["content_hash"] == "blake3:0a1B-_"

    r = alice.get("zk/report.age")
    assert r.status_code == 200, r.text
    assert r.content == data
    assert r.headers["ETag"] == f'"{sha256(data)}"'
    assert r.headers["X-Caas-Mode"] == "client"
    assert r.headers["X-Caas-Content-Hash"] == "blake3:0a1B-_"
    assert r.headers["Content-Type"] == "application/age"
    assert key.decrypt(r.content) == plaintext

    head = alice.head("zk/report.age")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(data))
    assert head.headers["X-Caas-Mode"] == "client"

    r = alice.get("zk/report.age", byte_range="bytes=100-70099")
    assert r.status_code == 206
    assert r.content == data[100:70100]
    assert r.headers["Content-Range"] == f"bytes 100-70099/{len(data)}"
    r = alice.get("zk/report.age", byte_range=f"bytes={len(data)}-")
    assert r.status_code == 416

    [entry] = alice.list(prefix="zk/").json()["files"]
    assert entry["mode"] == "client" and entry["content_hash"] == "blake3:0a1B-_"
    assert entry["size"] == len(data)


def test_server_mode_files_say_so_and_carry_a_content_hash(alice):
    r = alice.call("PUT", file_url("plain.txt"), data=b"hello",
                   headers={"X-Caas-Content-Hash": "sha256:abc"})
    assert r.status_code == 201, r.text
    assert r.json()["content_hash"] == "sha256:abc"
    r = alice.get("plain.txt")
    assert r.content == b"hello"
    assert r.headers["X-Caas-Mode"] == "server"
    assert r.headers["X-Caas-Content-Hash"] == "sha256:abc"
    r = alice.call("PUT", file_url("other.txt"), data=b"x")
    assert r.json()["content_hash"] is None
    assert "X-Caas-Content-Hash" not in alice.get("other.txt").headers
    entries = {f["path"]: f for f in alice.list().json()["files"]}
    assert entries["plain.txt"]["mode"] == "server"
    assert entries["plain.txt"]["content_hash"] == "sha256:abc"
    assert entries["other.txt"]["content_hash"] is None


@pytest.mark.parametrize("value", ["", "has space", "a/b", "x" * 129, "caf\u00e9"])
def test_a_malformed_content_hash_is_refused(alice, value):
    r = alice.call("PUT", file_url("h.age", "mode=client"), data=b"age-encryption.org/v1\n",
                   headers={"X-Caas-Content-Hash": value.encode("utf-8")})
    assert_error(r, 400, "invalid_request", "X-Caas-Content-Hash")
    assert alice.list().json()["files"] == []


def test_bodies_that_are_not_age_files_are_refused_and_leave_nothing(alice, tmp_path):
    key = Key(tmp_path, "alice")
    data = age_cli_encrypt(os.urandom(100_000), key.recipient)
    header_len = data.index(b"\n---") + 1
    header_len = data.index(b"\n", header_len) + 1
    no_end = b"age-encryption.org/v1\n-> X25519 abc\n" + b"A" * (200 * 1024)
    cases = {
        "garbage": os.urandom(5000),
        "big garbage": os.urandom(3 * 1024 * 1024),
        "armored": subprocess.run([AGE, "-a", "-r", key.recipient], input=b"hi",
                                  capture_output=True, check=True).stdout,
        "no header end": no_end,
        "header only": data[:header_len],
        "cut in the nonce": data[:header_len + 10],
        "cut in a tag": data[:header_len + 16 + CHUNK + TAG + 5],
        "bad header": data[:header_len - 2] + b"!" + data[header_len - 1:],
    }
    for name, body in cases.items():
        r = alice.put_client(f"bad/{name}", body)
        assert_error(r, 400, "invalid_age")
        assert body[:40].decode("latin-1") not in r.text or len(body) == 0, \
            f"{name}: the error quotes the body"
    r = alice.put_client("bad/empty", b"")
    assert_error(r, 400, "invalid_age")
    assert alice.list(prefix="bad/").json()["files"] == []
    # The connection stays usable for the next request (or a new one is made).
    assert alice.put_client("good.age", data).status_code == 201


def test_an_unknown_mode_is_refused(alice):
    r = alice.call("PUT", file_url("m", "mode=zk"), data=b"x")
    assert_error(r, 400, "invalid_request", "mode")


def test_an_empty_plaintext_file_round_trips(alice, tmp_path):
    key = Key(tmp_path, "alice")
    made = AgeFile(b"", [key.recipient])
    assert alice.put_client("empty.age", made.data).status_code == 201
    assert key.decrypt(alice.get("empty.age").content) == b""


# ---------------------------------------------------------------------- keys


def test_keys_round_trip_and_are_replaced(alice, tmp_path):
    first, second = Key(tmp_path, "one"), Key(tmp_path, "two")
    assert_error(alice.call("GET", "/v1/keys/me"), 404, "not_found")
    r = alice.put_key(key_body(first.recipient))
    assert r.status_code == 204, r.text
    r = alice.call("GET", "/v1/keys/me")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["public_key"] == first.recipient
    assert base64.b64decode(body["encrypted_identity"]) == b"encrypted identity"
    assert body["kdf"] == key_body(first.recipient)["kdf"]
    assert body["updated_at"].endswith("Z")
    kdf = {"alg": "argon2id", "nested": {"list": [1, 2, 3]}}
    assert alice.put_key(key_body(second.recipient, b"\x00\x01", kdf)).status_code == 204
    body = alice.call("GET", "/v1/keys/me").json()
    assert body["public_key"] == second.recipient and body["kdf"] == kdf
    assert base64.b64decode(body["encrypted_identity"]) == b"\x00\x01"


def test_key_bodies_are_checked(alice, tmp_path):
    recipient = Key(tmp_path, "k").recipient
    bad = [
        ({**key_body(recipient), "public_key": "age1notakey"}, "public_key"),
        ({**key_body(recipient), "public_key": 5}, "public_key"),
        ({k: v for k, v in key_body(recipient).items() if k != "public_key"}, "public_key"),
        ({**key_body(recipient), "encrypted_identity": "not base64!"}, "encrypted_identity"),
        ({**key_body(recipient), "encrypted_identity": ""}, "encrypted_identity"),
        (key_body(recipient, b"x" * 4097), "encrypted_identity"),
        ({**key_body(recipient), "kdf": "argon2id"}, "kdf"),
        ({**key_body(recipient), "kdf": [1]}, "kdf"),
        ({k: v for k, v in key_body(recipient).items() if k != "kdf"}, "kdf"),
        (key_body(recipient, kdf={"pad": "x" * 4100}), "kdf"),
    ]
    for body, field in bad:
        assert_error(alice.put_key(body), 400, "invalid_request", field)
    assert alice.put_key(key_body(recipient, b"x" * 4096)).status_code == 204
    r = alice.call("PUT", "/v1/keys/me", data=b"{" + b" " * (17 * 1024) + b"}",
                   headers={"Content-Type": "application/json"})
    assert_error(r, 413, "too_large")


def test_key_routes_check_who_calls(alice, bob, server, tmp_path):
    recipient = Key(tmp_path, "k").recipient
    reader = alice.api_key(["keys:read"])
    writer = alice.api_key(["files:read", "files:write"])
    assert_error(alice.put_key(key_body(recipient), token=reader), 403, "forbidden")
    assert_error(alice.call("GET", "/v1/keys/me", token=writer), 403, "forbidden")
    assert_error(alice.call("GET", "/v1/keys/" + bob.email, token=writer), 403, "forbidden")
    assert_error(alice.call("GET", "/v1/keys/me", token="nope"), 401, "unauthorized")
    root = (server.data_dir / "dev-root-token").read_text().strip()
    assert_error(alice.put_key(key_body(recipient), token=root), 403, "forbidden")
    assert_error(alice.call("GET", "/v1/keys/me", token=root), 403, "forbidden")

    assert alice.put_key(key_body(recipient)).status_code == 204
    assert alice.call("GET", "/v1/keys/me", token=reader).json()["public_key"] == recipient
    # Another user finds alice's public key by email, normalised as at sign-up (the domain's
    # case does not matter), and nothing more.
    local, domain = alice.email.rsplit("@", 1)
    r = bob.call("GET", f"/v1/keys/{local}@{domain.upper()}")
    assert r.status_code == 200, r.text
    assert r.json() == {"email": alice.email, "public_key": recipient}
    assert alice.call("GET", "/v1/keys/" + alice.email, token=reader).status_code == 200
    assert_error(alice.call("GET", "/v1/keys/" + bob.email), 404, "user_not_found")
    assert_error(alice.call("GET", "/v1/keys/" + new_email("ghost")), 404, "user_not_found")


# ---------------------------------------------------------------------- sharing


def shared_client_file(alice: ZkUser, bob: ZkUser, tmp_path: Path, size: int = 150_000):
    alice_key, bob_key = Key(tmp_path, "alice"), Key(tmp_path, "bob")
    made = AgeFile(os.urandom(size), [alice_key.recipient])
    info = alice.put_client("zk/shared.age", made.data).json()
    header = made.header_for([alice_key.recipient, bob_key.recipient])
    r = alice.grant_header("zk/shared.age", bob.email, base64.b64encode(header).decode())
    assert r.status_code == 201, r.text
    return made, info, header, alice_key, bob_key


def test_a_grantee_decrypts_its_header_with_the_payload(alice, bob, tmp_path):
    made, info, header, alice_key, bob_key = shared_client_file(alice, bob, tmp_path)
    assert alice_key.decrypt(alice.get("zk/shared.age").content) == made.plaintext

    [entry] = bob.shared()
    assert entry["id"] == info["id"] and entry["mode"] == "client"
    assert entry["size"] == len(header) + len(made.payload)
    r = bob.get_shared(info["id"])
    assert r.status_code == 200, r.text
    expected = header + made.payload
    assert r.content == expected
    assert r.headers["Content-Length"] == str(len(expected))
    assert r.headers["X-Caas-Mode"] == "client"
    assert r.headers["ETag"] == f'"{info["sha256"]}.{sha256(header)[:16]}"'
    assert bob_key.decrypt(r.content) == made.plaintext
    r = bob.call("GET", f"/v1/shared/{info['id']}",
                 headers={"If-None-Match": r.headers["ETag"]})
    assert r.status_code == 304 and r.content == b""

    seam = len(header)
    for first, last in [(0, 9), (seam - 5, seam + 100), (seam, len(expected) - 1),
                        (1000, 90_000)]:
        r = bob.get_shared(info["id"], byte_range=f"bytes={first}-{last}")
        assert r.status_code == 206, r.text
        assert r.content == expected[first:last + 1]
        assert r.headers["Content-Range"] == f"bytes {first}-{last}/{len(expected)}"
    r = bob.get_shared(info["id"], byte_range=f"bytes={len(expected)}-")
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{len(expected)}"
    head = bob.call("HEAD", f"/v1/shared/{info['id']}")
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(expected))

    # Re-granting replaces the header.
    other = made.header_for([bob_key.recipient])
    assert alice.grant_header("zk/shared.age", bob.email,
                              base64.b64encode(other).decode()).status_code == 201
    r = bob.get_shared(info["id"])
    assert r.content == other + made.payload
    assert bob_key.decrypt(r.content) == made.plaintext


def test_grant_headers_are_checked(alice, bob, tmp_path):
    key = Key(tmp_path, "alice")
    made = AgeFile(b"secret", [key.recipient])
    assert alice.put_client("c.age", made.data).status_code == 201
    assert alice.call("PUT", file_url("s.txt"), data=b"server").status_code == 201
    good = base64.b64encode(made.header_for([key.recipient])).decode()

    assert_error(alice.grant_header("c.age", bob.email, None), 400, "invalid_request", "header")
    assert_error(alice.grant_header("s.txt", bob.email, good), 400, "invalid_request", "header")
    for bad in ["not base64!", base64.b64encode(b"not an age header").decode(),
                base64.b64encode(made.header_for([key.recipient]) + b"x").decode(),
                base64.b64encode(made.data).decode(),
                base64.b64encode(b"a" * (64 * 1024 + 1)).decode()]:
        assert_error(alice.grant_header("c.age", bob.email, bad), 400, "invalid_age")
    assert_error(alice.grant_header("c.age", bob.email, 7), 400, "invalid_request", "header")
    assert alice.grants("c.age").json()["grants"] == []
    assert bob.shared() == []


def test_an_overwrite_involving_client_mode_drops_the_grants(alice, bob, tmp_path):
    made, info, header, alice_key, bob_key = shared_client_file(alice, bob, tmp_path, 1000)
    again = AgeFile(b"second version", [alice_key.recipient])
    r = alice.put_client("zk/shared.age", again.data, overwrite=True)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == info["id"]
    assert alice.grants("zk/shared.age").json()["grants"] == []
    assert bob.shared() == []
    assert_error(bob.get_shared(info["id"]), 404, "not_found")

    # Server mode over client mode, and client over server, drop them too.
    assert alice.grant_header("zk/shared.age", bob.email, base64.b64encode(
        again.header_for([bob_key.recipient])).decode()).status_code == 201
    assert alice.put("zk/shared.age", b"now plain", overwrite=True).status_code == 201
    assert bob.shared() == []
    assert alice.grant("zk/shared.age", bob.email).status_code == 201
    assert bob.get_shared(info["id"]).content == b"now plain"
    assert alice.put_client("zk/shared.age", again.data, overwrite=True).status_code == 201
    assert bob.shared() == []
    assert alice_key.decrypt(alice.get("zk/shared.age").content) == b"second version"
    assert alice.delete("zk/shared.age").status_code == 204
    assert_error(alice.get("zk/shared.age"), 404, "not_found")


def test_a_sealed_server_answers_503_to_key_and_client_file_routes(tmp_path_factory, smtp,
                                                                   tmp_path):
    caasd = start_server(tmp_path_factory, smtp, "zk-sealed")
    try:
        user = ZkUser(Client(caasd, smtp), "sealed")
        recipient = Key(tmp_path, "k").recipient
        assert user.put_key(key_body(recipient)).status_code == 204
        made = AgeFile(b"kept", [recipient])
        assert user.put_client("s.age", made.data).status_code == 201
        caasd.seal((caasd.data_dir / "dev-root-token").read_text().strip())
        assert_error(user.call("GET", "/v1/auth/me"), 503, "sealed")
        assert_error(user.call("GET", "/v1/keys/me"), 503, "sealed")
        assert_error(user.put_key(key_body(recipient)), 503, "sealed")
        assert_error(user.call("GET", "/v1/keys/" + user.email), 503, "sealed")
        # Files answer 503 sealed in either mode: one rule for every file route.
        assert_error(user.get("s.age"), 503, "sealed")
        assert_error(user.put_client("t.age", made.data), 503, "sealed")
    finally:
        caasd.cleanup()
