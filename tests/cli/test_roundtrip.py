"""`caas age encrypt` / `decrypt` round trips, ours with ours and with the age 1.1 tool both
ways, at the chunk boundaries of the STREAM payload (64 KiB chunks), compared by SHA-256."""
import os

import pytest

from conftest import age, caas, expect, sha256

KIB = 1024
SIZES = [0, 1, 64 * KIB - 1, 64 * KIB, 64 * KIB + 1, 10 * KIB * KIB]


@pytest.fixture(scope="module", params=SIZES, ids=lambda n: f"{n}B")
def plaintext(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("plain") / f"p{request.param}"
    path.write_bytes(os.urandom(request.param))
    return path


def test_ours_to_ours(plaintext, keys, tmp_path):
    enc = tmp_path / "c.age"
    dec = tmp_path / "d"
    expect(caas("encrypt", "-r", keys["ours_pub"], "-o", str(enc), str(plaintext)), 0, r"\A\Z")
    expect(caas("decrypt", "-i", str(keys["ours"]), "-o", str(dec), str(enc)), 0, r"\A\Z")
    assert sha256(dec.read_bytes()) == sha256(plaintext.read_bytes())


def test_ours_to_age(plaintext, keys, tmp_path):
    # Stdin to stdout on our side, files on theirs.
    enc = expect(caas("encrypt", "-r", keys["theirs_pub"], stdin=plaintext.read_bytes()), 0).out
    (tmp_path / "c.age").write_bytes(enc)
    dec = expect(age("-d", "-i", str(keys["theirs"]), str(tmp_path / "c.age")), 0).out
    assert sha256(dec) == sha256(plaintext.read_bytes())


def test_age_to_ours(plaintext, keys, tmp_path):
    enc = tmp_path / "c.age"
    expect(age("-e", "-r", keys["ours_pub"], "-o", str(enc), str(plaintext)), 0)
    dec = expect(caas("decrypt", "-i", str(keys["ours"]), stdin=enc.read_bytes()), 0).out
    assert sha256(dec) == sha256(plaintext.read_bytes())


@pytest.mark.parametrize("size", SIZES[:-1])
def test_armored_both_ways(size, keys, tmp_path):
    plaintext = tmp_path / "p"
    plaintext.write_bytes(os.urandom(size))
    ours = expect(caas("encrypt", "-a", "-r", keys["theirs_pub"], str(plaintext)), 0).out
    assert ours.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n")
    assert ours.endswith(b"-----END AGE ENCRYPTED FILE-----\n")
    assert all(len(line) <= 64 for line in ours.split(b"\n"))
    dec = expect(age("-d", "-i", str(keys["theirs"]), stdin=ours), 0).out
    assert dec == plaintext.read_bytes()
    theirs = expect(age("-e", "-a", "-r", keys["ours_pub"], str(plaintext)), 0).out
    dec = expect(caas("decrypt", "-i", str(keys["ours"]), stdin=theirs), 0).out
    assert dec == plaintext.read_bytes()


def test_several_recipients_each_decrypt(keys, tmp_path):
    data = os.urandom(100 * KIB)
    enc = tmp_path / "c.age"
    enc.write_bytes(expect(caas("encrypt", "-r", keys["ours_pub"], "-r", keys["theirs_pub"],
                                stdin=data), 0).out)
    for name in ("ours", "theirs"):
        assert expect(caas("decrypt", "-i", str(keys[name]), str(enc)), 0).out == data
        assert expect(age("-d", "-i", str(keys[name]), str(enc)), 0).out == data


def test_recipients_file_with_comments(keys, tmp_path):
    rfile = tmp_path / "recipients.txt"
    rfile.write_text(f"# team\n\n{keys['ours_pub']}\n# and them\n{keys['theirs_pub']}\n")
    data = os.urandom(5000)
    enc = expect(caas("encrypt", "-R", str(rfile), stdin=data), 0).out
    (tmp_path / "c.age").write_bytes(enc)
    assert expect(age("-d", "-i", str(keys["theirs"]), str(tmp_path / "c.age")), 0).out == data
    assert expect(caas("decrypt", "-i", str(keys["ours"]), stdin=enc), 0).out == data


def test_age_recipients_file_decrypts_with_ours(keys, tmp_path):
    rfile = tmp_path / "recipients.txt"
    rfile.write_text(f"# ours\n{keys['ours_pub']}\n")
    data = os.urandom(3000)
    enc = expect(age("-e", "-R", str(rfile), stdin=data), 0).out
    assert expect(caas("decrypt", "-i", str(keys["ours"]), stdin=enc), 0).out == data


def test_identity_file_with_several_identities(keys, tmp_path):
    both = tmp_path / "both.txt"
    both.write_bytes(keys["theirs"].read_bytes() + b"\n# second\n" + keys["ours"].read_bytes())
    data = b"hello, age\n"
    enc = expect(age("-e", "-r", keys["ours_pub"], stdin=data), 0).out
    assert expect(caas("decrypt", "-i", str(both), stdin=enc), 0).out == data
    # Several -i flags, the first one useless.
    assert expect(caas("decrypt", "-i", str(keys["theirs"]), "-i", str(keys["ours"]),
                       stdin=enc), 0).out == data


def test_dash_means_stdin_and_stdout(keys):
    data = b"dash"
    enc = expect(caas("encrypt", "-r", keys["ours_pub"], "-o", "-", "-", stdin=data), 0).out
    assert expect(caas("decrypt", "-i", str(keys["ours"]), "-", stdin=enc), 0).out == data


def test_output_file_is_overwritten(keys, tmp_path):
    out = tmp_path / "out"
    out.write_bytes(b"x" * 100000)
    expect(caas("encrypt", "-r", keys["ours_pub"], "-o", str(out), stdin=b"short"), 0)
    assert expect(caas("decrypt", "-i", str(keys["ours"]), str(out)), 0).out == b"short"



def peak_rss_kib(argv, stdin_path, stdout_path):
    """Runs argv under GNU time (Debian's `time`, installed by scripts/install-deps) with files
    for stdin/stdout; returns (exit status, peak RSS in KiB). GNU time is a small C program that
    forks and execs, so the figure is the command's own, sampled by the kernel, not polled."""
    import subprocess
    import tempfile
    with open(stdin_path, "rb") as src, open(stdout_path, "wb") as dst, \
            tempfile.NamedTemporaryFile("r") as report:
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *argv],
                              stdin=src, stdout=dst, stderr=subprocess.DEVNULL, timeout=300)
        peak = int(report.read().strip().splitlines()[-1])
    return proc.returncode, peak


