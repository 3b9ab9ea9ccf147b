#!/usr/bin/python3
"""Independent reader and writer for the CAAS container format, version 1.

Written from docs/FORMAT.md alone, without looking at the C++ implementation, so that the
two can check each other. Section numbers below (§n) refer to that page:

- §2  binding = file_id || owner_id (32 bytes, not stored in the container)
- §3  the 52-byte header: magic "CAAS", version 1, suite 1, reserved 00 00, segment size S
      (a power of two, 2^6 <= S <= 2^24), 32-byte salt, 7-byte nonce prefix, reserved 00
- §4  payload_key = HKDF-SHA-256(DEK, salt, "caas container v1 payload", 32)
- §5  segment i = AES-256-GCM(payload_key, prefix || uint32_be(i) || last_flag,
      plaintext_i, header || binding)
- §6  sizes: n, L and the plaintext size are computed from the container length
- §7  reading: header checks, size bounds, last segment first, then the covering segments;
      every failure is the single error "decryption failed"
- §8  writing: only the final segment (1..S bytes, or 0 for the empty plaintext) is sealed
      with last_flag = 01

As a module: seal(), open_container(), plaintext_size() and the DecryptionFailed exception.
As a command line tool (same interface as the C++ container tool):

    independent_reader.py seal --dek HEX --file-id HEX --owner-id HEX
                               [--segment-size N] [--salt HEX] [--nonce-prefix HEX]
    independent_reader.py open --dek HEX --file-id HEX --owner-id HEX [--range A B]

Both read stdin and write stdout as binary. `open` exits 1 and prints "decryption failed" on
stderr when the container is rejected.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# §3 header layout.
MAGIC = b"CAAS"
VERSION = 1
SUITE = 1
HEADER_BYTES = 52
HEADER_STRUCT = struct.Struct(">4sBBHI32s7sB")  # magic, version, suite, reserved, S, salt, prefix, reserved
SALT_BYTES = 32
NONCE_PREFIX_BYTES = 7
MIN_SEGMENT_SIZE = 1 << 6
MAX_SEGMENT_SIZE = 1 << 24
DEFAULT_SEGMENT_SIZE = 1 << 16  # not stated in FORMAT.md (§9 points to a missing table)

# §2 binding, §4 key derivation.
DEK_BYTES = 32
ID_BYTES = 16
PAYLOAD_KEY_BYTES = 32
PAYLOAD_KEY_INFO = b"caas container v1 payload"

# §5 segments, §6 limits.
TAG_BYTES = 16
LAST_FLAG = 0x01
NOT_LAST_FLAG = 0x00
MAX_SEGMENTS = 1 << 32
MIN_CONTAINER_BYTES = HEADER_BYTES + TAG_BYTES  # 68: the sealed empty plaintext

ERROR_MESSAGE = "decryption failed"

assert HEADER_STRUCT.size == HEADER_BYTES
assert len(PAYLOAD_KEY_INFO) == 25


class DecryptionFailed(Exception):
    """The single error of §7: it never says which check failed."""

    def __init__(self) -> None:
        super().__init__(ERROR_MESSAGE)


class RangeError(Exception):
    """§7 step 5: a range outside the plaintext of a valid container (a bad request)."""


@dataclass(frozen=True)
class Header:
    """A parsed and validated header (§3)."""

    raw: bytes
    segment_size: int
    salt: bytes
    nonce_prefix: bytes


@dataclass(frozen=True)
class Layout:
    """Segment count and last-segment length derived from the container length (§6)."""

    segment_count: int
    last_segment_bytes: int


# ---------------------------------------------------------------- header (§3)


def is_valid_segment_size(segment_size: int) -> bool:
    """§3: a power of two with 2^6 <= S <= 2^24."""
    power_of_two = segment_size > 0 and segment_size & (segment_size - 1) == 0
    return power_of_two and MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE


def build_header(segment_size: int, salt: bytes, nonce_prefix: bytes) -> bytes:
    """Serialize a version 1 header (§3)."""
    if not is_valid_segment_size(segment_size):
        raise ValueError(f"invalid segment size {segment_size}")
    if len(salt) != SALT_BYTES or len(nonce_prefix) != NONCE_PREFIX_BYTES:
        raise ValueError("salt must be 32 bytes and nonce prefix 7 bytes")
    return HEADER_STRUCT.pack(MAGIC, VERSION, SUITE, 0, segment_size, salt, nonce_prefix, 0)


def parse_header(container: bytes) -> Header:
    """§7 step 1: read the header and reject any field out of specification."""
    if len(container) < HEADER_BYTES:
        raise DecryptionFailed()
    raw = bytes(container[:HEADER_BYTES])
    magic, version, suite, reserved1, segment_size, salt, prefix, reserved2 = HEADER_STRUCT.unpack(raw)
    valid = (
        magic == MAGIC
        and version == VERSION
        and suite == SUITE
        and reserved1 == 0
        and reserved2 == 0
        and is_valid_segment_size(segment_size)
    )
    if not valid:
        raise DecryptionFailed()
    return Header(raw=raw, segment_size=segment_size, salt=salt, nonce_prefix=prefix)


# ---------------------------------------------------------------- sizes (§6)


def segment_layout(container_bytes: int, segment_size: int) -> Layout:
    """§6 / §7 step 2: n and L from the container length C, with the bounds checks."""
    if container_bytes < MIN_CONTAINER_BYTES:
        raise DecryptionFailed()
    payload = container_bytes - HEADER_BYTES
    stride = segment_size + TAG_BYTES
    count = max(1, -(-payload // stride))  # ceil(P / (S + 16)), at least 1
    last = payload - (count - 1) * stride
    min_last = TAG_BYTES if count == 1 else TAG_BYTES + 1
    if count > MAX_SEGMENTS or not min_last <= last <= stride:
        raise DecryptionFailed()
    return Layout(segment_count=count, last_segment_bytes=last)


def plaintext_segment_count(plaintext_bytes: int, segment_size: int) -> int:
    """§1 / §8: the number of segments a writer produces; refuses more than 2^32 (§6)."""
    count = max(1, -(-plaintext_bytes // segment_size))
    if count > MAX_SEGMENTS:
        raise ValueError("plaintext too large: more than 2^32 segments")
    return count


# ---------------------------------------------------------------- crypto (§2, §4, §5)


def make_binding(file_id: bytes, owner_id: bytes) -> bytes:
    """§2: binding = file_id || owner_id, both 16-byte UUIDs."""
    if len(file_id) != ID_BYTES or len(owner_id) != ID_BYTES:
        raise ValueError("file id and owner id must be 16 bytes each")
    return file_id + owner_id


def derive_payload_key(dek: bytes, salt: bytes) -> bytes:
    """§4: HKDF-SHA-256 with the header salt and the fixed info string."""
    if len(dek) != DEK_BYTES:
        raise ValueError("the DEK must be 32 bytes")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=PAYLOAD_KEY_BYTES, salt=salt, info=PAYLOAD_KEY_INFO)
    return hkdf.derive(dek)


def make_aad(header: bytes, binding: bytes) -> bytes:
    """§5: aad = header (52 bytes) || binding (32 bytes)."""
    return header + binding


def make_nonce(nonce_prefix: bytes, index: int, last: bool) -> bytes:
    """§5: nonce_i = prefix (7) || uint32_be(i) || last_flag."""
    flag = LAST_FLAG if last else NOT_LAST_FLAG
    return nonce_prefix + struct.pack(">IB", index, flag)


@dataclass(frozen=True)
class SegmentCipher:
    """The per-container state shared by every segment: key, nonce prefix and aad (§5)."""

    aead: AESGCM
    nonce_prefix: bytes
    aad: bytes

    @classmethod
    def create(cls, dek: bytes, header: bytes, salt: bytes, nonce_prefix: bytes,
               binding: bytes) -> "SegmentCipher":
        return cls(AESGCM(derive_payload_key(dek, salt)), nonce_prefix, make_aad(header, binding))

    def seal(self, index: int, last: bool, plaintext: bytes) -> bytes:
        return self.aead.encrypt(make_nonce(self.nonce_prefix, index, last), plaintext, self.aad)

    def open(self, index: int, last: bool, segment: bytes) -> bytes:
        try:
            return self.aead.decrypt(make_nonce(self.nonce_prefix, index, last), segment, self.aad)
        except InvalidTag:
            raise DecryptionFailed() from None


# ---------------------------------------------------------------- writing (§8)


def seal(plaintext: bytes, dek: bytes, file_id: bytes, owner_id: bytes,
         segment_size: int = DEFAULT_SEGMENT_SIZE, salt: bytes | None = None,
         nonce_prefix: bytes | None = None) -> bytes:
    """Seal a whole plaintext into a container (§8). Salt and prefix default to os.urandom."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    nonce_prefix = os.urandom(NONCE_PREFIX_BYTES) if nonce_prefix is None else nonce_prefix
    header = build_header(segment_size, salt, nonce_prefix)
    cipher = SegmentCipher.create(dek, header, salt, nonce_prefix, make_binding(file_id, owner_id))
    count = plaintext_segment_count(len(plaintext), segment_size)
    parts = [header]
    for index in range(count):
        chunk = plaintext[index * segment_size:(index + 1) * segment_size]
        parts.append(cipher.seal(index, index == count - 1, chunk))
    return b"".join(parts)


