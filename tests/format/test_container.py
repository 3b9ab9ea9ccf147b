"""Tests of the CAAS container format, version 1 (docs/FORMAT.md).

1. The known-answer files in tests/vectors/caas/ against the independent reader.
2. Round trips and every range of a small file with the independent reader and writer.
3. Interop with the C++ container tool named by $CAAS_CONTAINER_TOOL (skipped when unset):
   each side opens what the other sealed, both writers give identical bytes for fixed salt
   and nonce prefix, and the C++ tool rejects tampered containers and every failure vector.

Run with: /usr/bin/python3 -m pytest -q tests/format
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import independent_reader as caas  # noqa: E402
import make_vectors  # noqa: E402

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: E402

HERE = Path(__file__).resolve().parent
VECTOR_DIR = HERE.parent / "vectors" / "caas"
READER_SCRIPT = HERE / "independent_reader.py"
S = 64
DEK = bytes(range(32))
FILE_ID = bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f0")
OWNER_ID = bytes.fromhex("00112233445566778899aabbccddeeff")
SALT = bytes.fromhex("a5" * 32)
NONCE_PREFIX = bytes.fromhex("01020304050607")
SIZES_AT_S = [0, 1, S - 1, S, S + 1, 3 * S + 7]


# ---------------------------------------------------------------- known-answer files


@dataclass(frozen=True)
class VectorFile:
    name: str
    fields: dict[str, str]
    container: bytes

    @classmethod
    def load(cls, path: Path) -> "VectorFile":
        data = path.read_bytes()
        text, separator, container = data.partition(b"\n\n")
        assert separator, f"{path.name}: no empty line before the container"
        fields = dict(line.split(": ", 1) for line in text.decode("ascii").split("\n"))
        return cls(path.name, fields, container)

    @property
    def expect_success(self) -> bool:
        assert self.fields["expect"] in ("success", "failure")
        return self.fields["expect"] == "success"

    @property
    def range_(self) -> tuple[int, int] | None:
        if "range" not in self.fields:
            return None
        a, b = self.fields["range"].split()
        return int(a), int(b)

    def key_args(self) -> tuple[bytes, bytes, bytes]:
        return tuple(bytes.fromhex(self.fields[k]) for k in ("dek", "file id", "owner id"))

    def cli_args(self) -> list[str]:
        args = ["--dek", self.fields["dek"], "--file-id", self.fields["file id"],
                "--owner-id", self.fields["owner id"]]
        if self.range_ is not None:
            args += ["--range", str(self.range_[0]), str(self.range_[1])]
        return args


def vector_paths() -> list[Path]:
    return sorted(p for p in VECTOR_DIR.iterdir() if p.is_file() and p.name != "README.md")


VECTORS = [VectorFile.load(p) for p in vector_paths()]


def test_vector_count() -> None:
    successes = sum(v.expect_success for v in VECTORS)
    print(f"caas vectors: {len(VECTORS)} files, {successes} success, {len(VECTORS) - successes} failure")
    assert successes > 0 and len(VECTORS) - successes > 0


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_vector(vector: VectorFile) -> None:
    if vector.expect_success:
        released = caas.open_container(vector.container, *vector.key_args(), range_=vector.range_)
        assert hashlib.sha256(released).hexdigest() == vector.fields["payload"]
    else:
        assert "payload" not in vector.fields
        with pytest.raises(caas.DecryptionFailed):
            caas.open_container(vector.container, *vector.key_args(), range_=vector.range_)


def test_vectors_are_reproducible() -> None:
    """The generator still gives the committed bytes (a difference means a format change)."""
    assert make_vectors.check(VECTOR_DIR) == []
    assert {v.name for v in make_vectors.build_vectors()} == {v.name for v in VECTORS}


# ---------------------------------------------------------------- the independent reader


def seal_fixed(data: bytes, segment_size: int = S) -> bytes:
    return caas.seal(data, DEK, FILE_ID, OWNER_ID, segment_size, SALT, NONCE_PREFIX)


def test_empty_container_from_primitives() -> None:
    """§4-§6 recomputed with the primitives directly, not with the module's helpers."""
    header = b"CAAS\x01\x01\x00\x00" + (64).to_bytes(4, "big") + SALT + NONCE_PREFIX + b"\x00"
    key = HKDF(hashes.SHA256(), 32, SALT, b"caas container v1 payload").derive(DEK)
    tag = AESGCM(key).encrypt(NONCE_PREFIX + b"\x00\x00\x00\x00\x01", b"", header + FILE_ID + OWNER_ID)
    assert seal_fixed(b"") == header + tag
    assert len(header + tag) == 68


