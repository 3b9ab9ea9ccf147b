#!/usr/bin/python3
"""Generate the CAAS container known-answer files in tests/vectors/caas/.

The files pin version 1 of the format (docs/FORMAT.md). They are made with the independent
writer in independent_reader.py, plus hand-built containers for the failure scenarios. Every
input is fixed, so running this script again gives the same bytes: DEKs, ids, salts, nonce
prefixes and plaintexts are derived with SHA-256 from the scenario name (distinct per
scenario). The committed files MUST NOT be regenerated to make a failing test pass: a change
to their bytes is a format change.

Usage:
    make_vectors.py            write every file into tests/vectors/caas/
    make_vectors.py --check    exit 1 unless the committed files equal freshly built ones

File layout (as in the age CCTV test kit): `key: value` lines, one empty line, then the raw
container bytes. See tests/vectors/caas/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import independent_reader as caas  # noqa: E402

VECTOR_DIR = Path(__file__).resolve().parents[1] / "vectors" / "caas"
SMALL_SEGMENT = 64  # keeps most files well under 2 KB
MULTI_SEGMENT_SIZE = 3 * SMALL_SEGMENT + 7  # 4 segments: 64, 64, 64, 7
STRIDE = SMALL_SEGMENT + caas.TAG_BYTES


# ---------------------------------------------------------------- fixed inputs


def derive(name: str, label: str, length: int) -> bytes:
    """Deterministic bytes for one scenario and purpose (SHA-256 in counter mode)."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"caas v1 vector/{name}/{label}/{counter}".encode()).digest()
        counter += 1
    return out[:length]


@dataclass(frozen=True)
class Inputs:
    """The fixed secret and public inputs of one scenario."""

    dek: bytes
    file_id: bytes
    owner_id: bytes
    salt: bytes
    nonce_prefix: bytes

    @classmethod
    def for_scenario(cls, name: str) -> "Inputs":
        return cls(
            dek=derive(name, "dek", caas.DEK_BYTES),
            file_id=derive(name, "file id", caas.ID_BYTES),
            owner_id=derive(name, "owner id", caas.ID_BYTES),
            salt=derive(name, "salt", caas.SALT_BYTES),
            nonce_prefix=derive(name, "nonce prefix", caas.NONCE_PREFIX_BYTES),
        )

    def seal(self, plaintext: bytes, segment_size: int = SMALL_SEGMENT) -> bytes:
        return caas.seal(plaintext, self.dek, self.file_id, self.owner_id, segment_size,
                         self.salt, self.nonce_prefix)


def plaintext(name: str, size: int) -> bytes:
    return derive(name, "plaintext", size)


@dataclass(frozen=True)
class Vector:
    """One known-answer file."""

    name: str
    comment: str
    container: bytes
    dek: bytes
    file_id: bytes
    owner_id: bytes
    payload: bytes | None  # the released plaintext, or None for expect: failure
    range_: tuple[int, int] | None = None

    def serialize(self) -> bytes:
        lines = [
            f"expect: {'failure' if self.payload is None else 'success'}",
            f"dek: {self.dek.hex()}",
            f"file id: {self.file_id.hex()}",
            f"owner id: {self.owner_id.hex()}",
        ]
        if self.range_ is not None:
            lines.append(f"range: {self.range_[0]} {self.range_[1]}")
        if self.payload is not None:
            lines.append(f"payload: {hashlib.sha256(self.payload).hexdigest()}")
        lines.append(f"comment: {self.comment}")
        return ("\n".join(lines) + "\n\n").encode() + self.container


# ---------------------------------------------------------------- hand-built containers


