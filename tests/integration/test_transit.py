"""Transit end to end: keys per owner, every key type, rotation, rewrap, min_decryption_version,
batches, derived keys, scopes, sealing, and the compatibility /encrypt and /decrypt. Signatures and
HMACs are checked here with Python's `cryptography` and `hmac`, not with the project's code."""
from __future__ import annotations

import base64
import hashlib
import hmac as std_hmac

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

from accounts import Client, client, new_email, server, smtp, start_server  # noqa: F401
from conftest import assert_error


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


class User:
    def __init__(self, client: Client):
        self.server = client.server
        self.email = new_email("transit")
        self.user_id = client.register(self.email)
        self.token = client.login(self.email)

    def post(self, path, body=None, token=None, timeout=30):
        return self.server.post(path, token=token or self.token,
                                json=body if body is not None else {}, timeout=timeout)

    def create(self, name, key_type="aes256-gcm", derived=False):
        # RSA-3072 key generation takes seconds on a loaded 2-core machine.
        r = self.post(f"/v1/transit/keys/{name}", {"type": key_type, "derived": derived},
                      timeout=120)
        assert r.status_code == 201, r.text
        return r.json()

    def encrypt(self, name, plaintext: bytes, **extra):
        r = self.post(f"/v1/transit/encrypt/{name}", {"plaintext": b64(plaintext), **extra})
        assert r.status_code == 200, r.text
        return r.json()["ciphertext"]

    def decrypt(self, name, ciphertext, **extra):
        return self.post(f"/v1/transit/decrypt/{name}", {"ciphertext": ciphertext, **extra})

    def api_key(self, scopes):
        r = self.post("/v1/auth/api-keys", {"name": "app", "scopes": scopes})
        assert r.status_code == 201, r.text
        return r.json()["api_key"]


@pytest.fixture
def user(client):
    return User(client)


@pytest.mark.parametrize("key_type", ["aes256-gcm", "chacha20-poly1305", "xchacha20-poly1305",
                                      "rsa-3072"])
def test_encryption_round_trip_per_type(user, key_type):
    info = user.create("k", key_type)
    assert info["type"] == key_type and info["latest_version"] == 1
    for plaintext in [b"", b"x", bytes(range(256)) * 1]:
        ciphertext = user.encrypt("k", plaintext)
        assert ciphertext.startswith("caas:v1:")
        r = user.decrypt("k", ciphertext)
        assert r.status_code == 200, r.text
        assert unb64(r.json()["plaintext"]) == plaintext
    assert user.encrypt("k", b"same") != user.encrypt("k", b"same")  # fresh nonce or OAEP seed