def test_memory_stays_bounded_for_a_large_stream(keys, tmp_path):
    # 1 MiB and 64 MiB through 64 KiB buffers: the peak RSS must not grow with the data. The
    # growth is compared, not an absolute figure, so that the check also holds under ASan,
    # whose shadow memory and quarantine raise the baseline (to about 42 MiB for decrypt).
    cli = os.environ["CAAS_CLI"]
    peaks = {}
    for mib in (1, 64):
        plain = tmp_path / f"p{mib}"
        with open(plain, "wb") as out:
            for _ in range(mib):
                out.write(os.urandom(KIB * KIB))
        code, enc_rss = peak_rss_kib([cli, "age", "encrypt", "-r", keys["ours_pub"]], plain,
                                     tmp_path / f"c{mib}")
        assert code == 0 and enc_rss > 0
        code, dec_rss = peak_rss_kib([cli, "age", "decrypt", "-i", str(keys["ours"])],
                                     tmp_path / f"c{mib}", tmp_path / f"d{mib}")
        assert code == 0 and dec_rss > 0
        peaks[mib] = (enc_rss, dec_rss)
    for op, index in (("encrypt", 0), ("decrypt", 1)):
        growth = peaks[64][index] - peaks[1][index]
        assert growth < 8 * KIB, f"{op}: peak RSS grew by {growth} KiB for 63 MiB more data"
    plain = tmp_path / "p64"
    assert os.system(f"cmp -s {plain} {tmp_path / 'd64'}") == 0