# ---------------------------------------------------------------- reading (§6, §7)


@dataclass(frozen=True)
class OpenedContainer:
    """A container whose header, length and last segment have been checked (§7 steps 1-4)."""

    container: bytes
    header: Header
    layout: Layout
    cipher: SegmentCipher
    last_plaintext: bytes

    @property
    def size(self) -> int:
        """§6: (n - 1) * S + (L - 16), known only once the last segment has verified."""
        return (self.layout.segment_count - 1) * self.header.segment_size + len(self.last_plaintext)

    def segment(self, index: int) -> bytes:
        """Authenticate and decrypt one segment (§7 step 5)."""
        if index == self.layout.segment_count - 1:
            return self.last_plaintext
        stride = self.header.segment_size + TAG_BYTES
        start = HEADER_BYTES + index * stride
        return self.cipher.open(index, False, self.container[start:start + stride])

    def read(self, start: int, end: int) -> bytes:
        """§7 step 5: the range [start, end) from the covering segments only."""
        if not 0 <= start <= end <= self.size:
            raise RangeError(f"range [{start}, {end}) outside the plaintext of {self.size} bytes")
        if start == end:
            return b""
        segment_size = self.header.segment_size
        first, last = start // segment_size, (end - 1) // segment_size
        pieces = [self.segment(index) for index in range(first, last + 1)]
        offset = first * segment_size
        return b"".join(pieces)[start - offset:end - offset]


