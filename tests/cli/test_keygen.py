"""`caas age keygen` transcripts, against age-keygen's behaviour."""
import os
import re
import stat

from conftest import AGE_KEYGEN, caas, expect, run

IDENTITY_FILE = re.compile(
    rb"\A# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n"
    rb"# public key: (age1[02-9ac-hj-np-z]{58})\n"
    rb"(AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58})\n\Z")


def test_keygen_to_stdout_prints_identity_and_public_key():
    result = expect(caas("keygen"), 0, r"\APublic key: age1[a-z0-9]{58}\n\Z")
    match = IDENTITY_FILE.match(result.out)
    assert match, result.out
    assert result.err.strip() == "Public key: " + match.group(1).decode()


def test_keygen_to_file_is_private_and_never_overwrites(tmp_path):
    out = tmp_path / "key.txt"
    result = expect(caas("keygen", "-o", str(out)), 0, r"Public key: age1")
    assert result.out == b""
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert IDENTITY_FILE.match(out.read_bytes())
    before = out.read_bytes()
    expect(caas("keygen", "-o", str(out)), 1,
           r'\Acaas age: failed to open output file ".*key.txt": File exists\n\Z')
    assert out.read_bytes() == before


def test_keygen_y_matches_the_public_key_comment(tmp_path):
    out = tmp_path / "key.txt"
    expect(caas("keygen", "-o", str(out)), 0)
    comment = IDENTITY_FILE.match(out.read_bytes()).group(1).decode()
    assert expect(caas("keygen", "-y", str(out)), 0).out.decode() == comment + "\n"
    from_stdin = expect(caas("keygen", "-y", stdin=out.read_bytes()), 0)
    assert from_stdin.out.decode() == comment + "\n"


def test_keygen_y_agrees_with_age_keygen_on_both_tools_keys(keys):
    for name in ("ours", "theirs"):
        ours = expect(caas("keygen", "-y", str(keys[name])), 0).out
        theirs = expect(run([AGE_KEYGEN, "-y", str(keys[name])]), 0).out
        assert ours == theirs


def test_keygen_y_lists_every_identity_of_a_file(keys, tmp_path):
    both = tmp_path / "both.txt"
    both.write_bytes(keys["ours"].read_bytes() + b"\n# another\n\n" + keys["theirs"].read_bytes())
    result = expect(caas("keygen", "-y", str(both)), 0)
    assert result.out.decode().split() == [keys["ours_pub"], keys["theirs_pub"]]


def test_keygen_y_rejects_a_malformed_key_without_quoting_it(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("# comment\nAGE-SECRET-KEY-1NOTAKEY\n")
    result = expect(caas("keygen", "-y", str(bad)), 1, r"malformed secret key at line 2")
    assert "NOTAKEY" not in result.err


def test_keygen_y_missing_file_fails(tmp_path):
    expect(caas("keygen", "-y", str(tmp_path / "nope")), 1,
           r'caas age: failed to open input file ".*nope": No such file or directory')


def test_keygen_unknown_flag_is_a_usage_error():
    expect(caas("keygen", "--bogus"), 2, r"--bogus")
