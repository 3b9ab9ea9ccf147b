"""Zero-knowledge mode, proved from the outside: after `caas upload`, what the server holds is an
age file it cannot open, byte for byte what it serves, that the reference `age` decrypts with
the user's exported identity; the keys the client derives are exactly those zk_keys.h documents
(recomputed here with libsodium's Argon2id and Python's HKDF, not the project's code); and
neither the password, the master key nor the identity appears anywhere the server writes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest

from accounts import smtp, start_server  # noqa: F401 (fixture)
from cli_support import CliUser, DerivedKeys, fingerprint, hkdf_sha256, unwrap_identity

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_payload(text: str) -> bytes:
    """The bytes inside a bech32 string (checksum dropped, not verified: age checks it)."""
    data = [BECH32.index(c) for c in text.lower().rsplit("1", 1)[1][:-6]]
    acc, bits, out = 0, 0, bytearray()
    for value in data:
        acc = (acc << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


def encodings(name: str, raw: bytes) -> dict[str, bytes]:
    """The forms a secret could leak in: raw, hex (both cases), base64 (padded, unpadded, URL)."""
    b64 = base64.b64encode(raw)
    forms = {
        f"{name} (raw)": raw,
        f"{name} (hex)": raw.hex().encode(),
        f"{name} (HEX)": raw.hex().upper().encode(),
        f"{name} (base64)": b64.rstrip(b"="),
        f"{name} (base64url)": base64.urlsafe_b64encode(raw).rstrip(b"="),
    }
    return forms


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def leaks(places: list[Path], secrets: dict[str, bytes]) -> list[str]:
    """`what in where` for each secret found; never the secret itself."""
    found = []
    for path in places:
        data = path.read_bytes()
        for what, needle in secrets.items():
            if needle and needle in data:
                found.append(f"{what} in {path.name}")
    return found


@pytest.fixture
def zk(tmp_path_factory, smtp):  # noqa: F811
    server = start_server(tmp_path_factory, smtp, "zkproof")
    home = tmp_path_factory.mktemp("zk-user")
    user = CliUser(server, smtp, home, f"zk-{uuid.uuid4().hex[:10]}@example.com",
                   "a long passphrase nobody else knows 17")
    yield server, user
    server.cleanup()


def test_client_mode_upload_is_zero_knowledge(zk):
    server, user = zk
    user.register()
    login = user.login()
    assert login["key_created"] is True

    marker = b"PLAINTEXT-MARKER-" + uuid.uuid4().hex.encode()
    original = marker + bytes(range(256)) * 1200 + marker  # ~300 KiB, spans several age chunks
    (user.cwd / "secret.bin").write_bytes(original)
    uploaded = json.loads(user.run("--json", "upload", "secret.bin", "vault/secret.bin").stdout)
    assert uploaded["path"] == "vault/secret.bin" and uploaded["skipped"] is False

    # The blob on disk is the age file as the client made it.
    db = sqlite3.connect(f"file:{server.data_dir / 'caas.db'}?mode=ro", uri=True, timeout=10)
    try:
        row = db.execute("SELECT blob_id FROM files WHERE id = ?", (uploaded["id"],)).fetchone()
    finally:
        db.close()
    assert row and row[0], f"no blob for file {uploaded['id']}"
    blobs = list((server.data_dir / "blobs").glob(f"*/*/{row[0]}"))
    assert len(blobs) == 1, f"blob {row[0]}: {blobs}"
    stored = blobs[0].read_bytes()
    assert stored.startswith(b"age-encryption.org/v1\n"), stored[:40]
    assert marker not in stored

    # What the server serves is that file, unchanged, marked as client mode.
    token = user.token()
    fetched = server.get("/v1/files/vault/secret.bin", token=token)
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers.get("X-Caas-Mode") == "client"
    assert fetched.content == stored

    # The reference age opens it with the identity `caas keys export` prints.
    exported = user.run("keys", "export").stdout
    identity_file = user.home / "identity.txt"
    identity_file.write_bytes(exported)
    identity_file.chmod(0o600)
    age_file = user.home / "fetched.age"
    age_file.write_bytes(fetched.content)
    decrypted = subprocess.run(["age", "-d", "-i", str(identity_file), str(age_file)],
                               capture_output=True, timeout=30)
    assert decrypted.returncode == 0, decrypted.stderr.decode(errors="replace")
    assert decrypted.stdout == original
    identity = next(line for line in exported.decode().splitlines()
                    if line.startswith("AGE-SECRET-KEY-1"))
    public_key = subprocess.run(["age-keygen", "-y"], input=identity + "\n", capture_output=True,
                                text=True, check=True).stdout.strip()
    assert public_key == login["public_key"]
    assert fingerprint(public_key) == login["fingerprint"]

    # The content hash the server keeps to skip re-uploads is the documented keyed tag, so it
    # tells the server nothing about the plaintext (zk_keys.h ContentHasher).
    tag_key = hkdf_sha256(identity.encode(), b"caas/v1/content-hash")
    expected_tag = "h1-" + hmac.new(tag_key, original, hashlib.sha256).hexdigest()
    assert fetched.headers.get("X-Caas-Content-Hash") == expected_tag

    # The derivation is the documented one: the reference master key opens the stored wrap...
    keys = DerivedKeys(user.email, user.password)
    stored_key = server.get("/v1/keys/me", token=token)
    assert stored_key.status_code == 200, stored_key.text
    body = stored_key.json()
    assert body["public_key"] == public_key
    assert body["kdf"]["algorithm"] == "argon2id"
    assert (body["kdf"]["iterations"], body["kdf"]["memory_kib"], body["kdf"]["parallelism"]) \
        == (3, 65536, 1)
    assert base64.b64decode(body["kdf"]["salt"]) == keys.salt
    assert unwrap_identity(keys.master_key, body["encrypted_identity"], public_key) == identity, \
        "the reference master key does not open the stored identity"

    # ...and the server was given the reference auth secret, never the password.
    r = server.post("/v1/auth/login", json={"email": user.email, "password": keys.auth_secret})
    assert r.status_code == 200 and r.json()["status"] == "otp_required", r.text
    r = server.post("/v1/auth/login", json={"email": user.email, "password": user.password})
    assert r.status_code == 401, "the server accepts the raw password"

    # Nothing that opens the files is anywhere the server writes, running or stopped.
    secrets = {"password": user.password.encode(), "plaintext marker": marker,
               "identity string": identity.encode(), "identity string (lower)":
               identity.lower().encode()}
    secrets.update(encodings("master key", keys.master_key))
    secrets.update(encodings("Argon2id root", keys.root))
    secrets.update(encodings("identity", bech32_payload(identity)))
    secrets["auth secret (hex)"] = keys.auth_secret.encode()
    secrets["plaintext SHA-256 (hex)"] = hashlib.sha256(original).hexdigest().encode()
    secrets.update(encodings("content-hash key", tag_key))
    # The client's own folder keeps the session and the identity, 0600 in a 0700 folder, and
    # never the password, the master key or the auth secret (config.h).
    config_dir = user.home / "config" / "caas"
    assert config_dir.stat().st_mode & 0o777 == 0o700
    for path in files_under(config_dir):
        assert path.stat().st_mode & 0o777 == 0o600, path.name
    client_secrets = {k: v for k, v in secrets.items()
                      if not k.startswith(("identity", "plaintext", "content-hash"))}
    assert not leaks(files_under(config_dir), client_secrets)
    assert leaks(files_under(config_dir), {"identity": identity.encode()})

    places = files_under(server.data_dir) + files_under(server.tmp_path)
    assert not leaks(places, secrets)
    # The scan does see what the server does store (a control for the search itself).
    assert leaks(places, {"public key": public_key.encode()})
    server.stop()
    places = files_under(server.data_dir) + files_under(server.tmp_path)
    assert any(p.name == "caas.db" for p in places)
    assert any("stderr" in p.name or "stdout" in p.name for p in places)
    assert not leaks(places, secrets)
    assert leaks(places, {"public key": public_key.encode(),
                          "wrapped identity": base64.b64decode(body["encrypted_identity"])})


def test_shared_file_is_a_new_header_over_the_same_payload(zk, tmp_path_factory):
    """A share adds the grantee's stanza to a new header made by the owner's client; the server
    serves that header with the owner's payload, which the reference age opens with the
    grantee's exported identity."""
    server, owner = zk
    grantee = CliUser(server, owner.smtp, tmp_path_factory.mktemp("zk-grantee"),
                      f"zk-grantee-{uuid.uuid4().hex[:10]}@example.com",
                      "another long passphrase 99")
    for user in (owner, grantee):
        user.register()
        user.login()
    original = b"shared secret contents\n" * 5000
    (owner.cwd / "s.txt").write_bytes(original)
    owner.run("upload", "s.txt")
    owner.run("share", "s.txt", grantee.email)
    listed = json.loads(grantee.run("--json", "shared").stdout)["files"]
    assert [f["path"] for f in listed] == ["s.txt"]

    owned = server.get("/v1/files/s.txt", token=owner.token())
    shared = server.get(f"/v1/shared/{listed[0]['id']}", token=grantee.token())
    assert owned.status_code == 200 and shared.status_code == 200, shared.text
    assert shared.headers.get("X-Caas-Mode") == "client"

    def split(age: bytes) -> tuple[bytes, bytes]:
        end = age.index(b"\n---") + 1
        end = age.index(b"\n", end) + 1
        return age[:end], age[end:]

    owner_header, owner_payload = split(owned.content)
    grantee_header, grantee_payload = split(shared.content)
    assert grantee_payload == owner_payload
    assert grantee_header != owner_header
    assert grantee_header.count(b"\n-> X25519 ") == 2

    identity_file = grantee.home / "identity.txt"
    identity_file.write_bytes(grantee.run("keys", "export").stdout)
    age_file = grantee.home / "shared.age"
    age_file.write_bytes(shared.content)
    decrypted = subprocess.run(["age", "-d", "-i", str(identity_file), str(age_file)],
                               capture_output=True, timeout=30)
    assert decrypted.returncode == 0, decrypted.stderr.decode(errors="replace")
    assert decrypted.stdout == original
