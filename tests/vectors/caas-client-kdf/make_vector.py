#!/usr/bin/python3
"""The known-answer vector of tests/cli/client_test.cpp (ZkKeys.KnownAnswer): the zero-knowledge
key derivation of src/cli/zk_keys.h computed independently of the project's code, with
libsodium's crypto_pwhash (Argon2id v1.3) through ctypes and HKDF-SHA-256 (RFC 5869) from
Python's hmac. Run: /usr/bin/python3 tests/vectors/caas-client-kdf/make_vector.py
Our own vector (no third-party data): same licence as the project."""
import ctypes, hashlib, hmac, base64
so = ctypes.CDLL("libsodium.so.23"); so.sodium_init()
def argon2id(pw, salt, t, m_kib, n=32):
    out = ctypes.create_string_buffer(n)
    rc = so.crypto_pwhash(out, ctypes.c_ulonglong(n), pw, ctypes.c_ulonglong(len(pw)), salt, ctypes.c_ulonglong(t), ctypes.c_size_t(m_kib*1024), ctypes.c_int(2))
    assert rc == 0
    return out.raw
def hkdf(ikm, info, n=32):
    prk = hmac.new(b"\0"*32, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:n]
email = "alice@example.com"; pw = b"correct horse battery staple"
salt = hashlib.sha256(b"caas/v1/kdf-salt|" + email.encode()).digest()[:16]
root = argon2id(pw, salt, 3, 65536)
print("salt", salt.hex()); print("auth", hkdf(root, b"caas/v1/auth").hex()); print("master", hkdf(root, b"caas/v1/master-key").hex())