def authenticate(container: bytes, dek: bytes, file_id: bytes, owner_id: bytes) -> OpenedContainer:
    """§7 steps 1-4: header checks, size bounds, then the last segment with last_flag = 01."""
    container = bytes(container)
    header = parse_header(container)
    layout = segment_layout(len(container), header.segment_size)
    cipher = SegmentCipher.create(dek, header.raw, header.salt, header.nonce_prefix,
                                  make_binding(file_id, owner_id))
    last_index = layout.segment_count - 1
    last_segment = container[len(container) - layout.last_segment_bytes:]
    last_plaintext = cipher.open(last_index, True, last_segment)
    return OpenedContainer(container, header, layout, cipher, last_plaintext)


def plaintext_size(container: bytes, dek: bytes, file_id: bytes, owner_id: bytes) -> int:
    """The plaintext size, reported only after the last segment has verified (§6)."""
    return authenticate(container, dek, file_id, owner_id).size


def open_container(container: bytes, dek: bytes, file_id: bytes, owner_id: bytes,
                   range_: tuple[int, int] | None = None) -> bytes:
    """Decrypt the whole plaintext or the range [a, b) (§7).

    Every rejection of the container raises DecryptionFailed, and no plaintext is returned. A
    range outside the plaintext of a valid container raises RangeError (checked after the last
    segment is authenticated, §7 step 5). Only caller errors (a DEK that is not 32 bytes, an id that is not 16 bytes)
    raise ValueError instead.
    """
    opened = authenticate(container, dek, file_id, owner_id)
    start, end = (0, opened.size) if range_ is None else range_
    return opened.read(start, end)


# ---------------------------------------------------------------- command line


def _hex_bytes(length: int):
    def parse(text: str) -> bytes:
        try:
            value = bytes.fromhex(text)
        except ValueError:
            raise argparse.ArgumentTypeError("not hexadecimal") from None
        if len(value) != length:
            raise argparse.ArgumentTypeError(f"expected {length} bytes")
        return value
    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="CAAS container format v1 (docs/FORMAT.md)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("seal", "open"):
        command = commands.add_parser(name)
        command.add_argument("--dek", type=_hex_bytes(DEK_BYTES), required=True)
        command.add_argument("--file-id", type=_hex_bytes(ID_BYTES), required=True)
        command.add_argument("--owner-id", type=_hex_bytes(ID_BYTES), required=True)
    seal_command = commands.choices["seal"]
    seal_command.add_argument("--segment-size", type=int, default=DEFAULT_SEGMENT_SIZE)
    seal_command.add_argument("--salt", type=_hex_bytes(SALT_BYTES))
    seal_command.add_argument("--nonce-prefix", type=_hex_bytes(NONCE_PREFIX_BYTES))
    commands.choices["open"].add_argument("--range", type=int, nargs=2, metavar=("A", "B"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data = sys.stdin.buffer.read()
    if args.command == "seal":
        try:
            output = seal(data, args.dek, args.file_id, args.owner_id, args.segment_size,
                          args.salt, args.nonce_prefix)
        except ValueError as error:
            print(f"seal: {error}", file=sys.stderr)
            return 2
    else:
        try:
            output = open_container(data, args.dek, args.file_id, args.owner_id,
                                    tuple(args.range) if args.range else None)
        except DecryptionFailed:
            print(ERROR_MESSAGE, file=sys.stderr)
            return 1
        except RangeError as error:
            print(f"open: {error}", file=sys.stderr)
            return 1
    sys.stdout.buffer.write(output)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