def chunks(data: bytes, segment_size: int) -> list[tuple[bytes, bool]]:
    """The (plaintext, last) pairs of a regular writer (§8)."""
    count = max(1, -(-len(data) // segment_size))
    return [(data[i * segment_size:(i + 1) * segment_size], i == count - 1) for i in range(count)]


def seal_custom(inputs: Inputs, segments: list[tuple[bytes, bool]], segment_size: int, *,
                magic: bytes = caas.MAGIC, version: int = caas.VERSION, suite: int = caas.SUITE,
                reserved: int = 0, reserved_last: int = 0) -> bytes:
    """Seal arbitrary segments under an arbitrary header, valid crypto included.

    The segments authenticate under the header given, so a reader that rejects the result can
    only be doing so because of the header check (§7 step 1) or the layout check (§6).
    """
    header = caas.HEADER_STRUCT.pack(magic, version, suite, reserved, segment_size, inputs.salt,
                                     inputs.nonce_prefix, reserved_last)
    binding = caas.make_binding(inputs.file_id, inputs.owner_id)
    cipher = caas.SegmentCipher.create(inputs.dek, header, inputs.salt, inputs.nonce_prefix, binding)
    sealed = (cipher.seal(index, last, chunk) for index, (chunk, last) in enumerate(segments))
    return header + b"".join(sealed)


def flip_bit(data: bytes, offset: int, bit: int = 0) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= 1 << bit
    return bytes(changed)


def split_segments(container: bytes, segment_size: int) -> tuple[bytes, list[bytes]]:
    stride = segment_size + caas.TAG_BYTES
    body = container[caas.HEADER_BYTES:]
    return container[:caas.HEADER_BYTES], [body[i:i + stride] for i in range(0, len(body), stride)]


# ---------------------------------------------------------------- scenarios


def success(name: str, size: int, comment: str, segment_size: int = SMALL_SEGMENT,
            range_: tuple[int, int] | None = None) -> Vector:
    inputs = Inputs.for_scenario(name)
    data = plaintext(name, size)
    released = data if range_ is None else data[range_[0]:range_[1]]
    return Vector(name, comment, inputs.seal(data, segment_size), inputs.dek, inputs.file_id,
                  inputs.owner_id, released, range_)


def failure(name: str, comment: str, build: Callable[[Inputs, bytes], bytes],
            size: int = MULTI_SEGMENT_SIZE, range_: tuple[int, int] | None = None,
            present_as: Callable[[Inputs], Inputs] | None = None) -> Vector:
    """A rejected container: build(inputs, plaintext) makes it, present_as changes the key/ids."""
    inputs = Inputs.for_scenario(name)
    container = build(inputs, plaintext(name, size))
    shown = inputs if present_as is None else present_as(inputs)
    return Vector(name, comment, container, shown.dek, shown.file_id, shown.owner_id, None, range_)


def sealed_then(change: Callable[[bytes], bytes]) -> Callable[[Inputs, bytes], bytes]:
    """A builder that seals normally at S = 64 and then tampers with the bytes."""
    return lambda inputs, data: change(inputs.seal(data))


def rearranged(order: list[int]) -> Callable[[bytes], bytes]:
    """Keep the header and put the segments of a sealed container in the given order."""
    def change(container: bytes) -> bytes:
        header, segments = split_segments(container, SMALL_SEGMENT)
        return header + b"".join(segments[i] for i in order)
    return change


def with_other(**fields: bytes) -> Callable[[Inputs], Inputs]:
    return lambda inputs: Inputs(**{**inputs.__dict__, **fields})


def header_from_other_container(inputs: Inputs, data: bytes) -> bytes:
    other = with_other(salt=derive("other", "salt", caas.SALT_BYTES),
                       nonce_prefix=derive("other", "nonce prefix", caas.NONCE_PREFIX_BYTES))(inputs)
    return other.seal(data)[:caas.HEADER_BYTES] + inputs.seal(data)[caas.HEADER_BYTES:]


def bad_header(segment_size: int = SMALL_SEGMENT, **fields: int | bytes) -> Callable[[Inputs, bytes], bytes]:
    """Regular segments, correctly sealed under a header with one field out of specification."""
    return lambda inputs, data: seal_custom(inputs, chunks(data, segment_size), segment_size, **fields)


def success_vectors() -> list[Vector]:
    S = SMALL_SEGMENT
    return [
        success("empty", 0, "empty plaintext: one 16-byte segment with last_flag 01, 68 bytes"),
        success("one_byte", 1, "one byte of plaintext, one segment"),
        success("segment_minus_one", S - 1, "S-1 bytes at S=64: one short segment"),
        success("exact_segment", S, "exactly S bytes at S=64: one full segment, which is last"),
        success("segment_plus_one", S + 1, "S+1 bytes at S=64: a full segment then a 1-byte last segment"),
        success("three_segments_plus_7", MULTI_SEGMENT_SIZE, "3S+7 bytes at S=64: four segments"),
        success("range_middle", MULTI_SEGMENT_SIZE, "range [50, 150) spans segments 0 to 2 of 4",
                range_=(50, 150)),
        success("range_last_segment", MULTI_SEGMENT_SIZE, "range [192, 199) lies in the last segment only",
                range_=(192, 199)),
        success("range_empty", MULTI_SEGMENT_SIZE, "empty range [64, 64) releases nothing but succeeds",
                range_=(64, 64)),
        success("range_whole_exact", 3 * S, "range [0, 3S) of a 3S-byte file: whole file, all full segments",
                range_=(0, 3 * S)),
        success("default_segment_size", 5000, "S=65536 with 5000 bytes: one segment", segment_size=1 << 16),
        success("max_segment_size", 100, "S=2^24, the largest allowed, with 100 bytes", segment_size=1 << 24),
    ]


def failure_vectors() -> list[Vector]:
    S = SMALL_SEGMENT
    stride = STRIDE
    other_ids = with_other(file_id=derive("other", "file id", caas.ID_BYTES))
    return [
        failure("bit_flip_header", "one bit flipped in the header salt",
                sealed_then(lambda c: flip_bit(c, 20))),
        failure("bit_flip_nonce_prefix", "one bit flipped in the header nonce prefix",
                sealed_then(lambda c: flip_bit(c, 46, 7))),
        failure("bit_flip_payload", "one bit flipped in the ciphertext of segment 1",
                sealed_then(lambda c: flip_bit(c, caas.HEADER_BYTES + stride + 10, 3))),
        failure("bit_flip_tag", "one bit flipped in the tag of the last segment",
                sealed_then(lambda c: flip_bit(c, len(c) - 1, 7))),
        failure("truncated_at_boundary", "last segment removed: segment 2 was sealed with last_flag 00",
                sealed_then(lambda c: c[:caas.HEADER_BYTES + 3 * stride])),
        failure("truncated_inside_last", "3 bytes cut from the last segment (23 -> 20 bytes)",
                sealed_then(lambda c: c[:-3])),
        failure("truncated_short_last", "cut so that the last segment is 10 bytes: below the 17-byte bound",
                sealed_then(lambda c: c[:caas.HEADER_BYTES + 2 * stride + 10])),
        failure("trailing_byte", "one zero byte appended",
                sealed_then(lambda c: c + b"\x00")),
        failure("trailing_byte_after_full", "one zero byte appended after a full last segment",
                sealed_then(lambda c: c + b"\x00"), size=2 * S),
        failure("swapped_segments", "segments 0 and 1 swapped", sealed_then(rearranged([1, 0, 2, 3]))),
        failure("dropped_segment", "segment 1 removed", sealed_then(rearranged([0, 2, 3]))),
        failure("duplicated_segment", "segment 0 repeated", sealed_then(rearranged([0, 0, 1, 2, 3]))),
        failure("wrong_file_id", "presented with another file id",
                sealed_then(lambda c: c), present_as=other_ids),
        failure("wrong_owner_id", "presented with another owner id",
                sealed_then(lambda c: c), present_as=with_other(owner_id=derive("other", "owner id", 16))),
        failure("ids_swapped", "presented with file id and owner id exchanged",
                sealed_then(lambda c: c),
                present_as=lambda i: Inputs(i.dek, i.owner_id, i.file_id, i.salt, i.nonce_prefix)),
        failure("wrong_dek", "presented with another DEK",
                sealed_then(lambda c: c), present_as=with_other(dek=derive("other", "dek", 32))),
        failure("header_from_other_container", "header of a container with the same DEK and ids but "
                "another salt and nonce prefix", header_from_other_container),
        failure("bad_magic", "magic CAAT; segments sealed under that header", bad_header(magic=b"CAAT")),
        failure("bad_version", "version 2; segments sealed under that header", bad_header(version=2)),
        failure("bad_suite", "suite 2; segments sealed under that header", bad_header(suite=2)),
        failure("nonzero_reserved", "reserved bytes 6-7 = 00 01; segments sealed under that header",
                bad_header(reserved=1)),
        failure("nonzero_reserved_last", "reserved byte 51 = 01; segments sealed under that header",
                bad_header(reserved_last=1)),
        failure("segment_size_not_power_of_two", "S=96; segments of 96 bytes sealed under that header",
                bad_header(segment_size=96)),
        failure("segment_size_too_small", "S=32; segments of 32 bytes sealed under that header",
                bad_header(segment_size=32)),
        failure("segment_size_too_large", "S=2^25; one segment sealed under that header",
                bad_header(segment_size=1 << 25)),
        failure("too_short", "67 bytes: a valid header and 15 bytes", sealed_then(lambda c: c[:67]), size=0),
        failure("header_only", "the 52-byte header and nothing else",
                sealed_then(lambda c: c[:caas.HEADER_BYTES]), size=0),
        failure("truncated_header", "30 bytes, less than a header", sealed_then(lambda c: c[:30]), size=0),
        failure("empty_final_segment_after_full", "a full segment then an empty segment with last_flag "
                "01: last segment of 16 bytes with n=2",
                lambda i, d: seal_custom(i, [(d, False), (b"", True)], S), size=S),
        failure("last_flag_on_middle_segment", "segment 1 of 4 sealed with last_flag 01",
                lambda i, d: seal_custom(i, [(c, last or n == 1) for n, (c, last) in
                                             enumerate(chunks(d, S))], S)),
        failure("no_last_flag", "all 4 segments sealed with last_flag 00",
                lambda i, d: seal_custom(i, [(c, False) for c, _ in chunks(d, S)], S)),
        failure("empty_without_last_flag", "empty plaintext sealed with last_flag 00",
                lambda i, d: seal_custom(i, [(b"", False)], S), size=0),
    ]


def build_vectors() -> list[Vector]:
    return success_vectors() + failure_vectors()


# ---------------------------------------------------------------- main


def check(directory: Path) -> list[str]:
    """Names of vectors whose committed bytes differ from freshly built ones."""
    return [v.name for v in build_vectors()
            if not (directory / v.name).is_file() or (directory / v.name).read_bytes() != v.serialize()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--dir", type=Path, default=VECTOR_DIR)
    args = parser.parse_args()
    if args.check:
        differing = check(args.dir)
        for name in differing:
            print(f"differs: {name}", file=sys.stderr)
        return 1 if differing else 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for vector in build_vectors():
        (args.dir / vector.name).write_bytes(vector.serialize())
    print(f"wrote {len(build_vectors())} files to {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