def test_mismatches_all_give_decryption_failed(user):
    user.create("a")
    user.create("b")
    aad = b64(b"order 17")
    ciphertext = user.encrypt("a", b"secret", associated_data=aad)
    assert user.decrypt("a", ciphertext, associated_data=aad).status_code == 200
    raw = bytearray(unb64(ciphertext.split(":", 2)[2]))
    for position in [0, len(raw) // 2, len(raw) - 1]:
        flipped = bytearray(raw)
        flipped[position] ^= 0x01
        assert_error(user.decrypt("a", "caas:v1:" + b64(bytes(flipped)), associated_data=aad),
                     400, "decryption_failed")
    assert_error(user.decrypt("a", ciphertext, associated_data=b64(b"order 18")), 400,
                 "decryption_failed")
    assert_error(user.decrypt("a", ciphertext), 400, "decryption_failed")
    assert_error(user.decrypt("b", ciphertext, associated_data=aad), 400, "decryption_failed")
    for garbage in ["", "caas:v1:", "caas:v9:" + ciphertext.split(":", 2)[2], "nonsense",
                    "caas:v1:!!!!"]:
        assert_error(user.decrypt("a", garbage, associated_data=aad), 400, "decryption_failed")


def test_derived_keys_need_the_right_context(user):
    user.create("d", derived=True)
    assert_error(user.post("/v1/transit/encrypt/d", {"plaintext": b64(b"x")}), 400,
                 "context_required")
    ciphertext = user.encrypt("d", b"tenant data", context=b64(b"tenant-1"))
    r = user.decrypt("d", ciphertext, context=b64(b"tenant-1"))
    assert unb64(r.json()["plaintext"]) == b"tenant data"
    assert_error(user.decrypt("d", ciphertext, context=b64(b"tenant-2")), 400, "decryption_failed")
    assert_error(user.decrypt("d", ciphertext), 400, "context_required")


def test_rotation_rewrap_and_min_decryption_version(user):
    user.create("r")
    v1 = user.encrypt("r", b"first")
    r = user.post("/v1/transit/keys/r/rotate")
    assert r.status_code == 200 and r.json()["latest_version"] == 2, r.text
    v2 = user.encrypt("r", b"second")
    assert v2.startswith("caas:v2:")
    assert unb64(user.decrypt("r", v1).json()["plaintext"]) == b"first"
    r = user.post("/v1/transit/rewrap/r", {"ciphertext": v1})
    assert r.status_code == 200, r.text
    rewrapped = r.json()["ciphertext"]
    assert rewrapped.startswith("caas:v2:") and "plaintext" not in r.json()
    r = user.post("/v1/transit/keys/r/config", {"min_decryption_version": 2})
    assert r.status_code == 200 and r.json()["min_decryption_version"] == 2, r.text
    assert_error(user.decrypt("r", v1), 400, "decryption_failed")
    assert unb64(user.decrypt("r", rewrapped).json()["plaintext"]) == b"first"
    info = user.server.get("/v1/transit/keys/r", token=user.token).json()
    assert set(info["versions"]) == {"1", "2"}
    assert info["versions"]["1"]["encryptions"] >= 1
    assert_error(user.post("/v1/transit/keys/r/config", {"min_decryption_version": 3}), 400,
                 "invalid_request")


def test_batch_of_1000_with_bad_items_answers_in_order(user):
    user.create("batch")
    items = [{"plaintext": b64(f"item {i}".encode())} for i in range(1000)]
    bad = {17: {"plaintext": "%%%"}, 500: {}, 999: {"plaintext": 5}}
    for index, item in bad.items():
        items[index] = item
    r = user.post("/v1/transit/encrypt/batch", {"batch_input": items})
    assert r.status_code == 200, r.text[:300]
    results = r.json()["batch_results"]
    assert len(results) == 1000
    for index, result in enumerate(results):
        if index in bad:
            assert result["error"]["code"] == "invalid_request", (index, result)
        else:
            assert result["ciphertext"].startswith("caas:v1:"), (index, result)
    decrypt_items = [{"ciphertext": res.get("ciphertext", "caas:v1:AAAA")} for res in results]
    r = user.post("/v1/transit/decrypt/batch", {"batch_input": decrypt_items})
    decrypted = r.json()["batch_results"]
    for index, result in enumerate(decrypted):
        if index in bad:
            assert result["error"]["code"] == "decryption_failed"
        else:
            assert unb64(result["plaintext"]) == f"item {index}".encode()
    assert_error(user.post("/v1/transit/encrypt/batch",
                           {"batch_input": [{"plaintext": ""}] * 1001}), 400, "invalid_request")


def test_ed25519_signatures_verify_independently(user):
    info = user.create("sig", "ed25519")
    public = ed25519.Ed25519PublicKey.from_public_bytes(unb64(info["versions"]["1"]["public_key"]))
    r = user.post("/v1/transit/sign/sig", {"input": b64(b"release 1.0")})
    assert r.status_code == 200, r.text
    signature = r.json()["signature"]
    raw = unb64(signature.split(":", 2)[2])
    public.verify(raw, b"release 1.0")
    with pytest.raises(InvalidSignature):
        public.verify(raw, b"release 1.1")
    assert user.post("/v1/transit/verify/sig", {"input": b64(b"release 1.0"),
                                               "signature": signature}).json() == {"valid": True}
    assert user.post("/v1/transit/verify/sig", {"input": b64(b"release 1.1"),
                                               "signature": signature}).json() == {"valid": False}


def test_rsa_pss_signatures_verify_independently(user):
    info = user.create("rsa", "rsa-3072")
    public = serialization.load_der_public_key(unb64(info["versions"]["1"]["public_key"]))
    signature = user.post("/v1/transit/sign/rsa", {"input": b64(b"doc")}).json()["signature"]
    public.verify(unb64(signature.split(":", 2)[2]), b"doc",
                  padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())


def test_hmac_and_verify(user):
    user.create("mac", "hmac")
    r = user.post("/v1/transit/hmac/mac", {"input": b64(b"message")})
    tag = r.json()["hmac"]
    assert tag.startswith("caas:v1:") and len(unb64(tag.split(":", 2)[2])) == 32
    check = {"input": b64(b"message"), "hmac": tag}
    assert user.post("/v1/transit/verify-hmac/mac", check).json() == {"valid": True}
    check["input"] = b64(b"massage")
    assert user.post("/v1/transit/verify-hmac/mac", check).json() == {"valid": False}
    assert_error(user.post("/v1/transit/hmac/k-none", {"input": b64(b"m")}), 404, "not_found")


def test_datakeys_and_random(user):
    user.create("dk")
    r = user.post("/v1/transit/datakey/plaintext/dk", {"bits": 256})
    body = r.json()
    key = unb64(body["plaintext"])
    assert len(key) == 32
    assert unb64(user.decrypt("dk", body["ciphertext"]).json()["plaintext"]) == key
    wrapped = user.post("/v1/transit/datakey/wrapped/dk", {}).json()
    assert "plaintext" not in wrapped and wrapped["ciphertext"].startswith("caas:v1:")
    r = user.server.get("/v1/transit/random/64", token=user.token)
    assert len(unb64(r.json()["random"])) == 64
    assert_error(user.server.get("/v1/transit/random/2000", token=user.token), 400,
                 "invalid_request")
    assert_error(user.server.get("/v1/transit/random/0", token=user.token), 400, "invalid_request")


def test_keys_are_per_owner_and_scoped(client, user):
    user.create("orders")
    ciphertext = user.encrypt("orders", b"mine")
    other = User(client)
    assert_error(other.decrypt("orders", ciphertext), 404, "not_found")
    assert_error(other.server.get("/v1/transit/keys/orders", token=other.token), 404, "not_found")
    other.create("orders")  # the same name in another namespace is another key
    assert_error(other.decrypt("orders", ciphertext), 400, "decryption_failed")
    assert_error(user.post("/v1/transit/keys/orders", {"type": "aes256-gcm"}), 409, "key_exists")

    scoped = user.api_key(["transit:orders"])
    r = user.post("/v1/transit/encrypt/orders", {"plaintext": b64(b"via key")}, token=scoped)
    assert r.status_code == 200, r.text
    user.create("billing")
    assert_error(user.post("/v1/transit/encrypt/billing", {"plaintext": b64(b"x")}, token=scoped),
                 403, "forbidden")
    # Using is not managing: an API key cannot rotate or create.
    assert_error(user.post("/v1/transit/keys/orders/rotate", token=scoped), 403, "forbidden")
    wildcard = user.api_key(["transit:*"])
    assert user.post("/v1/transit/encrypt/billing", {"plaintext": b64(b"x")},
                     token=wildcard).status_code == 200
    files_only = user.api_key(["files:read"])
    assert_error(user.post("/v1/transit/encrypt/orders", {"plaintext": b64(b"x")},
                           token=files_only), 403, "forbidden")
    root = (user.server.data_dir / "dev-root-token").read_text().strip()
    assert_error(user.post("/v1/transit/encrypt/orders", {"plaintext": b64(b"x")}, token=root),
                 403, "forbidden")
    assert_error(user.server.post("/v1/transit/encrypt/orders", json={"plaintext": ""}), 401,
                 "unauthorized")


def test_bad_requests(user):
    assert_error(user.post("/v1/transit/keys/bad", {"type": "des"}), 400, "invalid_request", "type")
    assert_error(user.post("/v1/transit/keys/e", {"type": "ed25519", "derived": True}), 400,
                 "invalid_request")
    assert_error(user.post("/v1/transit/keys/.hidden", {"type": "hmac"}), 400, "invalid_request")
    user.create("x")
    assert_error(user.post("/v1/transit/encrypt/x", {"plaintext": "not base64!"}), 400,
                 "invalid_request", "plaintext")
    assert_error(user.post("/v1/transit/encrypt/x", {}), 400, "invalid_request", "plaintext")
    assert_error(user.post("/v1/transit/sign/x", {"input": b64(b"m")}), 400, "invalid_request")
    big = b64(b"\0" * (1024 * 1024 + 1))
    assert_error(user.post("/v1/transit/encrypt/x", {"plaintext": big}), 400, "invalid_request")


def test_compatibility_encrypt_and_decrypt(client, user):
    api_key = user.api_key(["transit:compat"])
    person = "3f0c6a52-5f4e-4a43-9d6c-0e5c2b8f7a11"
    r = user.server.post("/encrypt", json={"apiKey": api_key, "userUUID": person,
                                           "sensitiveData": "IBAN DE89 3704 0044 0532 0130 00"})
    assert r.status_code == 200, r.text
    encrypted = r.json()["encrypted_data"]
    r = user.server.post("/decrypt", json={"apiKey": api_key, "userUUID": person,
                                           "encrypted_data": encrypted})
    assert r.json() == {"sensitiveData": "IBAN DE89 3704 0044 0532 0130 00"}
    assert_error(user.server.post("/decrypt", json={"apiKey": api_key, "userUUID": "someone else",
                                                    "encrypted_data": encrypted}),
                 400, "decryption_failed")
    assert_error(user.server.post("/encrypt", json={"apiKey": "caas-key-forged", "userUUID": person,
                                                    "sensitiveData": "x"}), 401, "unauthorized")
    no_scope = user.api_key(["files:read"])
    assert_error(user.server.post("/encrypt", json={"apiKey": no_scope, "userUUID": person,
                                                    "sensitiveData": "x"}), 403, "forbidden")
    # Another account's API key uses its own compat key: it cannot read this data.
    other = User(client)
    other_key = other.api_key(["transit:compat"])
    assert_error(user.server.post("/decrypt", json={"apiKey": other_key, "userUUID": person,
                                                    "encrypted_data": encrypted}),
                 400, "decryption_failed")


def test_sealed_server_answers_503(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "transit-sealed")
    try:
        user = User(Client(caasd, smtp))
        user.create("k")
        ciphertext = user.encrypt("k", b"before")
        root = (caasd.data_dir / "dev-root-token").read_text().strip()
        caasd.seal(root)
        assert_error(user.post("/v1/transit/encrypt/k", {"plaintext": b64(b"x")}), 503, "sealed")
        assert_error(user.decrypt("k", ciphertext), 503, "sealed")
    finally:
        caasd.cleanup()


def test_nonce_budget_rotates_the_key(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "transit-budget",
                         CAAS_TRANSIT_ROTATE_AFTER_ENCRYPTIONS=5)
    try:
        user = User(Client(caasd, smtp))
        user.create("gcm")
        texts = [user.encrypt("gcm", b"x") for _ in range(7)]
        assert texts[0].startswith("caas:v1:") and texts[-1].startswith("caas:v2:")
        info = caasd.get("/v1/transit/keys/gcm", token=user.token).json()
        assert info["latest_version"] == 2
        assert info["versions"]["1"]["encryptions"] == 5
        for text in texts:
            assert user.decrypt("gcm", text).status_code == 200
    finally:
        caasd.cleanup()
