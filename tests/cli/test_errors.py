"""Failure transcripts: every one exits 1 with "caas age: <message>" (2 for usage errors), and
leaves no -o file behind."""
import os

import pytest

from conftest import age, caas, expect

KIB = 1024


@pytest.fixture(scope="module")
def sample(keys, tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    data = os.urandom(150 * KIB)
    enc = root / "c.age"
    enc.write_bytes(expect(caas("encrypt", "-r", keys["ours_pub"], stdin=data), 0).out)
    return data, enc


def decrypt_to_file(keys, tmp_path, ciphertext, code, pattern):
    out = tmp_path / "out"
    expect(caas("decrypt", "-i", str(keys["ours"]), "-o", str(out), stdin=ciphertext), code,
           pattern)
    assert not out.exists(), "a failed decryption must not leave a partial -o file"


def test_wrong_identity(keys, sample, tmp_path):
    out = tmp_path / "out"
    expect(caas("decrypt", "-i", str(keys["theirs"]), "-o", str(out), str(sample[1])), 1,
           r"\Acaas age: no identity matched any of the recipients\n\Z")
    assert not out.exists()
    # age says the same of the same file.
    expect(age("-d", "-i", str(keys["theirs"]), str(sample[1])), 1, r"no identity matched")


@pytest.mark.parametrize("keep", [0, 10, 150, 1000, 70000, 150 * KIB - 1])
def test_truncated_file(keys, sample, tmp_path, keep):
    decrypt_to_file(keys, tmp_path, sample[1].read_bytes()[:keep], 1, r"\Acaas age: ")


@pytest.mark.parametrize("where", ["header", "mac", "nonce", "first_chunk", "last_chunk"])
def test_flipped_byte(keys, sample, tmp_path, where):
    enc = bytearray(sample[1].read_bytes())
    header_end = enc.index(b"\n---") + 1
    header_end = enc.index(b"\n", header_end) + 1
    offsets = {"header": 30, "mac": header_end - 5, "nonce": header_end + 3,
               "first_chunk": header_end + 100, "last_chunk": len(enc) - 3}
    enc[offsets[where]] ^= 0x01
    decrypt_to_file(keys, tmp_path, bytes(enc), 1, r"\Acaas age: ")


def test_flipped_payload_byte_says_so(keys, sample, tmp_path):
    enc = bytearray(sample[1].read_bytes())
    enc[-3] ^= 0x80
    decrypt_to_file(keys, tmp_path, bytes(enc), 1, r"failed to decrypt and authenticate payload")


def test_not_an_age_file(keys, tmp_path):
    decrypt_to_file(keys, tmp_path, b"hello, world\n", 1, r"\Acaas age: failed to read header")


def test_malformed_armor(keys, tmp_path):
    decrypt_to_file(keys, tmp_path, b"-----BEGIN AGE ENCRYPTED FILE-----\nnot base64!\n", 1,
                    r"malformed armor")


def test_missing_input_file(keys, tmp_path):
    expect(caas("decrypt", "-i", str(keys["ours"]), str(tmp_path / "nope")), 1,
           r'\Acaas age: failed to open input file ".*nope": No such file or directory\n\Z')
    expect(caas("encrypt", "-r", keys["ours_pub"], str(tmp_path / "nope")), 1,
           r"failed to open input file")


def test_missing_identity_file(sample, tmp_path):
    expect(caas("decrypt", "-i", str(tmp_path / "nope"), str(sample[1])), 1,
           r"failed to open input file")


def test_no_identity_given(sample):
    expect(caas("decrypt", str(sample[1])), 1, r"missing identity file")


def test_bad_recipients(tmp_path):
    expect(caas("encrypt", "-r", "bad", stdin=b"x"), 1,
           r'\Acaas age: unknown recipient type: "bad"\n\Z')
    expect(caas("encrypt", "-r", "age1qqqq", stdin=b"x"), 1, r"malformed recipient")
    rfile = tmp_path / "r.txt"
    rfile.write_text("# nothing but comments\n")
    expect(caas("encrypt", "-R", str(rfile), stdin=b"x"), 1, r"no recipients found")
    expect(caas("encrypt", stdin=b"x"), 1, r"missing recipients")


def test_failed_encryption_leaves_no_output(tmp_path):
    out = tmp_path / "out"
    expect(caas("encrypt", "-r", "age1qqqq", "-o", str(out), stdin=b"x"), 1)
    assert not out.exists()


@pytest.mark.parametrize("argv", [["encrypt", "--bogus"], ["decrypt", "-x"], ["frobnicate"], [],
                                  ["encrypt", "a", "b"]])
def test_usage_errors_exit_2(argv):
    expect(caas(*argv, stdin=b""), 2)


def test_help_exits_0():
    result = expect(caas("encrypt", "--help"), 0)
    assert b"--recipient" in result.out