def test_spec_example_sizes() -> None:
    """§6 example: S = 64 and 200 bytes give n = 4 and C = 316."""
    container = seal_fixed(bytes(200))
    assert len(container) == 316
    layout = caas.segment_layout(len(container), S)
    assert (layout.segment_count, layout.last_segment_bytes) == (4, 24)


def test_layout_limits() -> None:
    """§6: n <= 2^32, checked on lengths too large to build."""
    big = 1 << 24
    stride = big + caas.TAG_BYTES
    at_limit = caas.HEADER_BYTES + (caas.MAX_SEGMENTS - 1) * stride + caas.TAG_BYTES + 1
    assert caas.segment_layout(at_limit, big).segment_count == caas.MAX_SEGMENTS
    with pytest.raises(caas.DecryptionFailed):
        caas.segment_layout(at_limit + stride, big)
    assert caas.plaintext_segment_count(caas.MAX_SEGMENTS * S, S) == caas.MAX_SEGMENTS
    with pytest.raises(ValueError):
        caas.plaintext_segment_count(caas.MAX_SEGMENTS * S + 1, S)


@pytest.mark.parametrize("size", SIZES_AT_S + [random.Random(7).randrange(1 << 20)])
def test_round_trip(size: int) -> None:
    data = os.urandom(size)
    segment_size = S if size in SIZES_AT_S else caas.DEFAULT_SEGMENT_SIZE
    container = caas.seal(data, DEK, FILE_ID, OWNER_ID, segment_size)
    segments = max(1, -(-size // segment_size))
    assert len(container) == caas.HEADER_BYTES + size + segments * caas.TAG_BYTES
    assert caas.plaintext_size(container, DEK, FILE_ID, OWNER_ID) == size
    assert caas.open_container(container, DEK, FILE_ID, OWNER_ID) == data


def test_every_range_of_three_segments() -> None:
    data = os.urandom(2 * S + 40)
    opened = caas.authenticate(seal_fixed(data), DEK, FILE_ID, OWNER_ID)
    assert opened.layout.segment_count == 3
    for a in range(len(data) + 1):
        for b in range(a, len(data) + 1):
            assert opened.read(a, b) == data[a:b], (a, b)


def test_every_range_through_open_container() -> None:
    data = os.urandom(2 * S + 40)
    container = seal_fixed(data)
    for a in range(len(data) + 1):
        for b in range(a, len(data) + 1):
            assert caas.open_container(container, DEK, FILE_ID, OWNER_ID, (a, b)) == data[a:b]


@pytest.mark.parametrize("range_", [(-1, 3), (5, 4), (0, 2 * S + 41), (2 * S + 41, 2 * S + 41)])
def test_range_out_of_bounds(range_: tuple[int, int]) -> None:
    with pytest.raises(caas.RangeError):
        caas.open_container(seal_fixed(bytes(2 * S + 40)), DEK, FILE_ID, OWNER_ID, range_)


def test_range_reads_only_covering_segments() -> None:
    """§7 step 5: a corrupt segment outside the range is not read, one inside it is."""
    data = os.urandom(3 * S + 7)
    corrupt = make_vectors.flip_bit(seal_fixed(data), caas.HEADER_BYTES + 2 * (S + 16) + 5)
    assert caas.open_container(corrupt, DEK, FILE_ID, OWNER_ID, (0, 2 * S)) == data[:2 * S]
    with pytest.raises(caas.DecryptionFailed):
        caas.open_container(corrupt, DEK, FILE_ID, OWNER_ID, (2 * S, 2 * S + 1))
    with pytest.raises(caas.DecryptionFailed):
        caas.open_container(corrupt, DEK, FILE_ID, OWNER_ID)


def test_every_single_bit_flip_is_rejected() -> None:
    container = seal_fixed(os.urandom(S + 9))
    for offset in range(len(container)):
        with pytest.raises(caas.DecryptionFailed):
            caas.open_container(make_vectors.flip_bit(container, offset, offset % 8), DEK, FILE_ID, OWNER_ID)


def test_every_truncation_and_extension_is_rejected() -> None:
    container = seal_fixed(os.urandom(2 * S + 3))
    for length in range(len(container)):
        with pytest.raises(caas.DecryptionFailed):
            caas.open_container(container[:length], DEK, FILE_ID, OWNER_ID)
    for extra in range(1, 2 * (S + 16) + 2):
        with pytest.raises(caas.DecryptionFailed):
            caas.open_container(container + bytes(extra), DEK, FILE_ID, OWNER_ID)


def test_writer_refuses_invalid_segment_sizes() -> None:
    for bad in (0, 32, 63, 96, 1 << 25):
        with pytest.raises(ValueError):
            caas.seal(b"x", DEK, FILE_ID, OWNER_ID, bad)


def run_cli(program: list[str], args: list[str], stdin: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(program + args, input=stdin, capture_output=True, timeout=60)


PYTHON_CLI = [sys.executable, str(READER_SCRIPT)]


def key_cli_args() -> list[str]:
    return ["--dek", DEK.hex(), "--file-id", FILE_ID.hex(), "--owner-id", OWNER_ID.hex()]


def test_python_cli() -> None:
    data = os.urandom(3 * S + 7)
    sealed = run_cli(PYTHON_CLI, ["seal", *key_cli_args(), "--segment-size", str(S),
                                  "--salt", SALT.hex(), "--nonce-prefix", NONCE_PREFIX.hex()], data)
    assert sealed.returncode == 0 and sealed.stdout == seal_fixed(data)
    opened = run_cli(PYTHON_CLI, ["open", *key_cli_args(), "--range", "10", "100"], sealed.stdout)
    assert opened.returncode == 0 and opened.stdout == data[10:100]
    rejected = run_cli(PYTHON_CLI, ["open", *key_cli_args()], sealed.stdout[:-1])
    assert rejected.returncode == 1 and rejected.stdout == b""
    assert rejected.stderr.decode().strip() == "decryption failed"


# ---------------------------------------------------------------- interop with the C++ tool


def cpp_tool() -> list[str]:
    tool = os.environ.get("CAAS_CONTAINER_TOOL")
    if not tool:
        pytest.skip("CAAS_CONTAINER_TOOL is not set")
    return [tool]


def cpp_seal(data: bytes, segment_size: int | None, fixed: bool = False) -> bytes:
    args = ["seal", *key_cli_args()]
    if segment_size is not None:
        args += ["--segment-size", str(segment_size)]
    if fixed:
        args += ["--salt", SALT.hex(), "--nonce-prefix", NONCE_PREFIX.hex()]
    result = run_cli(cpp_tool(), args, data)
    assert result.returncode == 0, result.stderr
    return result.stdout


def cpp_open(container: bytes, range_: tuple[int, int] | None = None) -> subprocess.CompletedProcess:
    args = ["open", *key_cli_args()]
    if range_ is not None:
        args += ["--range", str(range_[0]), str(range_[1])]
    return run_cli(cpp_tool(), args, container)


INTEROP_CASES = [(size, S) for size in SIZES_AT_S] + [((1 << 20) + 3, None)]
INTEROP_IDS = [f"{size}-S{segment_size or 'default'}" for size, segment_size in INTEROP_CASES]


def some_range(size: int) -> tuple[int, int]:
    return size // 3, size - size // 4


@pytest.mark.parametrize(("size", "segment_size"), INTEROP_CASES, ids=INTEROP_IDS)
def test_cpp_seals_python_opens(size: int, segment_size: int | None) -> None:
    data = os.urandom(size)
    container = cpp_seal(data, segment_size)
    expected_segment_size = segment_size or caas.DEFAULT_SEGMENT_SIZE
    assert caas.parse_header(container).segment_size == expected_segment_size
    assert caas.open_container(container, DEK, FILE_ID, OWNER_ID) == data
    a, b = some_range(size)
    assert caas.open_container(container, DEK, FILE_ID, OWNER_ID, (a, b)) == data[a:b]


@pytest.mark.parametrize(("size", "segment_size"), INTEROP_CASES, ids=INTEROP_IDS)
def test_python_seals_cpp_opens(size: int, segment_size: int | None) -> None:
    data = os.urandom(size)
    container = caas.seal(data, DEK, FILE_ID, OWNER_ID, segment_size or caas.DEFAULT_SEGMENT_SIZE)
    full = cpp_open(container)
    assert full.returncode == 0, full.stderr
    assert full.stdout == data
    a, b = some_range(size)
    part = cpp_open(container, (a, b))
    assert part.returncode == 0, part.stderr
    assert part.stdout == data[a:b]


@pytest.mark.parametrize(("size", "segment_size"), INTEROP_CASES, ids=INTEROP_IDS)
def test_writers_produce_identical_bytes(size: int, segment_size: int | None) -> None:
    data = os.urandom(size)
    python = caas.seal(data, DEK, FILE_ID, OWNER_ID, segment_size or caas.DEFAULT_SEGMENT_SIZE,
                       SALT, NONCE_PREFIX)
    assert cpp_seal(data, segment_size, fixed=True) == python


def assert_rejected(result: subprocess.CompletedProcess, segment_size: int | None,
                    plaintext: bytes | None = None) -> None:
    """Exit 1 with "decryption failed", and no plaintext from a segment that failed (§7).

    §7 lets a streaming reader release segments whose tags verified before it meets the
    failure, so stdout need not be empty: it must be whole segments (a prefix of the
    plaintext when that is known). With an invalid header (segment_size None) nothing at all
    may come out.
    """
    assert result.returncode == 1, result.stderr
    assert "decryption failed" in result.stderr.decode()
    if segment_size is None:
        assert result.stdout == b""
    else:
        assert len(result.stdout) % segment_size == 0
    if plaintext is not None:
        assert plaintext.startswith(result.stdout)


def test_cpp_rejects_tampered_containers() -> None:
    data = os.urandom(3 * S + 7)
    container = seal_fixed(data)
    stride = S + caas.TAG_BYTES
    tampered = {  # changed container -> the most plaintext a streaming reader may release
        make_vectors.flip_bit(container, 13): 0,                                    # header salt
        make_vectors.flip_bit(container, caas.HEADER_BYTES + 3): 0,                 # segment 0
        make_vectors.flip_bit(container, caas.HEADER_BYTES + stride + 3): S,        # segment 1
        make_vectors.flip_bit(container, len(container) - 1): 3 * S,                # last tag
        container[:-1]: 3 * S,
        container + b"\x00": 3 * S,
        container[:caas.HEADER_BYTES + 3 * stride]: 2 * S,                          # at a boundary
    }
    for changed, most in tampered.items():
        result = cpp_open(changed)
        assert_rejected(result, S, data)
        assert len(result.stdout) <= most
    ranged = cpp_open(make_vectors.flip_bit(container, caas.HEADER_BYTES + 3), (0, 10))
    assert_rejected(ranged, S)
    assert ranged.stdout == b""


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_cpp_vector(vector: VectorFile) -> None:
    result = run_cli(cpp_tool(), ["open", *vector.cli_args()], vector.container)
    if vector.expect_success:
        assert result.returncode == 0, result.stderr
        assert hashlib.sha256(result.stdout).hexdigest() == vector.fields["payload"]
        return
    try:
        segment_size: int | None = caas.parse_header(vector.container).segment_size
    except caas.DecryptionFailed:
        segment_size = None
    assert_rejected(result, segment_size)


def test_cpp_range_beyond_64_bits_fails_cleanly() -> None:
    """A range that does not fit in 64 bits is an error exit, not a crash."""
    container = seal_fixed(b"abc")
    result = cpp_open(container, (0, 1 << 64))
    assert result.returncode in (1, 2), result.stderr
    assert result.stdout == b""
