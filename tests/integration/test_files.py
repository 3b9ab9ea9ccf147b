"""Files end to end (server-side encryption), black box: uploads and downloads of every size,
Range reads, HEAD, overwrite, listing with cursors, delete, grants, isolation between users,
tampered blobs, a kill -9 in the middle of uploads, bad paths, cut-off uploads and API key scopes.

The blob layout on disk is part of what is checked: `<data_dir>/blobs/<2 hex>/<2 hex>/<file id>`
for committed blobs (a 52-byte header, then 64 KiB segments each with a 16-byte tag) and
`<data_dir>/blobs/tmp/*.part` for uploads in progress.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import random
import re
import sqlite3
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional
from urllib.parse import quote

import pytest
import requests

from accounts import Client, client, new_email, server, smtp, start_server  # noqa: F401
from conftest import Caasd, assert_error, raw_connect

KiB = 1024
MiB = 1024 * KiB
SEGMENT_BYTES = 64 * KiB
CONTAINER_HEADER_BYTES = 52
TAG_BYTES = 16
RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SLOW_S = 120  # timeout of the big transfers


# ---------------------------------------------------------------------- data and URLs


def random_bytes(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_url(path: str, query: str = "") -> str:
    """The URL path of a file: each segment percent-encoded, the '/' between them kept."""
    return "/v1/files/" + quote(path, safe="/") + (f"?{query}" if query else "")


def unique(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}"


class Body:
    """A request body streamed from an iterator of chunks, with a known length: requests sends it
    with Content-Length (a body without __len__ would go out chunked) and never holds it whole."""

    def __init__(self, chunks: Iterable[bytes], length: int):
        self.chunks = chunks
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)


# ---------------------------------------------------------------------- users


class User:
    """A registered, signed-in user and the file routes as that user calls them."""

    def __init__(self, client: Client, tag: str = "files"):
        self.client = client
        self.server = client.server
        self.email = new_email(tag)
        self.user_id = client.register(self.email)
        self.token = client.login(self.email)

    def call(self, method: str, path: str, token: Optional[str] = None, **kwargs):
        return self.server.request(method, path, token=token or self.token, **kwargs)

    def put(self, path: str, data=b"", overwrite: bool = False, content_type: str = "",
            token: Optional[str] = None, timeout: float = 30):
        headers = {"Content-Type": content_type} if content_type else {}
        query = "overwrite=true" if overwrite else ""
        return self.call("PUT", file_url(path, query), token=token, data=data, headers=headers,
                         timeout=timeout)

    def upload(self, path: str, data=b"", **kwargs) -> dict:
        r = self.put(path, data, **kwargs)
        assert r.status_code == 201, f"PUT {path}: {r.status_code} {r.text}"
        return r.json()

    def get(self, path: str, byte_range: str = "", token: Optional[str] = None, **kwargs):
        headers = {"Range": byte_range} if byte_range else {}
        return self.call("GET", file_url(path), token=token, headers=headers, **kwargs)

    def head(self, path: str, token: Optional[str] = None):
        return self.call("HEAD", file_url(path), token=token)

    def delete(self, path: str, token: Optional[str] = None):
        return self.call("DELETE", file_url(path), token=token)

    def list(self, prefix: Optional[str] = None, limit: Optional[int] = None,
             cursor: Optional[str] = None, token: Optional[str] = None):
        params = {k: v for k, v in {"prefix": prefix, "limit": limit, "cursor": cursor}.items()
                  if v is not None}
        return self.call("GET", "/v1/files", token=token, params=params)

    def list_pages(self, prefix: str, limit: int = 100, max_pages: int = 50) -> list[list[dict]]:
        """Every page of the listing, following next_cursor until it is null."""
        pages, cursor = [], None
        for _ in range(max_pages):
            r = self.list(prefix=prefix, limit=limit, cursor=cursor)
            assert r.status_code == 200, r.text
            body = r.json()
            pages.append(body["files"])
            cursor = body["next_cursor"]
            if cursor is None:
                return pages
        pytest.fail(f"listing {prefix!r} did not end after {max_pages} pages")

    def paths(self, prefix: str) -> list[str]:
        return [f["path"] for page in self.list_pages(prefix) for f in page]

    def grant(self, path: str, email: str, token: Optional[str] = None):
        return self.call("POST", file_url(path) + "/grants", token=token,
                         json={"email": email, "permission": "read"})

    def grants(self, path: str, token: Optional[str] = None):
        return self.call("GET", file_url(path) + "/grants", token=token)

    def revoke(self, path: str, email: str, token: Optional[str] = None):
        return self.call("DELETE", file_url(path) + "/grants/" + quote(email, safe="@"),
                         token=token)

    def shared(self) -> list[dict]:
        r = self.call("GET", "/v1/shared")
        assert r.status_code == 200, r.text
        return r.json()["files"]

    def get_shared(self, file_id: str, byte_range: str = ""):
        headers = {"Range": byte_range} if byte_range else {}
        return self.call("GET", f"/v1/shared/{file_id}", headers=headers)

    def api_key(self, scopes: list[str]) -> str:
        r = self.call("POST", "/v1/auth/api-keys", json={"name": "app", "scopes": scopes})
        assert r.status_code == 201, r.text
        return r.json()["api_key"]

    def sign_in_again_if_needed(self) -> None:
        if self.client.me(self.token).status_code == 401:
            self.token = self.client.login(self.email)


@pytest.fixture
def alice(client):
    return User(client, "alice")


@pytest.fixture
def bob(client):
    return User(client, "bob")


@pytest.fixture(autouse=True)
def shared_server_still_serves(server):
    """After every test, the module's server still runs and answers /v1/sys/health."""
    yield
    server.assert_alive()


# ---------------------------------------------------------------------- blobs on disk


def blobs_dir(server: Caasd) -> Path:
    return server.data_dir / "blobs"


def blob_files(server: Caasd) -> set[Path]:
    return {p for p in blobs_dir(server).glob("*/*/*") if p.is_file()}


def blob_id_of(server: Caasd, file_id: str) -> str | None:
    """The blob a file's row names (blobs have ids of their own: an overwrite keeps the file id
    and writes a new blob). Read from the server's SQLite database, read-only."""
    db = sqlite3.connect(f"file:{server.data_dir / 'caas.db'}?mode=ro", uri=True, timeout=10)
    try:
        row = db.execute("SELECT blob_id FROM files WHERE id = ?", (file_id,)).fetchone()
    finally:
        db.close()
    return row[0] if row else None


def blob_of(server: Caasd, file_id: str) -> Path:
    """The committed blob of a file, which must exist exactly once."""
    blob_id = blob_id_of(server, file_id)
    assert blob_id, f"no row names a blob for file {file_id}"
    found = list(blobs_dir(server).glob(f"*/*/{blob_id}"))
    assert len(found) == 1, f"blob {blob_id} of {file_id}: {found} (blobs: {sorted(blob_files(server))})"
    path = found[0]
    assert path.parent.parent.parent == blobs_dir(server)
    assert re.fullmatch(r"[0-9a-f]{2}", path.parent.name), path
    return path


def temp_files(server: Caasd) -> list[Path]:
    return sorted((blobs_dir(server) / "tmp").glob("*.part"))


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as blob:
        blob.seek(offset)
        byte = blob.read(1)
        blob.seek(offset)
        blob.write(bytes([byte[0] ^ 0x01]))


# ---------------------------------------------------------------------- downloads


@dataclass
class Download:
    status: int
    headers: requests.structures.CaseInsensitiveDict
    body: bytes
    cut: bool  # the connection ended before the declared Content-Length


def fetch(server: Caasd, path: str, token: str, byte_range: str = "") -> Download:
    """A streamed GET on a fresh connection that survives the server cutting it off."""
    headers = {"Authorization": f"Bearer {token}"}
    if byte_range:
        headers["Range"] = byte_range
    r = requests.get(server.url + path, headers=headers, stream=True, timeout=30)
    body, cut = bytearray(), False
    try:
        for chunk in r.iter_content(64 * KiB):
            body += chunk
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
        cut = True
    finally:
        r.close()
    declared = r.headers.get("Content-Length")
    if declared is not None and len(body) < int(declared):
        cut = True
    return Download(r.status_code, r.headers, bytes(body), cut)


def assert_not_served(download: Download, expected: bytes) -> None:
    """A tampered blob: a 500 integrity_error, or a body cut short that holds only verified
    bytes (a prefix of the true content), never the whole body."""
    if download.status == 500:
        assert b'"integrity_error"' in download.body, download.body[:300]
        return
    assert download.status in (200, 206), (download.status, download.body[:300])
    assert download.cut, f"{download.status} with the whole declared body from a tampered blob"
    assert expected.startswith(download.body), "bytes that do not match the file were sent"


def stderr_count(server: Caasd, word: str) -> int:
    return server.stderr.lower().count(word)


def assert_round_trip(user: User, path: str, data: bytes, info: dict) -> None:
    assert info["path"] == path and info["size"] == len(data) and info["sha256"] == sha256(data)
    assert UUID_RE.match(info["id"]), info
    assert RFC3339_RE.match(info["created_at"]), info
    r = user.get(path)
    assert r.status_code == 200, r.text
    assert r.content == data
    assert r.headers["Content-Length"] == str(len(data))
    assert r.headers["ETag"] == f'"{sha256(data)}"'


# ---------------------------------------------------------------------- round trips


@pytest.mark.parametrize("size", [0, 1, MiB], ids=["0B", "1B", "1MiB"])
def test_round_trip(alice, size):
    data = random_bytes(size, seed=size)
    path = f"round/{size}.bin"
    info = alice.upload(path, data)
    assert_round_trip(alice, path, data, info)
    stored = blob_of(alice.server, info["id"]).read_bytes()
    segments = max(1, -(-size // SEGMENT_BYTES))
    assert len(stored) >= CONTAINER_HEADER_BYTES + size + segments * TAG_BYTES
    if size >= 64:
        assert data[:64] not in stored and data[-64:] not in stored, "plaintext in the blob"
    [listed] = alice.list(prefix="round/").json()["files"]
    fields = ("id", "path", "size", "sha256", "created_at")
    assert {k: listed[k] for k in fields} == {k: info[k] for k in fields}
    assert listed["mode"] == "server"


def test_round_trip_100_mib_streamed(alice):
    chunk_count, seed = 100, 100
    sent = hashlib.sha256()

    def chunks():
        source = random.Random(seed)
        for _ in range(chunk_count):
            chunk = source.randbytes(MiB)
            sent.update(chunk)
            yield chunk

    info = alice.upload("big/100mib.bin", Body(chunks(), chunk_count * MiB), timeout=SLOW_S)
    assert info["size"] == chunk_count * MiB and info["sha256"] == sent.hexdigest()
    blob = blob_of(alice.server, info["id"])
    segments = chunk_count * MiB // SEGMENT_BYTES
    assert blob.stat().st_size >= CONTAINER_HEADER_BYTES + segments * (SEGMENT_BYTES + TAG_BYTES)

    received, count = hashlib.sha256(), 0
    with alice.get("big/100mib.bin", stream=True, timeout=SLOW_S) as r:
        assert r.status_code == 200, r.text
        assert r.headers["Content-Length"] == str(chunk_count * MiB)
        assert r.headers["ETag"] == f'"{sent.hexdigest()}"'
        for chunk in r.iter_content(MiB):
            received.update(chunk)
            count += len(chunk)
    assert count == chunk_count * MiB and received.hexdigest() == sent.hexdigest()


def test_chunked_upload_and_unicode_path(alice):
    data = random_bytes(300 * KiB + 3, seed=7)
    path = "docs/Grüße und mehr/ünïcödé 名前.txt"
    info = alice.upload(path, iter([data[:100 * KiB], data[100 * KiB:]]))  # no length: chunked
    assert_round_trip(alice, path, data, info)
    assert alice.paths("docs/") == [path]


def test_content_type_is_kept(alice):
    alice.upload("ct/report.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    alice.upload("ct/page.html", b"<p>hi</p>", content_type="text/html; charset=utf-8")
    r = alice.get("ct/report.pdf")
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.content == b"%PDF-1.7 ..."
    assert alice.head("ct/report.pdf").headers["Content-Type"] == "application/pdf"
    assert alice.get("ct/page.html").headers["Content-Type"] == "text/html; charset=utf-8"


def test_head_has_the_headers_of_get_without_body(alice):
    data = random_bytes(200 * KiB + 5, seed=3)
    alice.upload("head/file.bin", data, content_type="image/png")
    got, head = alice.get("head/file.bin"), alice.head("head/file.bin")
    assert head.status_code == 200
    assert head.content == b""
    for name in ("Content-Length", "ETag", "Content-Type"):
        assert head.headers.get(name) == got.headers.get(name), name
    assert head.headers["Content-Length"] == str(len(data))
    assert head.headers["ETag"] == f'"{sha256(data)}"'
    assert alice.head("head/missing.bin").status_code == 404


# ---------------------------------------------------------------------- ranges


def assert_range(r: requests.Response, data: bytes, first: int, last: int) -> None:
    assert r.status_code == 206, f"{r.request.headers.get('Range')}: {r.status_code} {r.text[:200]}"
    assert r.headers["Content-Range"] == f"bytes {first}-{last}/{len(data)}"
    assert r.headers["Content-Length"] == str(last - first + 1)
    assert r.content == data[first:last + 1]


@pytest.fixture
def ranged(alice):
    """A file of a little over 1 MiB (17 segments, the last one partial) and its bytes."""
    data = random_bytes(MiB + 12345, seed=42)
    alice.upload("range/file.bin", data)
    return alice, data


def test_random_ranges(ranged):
    user, data = ranged
    source = random.Random(2024)
    for _ in range(20):
        first = source.randrange(len(data))
        last = source.randrange(first, min(len(data), first + 300 * KiB))
        assert_range(user.get("range/file.bin", f"bytes={first}-{last}"), data, first, last)


def test_range_edges(ranged):
    user, data = ranged
    size, path = len(data), "range/file.bin"
    assert_range(user.get(path, "bytes=0-0"), data, 0, 0)
    assert_range(user.get(path, f"bytes={size - 1}-{size - 1}"), data, size - 1, size - 1)
    assert_range(user.get(path, f"bytes={size - 1}-"), data, size - 1, size - 1)
    assert_range(user.get(path, "bytes=-1"), data, size - 1, size - 1)
    assert_range(user.get(path, "bytes=-1000"), data, size - 1000, size - 1)
    assert_range(user.get(path, "bytes=1000-"), data, 1000, size - 1)
    assert_range(user.get(path, f"bytes=100-{size + 1000}"), data, 100, size - 1)  # clamped
    whole = user.get(path, f"bytes=-{size + 10}")  # longer than the file: all of it
    if whole.status_code == 200:
        assert whole.content == data
    else:
        assert_range(whole, data, 0, size - 1)
    boundary = SEGMENT_BYTES
    assert_range(user.get(path, f"bytes={boundary - 1}-{boundary}"), data, boundary - 1, boundary)
    last_segment = (size // SEGMENT_BYTES) * SEGMENT_BYTES
    assert_range(user.get(path, f"bytes={last_segment - 10}-{last_segment + 10}"), data,
                 last_segment - 10, last_segment + 10)


def test_unsatisfiable_ranges_are_416(ranged):
    user, data = ranged
    size = len(data)
    for spec in (f"bytes={size}-", f"bytes={size}-{size + 10}", f"bytes={size + 5}-"):
        r = user.get("range/file.bin", spec)
        assert r.status_code == 416, f"{spec}: {r.status_code}"
        assert r.headers["Content-Range"] == f"bytes */{size}", spec


def test_multiple_ranges_return_the_right_bytes(ranged):
    user, data = ranged
    r = user.get("range/file.bin", "bytes=0-9,20000-20009")
    if r.status_code == 200:
        assert r.content == data
        return
    assert r.status_code == 206, r.status_code
    content_type = r.headers.get("Content-Type", "")
    if content_type.startswith("multipart/byteranges"):
        assert data[0:10] in r.content and data[20000:20010] in r.content
    else:
        first, last = map(int, re.match(r"bytes (\d+)-(\d+)/", r.headers["Content-Range"])
                          .groups())
        assert r.content == data[first:last + 1] and first == 0 and last >= 20009


# ---------------------------------------------------------------------- overwrite, delete


def test_overwrite(alice):
    server = alice.server
    old = alice.upload("ow/doc.txt", b"version 1", content_type="text/plain")
    old_blob = blob_of(server, old["id"])
    before = blob_files(server)

    assert_error(alice.put("ow/doc.txt", b"version 2"), 409, "file_exists")
    assert alice.get("ow/doc.txt").content == b"version 1"
    assert eventually(lambda: blob_files(server) == before and not temp_files(server)), \
        "a refused upload left a trace"

    new = alice.upload("ow/doc.txt", b"version 2!", overwrite=True)
    # The id survives the overwrite (shared links keep working); the blob is new.
    assert new["id"] == old["id"] and new["size"] == 10 and new["sha256"] == sha256(b"version 2!")
    r = alice.get("ow/doc.txt")
    assert r.content == b"version 2!" and r.headers["ETag"] == f'"{sha256(b"version 2!")}"'
    assert blob_of(server, new["id"]) != old_blob
    assert eventually(lambda: not old_blob.exists()), f"old blob {old_blob} is still on disk"
    [listed] = alice.list(prefix="ow/").json()["files"]
    assert listed["id"] == new["id"] and listed["size"] == 10

    assert alice.upload("ow/new.txt", b"n", overwrite=True)["size"] == 1  # nothing to replace


def test_delete(alice):
    server = alice.server
    info = alice.upload("del/file.bin", random_bytes(100 * KiB))
    blob = blob_of(server, info["id"])
    alice.upload("del/keep.bin", b"keep")

    r = alice.delete("del/file.bin")
    assert r.status_code == 204 and r.content == b""
    assert_error(alice.get("del/file.bin"), 404, "not_found")
    assert alice.head("del/file.bin").status_code == 404
    assert_error(alice.delete("del/file.bin"), 404, "not_found")
    assert eventually(lambda: not blob.exists()), f"blob {blob} is still on disk"
    assert alice.paths("del/") == ["del/keep.bin"]
    assert alice.get("del/keep.bin").content == b"keep"
    alice.upload("del/file.bin", b"again")  # the path is free again
    assert alice.get("del/file.bin").content == b"again"


def test_missing_file_is_404(alice, bob):
    assert_error(alice.get("nothing/here"), 404, "not_found")
    assert_error(alice.delete("nothing/here"), 404, "not_found")
    assert_error(alice.grants("nothing/here"), 404, "not_found")
    assert_error(alice.grant("nothing/here", bob.email), 404, "not_found")


# ---------------------------------------------------------------------- listing


def test_list_pagination_over_1000_files(alice):
    root = unique("page")
    paths = [f"{root}/{i:04d}" for i in range(1000)]
    local = threading.local()

    def put(path: str) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        r = local.session.put(alice.server.url + file_url(path), data=path.encode(),
                              headers={"Authorization": f"Bearer {alice.token}"}, timeout=60)
        return r.status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(put, paths))
    assert statuses == [201] * 1000, {s: statuses.count(s) for s in set(statuses)}
    alice.upload(f"{root}-sibling/x", b"outside the prefix")

    pages = alice.list_pages(prefix=f"{root}/", limit=100)
    assert all(len(page) <= 100 for page in pages)
    assert len(pages) in (10, 11) and all(len(page) == 100 for page in pages[:10])
    listed = [f["path"] for page in pages for f in page]
    assert len(listed) == 1000 and set(listed) == set(paths)
    assert listed == sorted(listed, key=lambda p: p.encode())

    assert sorted(alice.paths(f"{root}/01")) == paths[100:200]
    assert alice.paths(f"{root}/0999") == [paths[999]]
    assert alice.paths(f"{root}/x") == []

    r = alice.list(prefix=f"{root}/")
    assert r.status_code == 200 and len(r.json()["files"]) == 100  # the default limit
    assert r.json()["next_cursor"] is not None
    r = alice.list(prefix=f"{root}/", limit=1000)
    assert r.status_code == 200 and len(r.json()["files"]) == 1000
    r = alice.list(prefix=f"{root}/", limit=1001)
    assert r.status_code == 400 or (r.status_code == 200 and len(r.json()["files"]) <= 1000), \
        r.status_code
    whole = alice.list(limit=1)  # no prefix: every file of hers, '-' sorting before '/'
    assert whole.status_code == 200
    assert [f["path"] for f in whole.json()["files"]] == [f"{root}-sibling/x"]


def test_list_prefix_is_literal(alice):
    for path in ("lit/a_b", "lit/axb", "lit/a%b", "lit/a%xb"):
        alice.upload(path, b"x")
    assert alice.paths("lit/a_") == ["lit/a_b"]
    assert alice.paths("lit/a%") == ["lit/a%b", "lit/a%xb"]
    assert alice.paths("lit/") == sorted(["lit/a_b", "lit/axb", "lit/a%b", "lit/a%xb"],
                                         key=str.encode)


# ---------------------------------------------------------------------- grants and sharing


def test_grants(client, alice, bob):
    carol = User(client, "carol")
    data = random_bytes(70 * KiB, seed=5)
    info = alice.upload("share/plan.txt", data, content_type="text/plain")
    file_id = info["id"]

    r = alice.grant("share/plan.txt", bob.email)
    assert r.status_code == 201, r.text
    r = alice.grants("share/plan.txt")
    assert r.status_code == 200 and bob.email in r.text and carol.email not in r.text, r.text

    entries = [f for f in bob.shared() if f["id"] == file_id]
    assert len(entries) == 1, bob.shared()
    assert entries[0]["owner_email"] == alice.email
    assert entries[0]["path"] == "share/plan.txt" and entries[0]["size"] == len(data)
    r = bob.get_shared(file_id)
    assert r.status_code == 200 and r.content == data
    assert_range(bob.get_shared(file_id, "bytes=65530-65545"), data, 65530, 65545)

    assert carol.shared() == []
    assert_error(carol.get_shared(file_id), 404, "not_found")
    assert_error(bob.get_shared(str(uuid.uuid4())), 404, "not_found")
    assert_error(alice.grant("share/plan.txt", new_email("nobody")), 404, "user_not_found")

    r = alice.revoke("share/plan.txt", bob.email)
    assert r.status_code == 204, r.text
    assert_error(bob.get_shared(file_id), 404, "not_found")
    assert [f for f in bob.shared() if f["id"] == file_id] == []
    assert bob.email not in alice.grants("share/plan.txt").text
    assert alice.get("share/plan.txt").content == data  # the owner still reads it


def test_deleting_a_file_ends_its_grants(alice, bob):
    info = alice.upload("share/gone.txt", b"soon gone")
    assert alice.grant("share/gone.txt", bob.email).status_code == 201
    assert bob.get_shared(info["id"]).content == b"soon gone"
    assert alice.delete("share/gone.txt").status_code == 204
    assert_error(bob.get_shared(info["id"]), 404, "not_found")
    assert [f for f in bob.shared() if f["id"] == info["id"]] == []


# ---------------------------------------------------------------------- isolation


def test_other_users_cannot_reach_a_file(alice, bob):
    info = alice.upload("iso/secret.txt", b"alice's secret")
    assert_error(bob.get("iso/secret.txt"), 404, "not_found")
    assert bob.head("iso/secret.txt").status_code == 404
    assert_error(bob.delete("iso/secret.txt"), 404, "not_found")
    assert_error(bob.grant("iso/secret.txt", alice.email), 404, "not_found")
    assert_error(bob.grants("iso/secret.txt"), 404, "not_found")
    assert_error(bob.revoke("iso/secret.txt", alice.email), 404, "not_found")
    assert_error(bob.get_shared(info["id"]), 404, "not_found")
    assert bob.paths("iso/") == [] and bob.paths("") == []
    assert bob.shared() == []

    # Bob's namespace is his own: the same path is another file.
    mine = bob.upload("iso/secret.txt", b"bob's own")
    assert mine["id"] != info["id"]
    assert bob.upload("iso/secret.txt", b"bob's second", overwrite=True)["id"] != info["id"]
    assert bob.get("iso/secret.txt").content == b"bob's second"

    assert alice.get("iso/secret.txt").content == b"alice's secret"
    [listed] = alice.list(prefix="iso/").json()["files"]
    assert listed["id"] == info["id"] and listed["sha256"] == sha256(b"alice's secret")
    assert blob_of(alice.server, info["id"]).exists()


# ---------------------------------------------------------------------- integrity


def test_flipped_byte_aborts_the_download(alice):
    server = alice.server
    data = random_bytes(MiB, seed=11)
    info = alice.upload("tamper/flip.bin", data)
    segment = 8  # of 16: in the middle, neither the first nor the last
    offset = CONTAINER_HEADER_BYTES + segment * (SEGMENT_BYTES + TAG_BYTES) + 1000
    logged_before = stderr_count(server, "integrity")
    flip_byte(blob_of(server, info["id"]), offset)

    download = fetch(server, file_url("tamper/flip.bin"), alice.token)
    assert_not_served(download, data)
    if download.status != 500:
        assert len(download.body) <= segment * SEGMENT_BYTES, "sent the tampered segment"
    assert eventually(lambda: stderr_count(server, "integrity") > logged_before), \
        "no log line about integrity\n" + server.logs()

    start = segment * SEGMENT_BYTES
    download = fetch(server, file_url("tamper/flip.bin"), alice.token,
                     f"bytes={start}-{start + 99}")
    assert_not_served(download, data[start:start + 100])


def test_swapped_blobs_both_fail(alice):
    server = alice.server
    first, second = random_bytes(3 * SEGMENT_BYTES + 7, 1), random_bytes(3 * SEGMENT_BYTES + 7, 2)
    a = blob_of(server, alice.upload("tamper/a.bin", first)["id"])
    b = blob_of(server, alice.upload("tamper/b.bin", second)["id"])
    assert a.stat().st_size == b.stat().st_size
    swap = a.with_name(a.name + ".swap")
    os.rename(a, swap)
    os.rename(b, a)
    os.rename(swap, b)

    assert_not_served(fetch(server, file_url("tamper/a.bin"), alice.token), first)
    assert_not_served(fetch(server, file_url("tamper/b.bin"), alice.token), second)
    assert alice.get("tamper/missing.bin").status_code == 404


# ---------------------------------------------------------------------- crash safety


class SlowUpload:
    """One upload streamed in 64 KiB chunks with a pause between them. A stalled upload stops
    halfway (and says so) until `release` is set."""

    def __init__(self, data: bytes, pause_s: float, release: Optional[threading.Event] = None):
        self.data = data
        self.pause_s = pause_s
        self.release = release
        self.half_sent = threading.Event()

    def chunks(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), SEGMENT_BYTES):
            if self.release is not None and start >= len(self.data) // 2:
                self.half_sent.set()
                self.release.wait(timeout=60)
            yield self.data[start:start + SEGMENT_BYTES]
            time.sleep(self.pause_s)

    def body(self) -> Body:
        return Body(self.chunks(), len(self.data))


def test_kill_9_during_uploads_keeps_exactly_the_acknowledged_files(tmp_path_factory, smtp):
    caasd = start_server(tmp_path_factory, smtp, "files-crash")
    try:
        user = User(Client(caasd, smtp), "crash")
        release = threading.Event()
        uploads = {}
        for i in range(20):
            data = random_bytes(4 * MiB + 1000 * i, seed=1000 + i)
            uploads[f"crash/{i:02d}.bin"] = SlowUpload(data, 0.004, None if i % 2 == 0 else release)

        def send(path: str):
            try:
                return requests.put(caasd.url + file_url(path), data=uploads[path].body(),
                                    headers={"Authorization": f"Bearer {user.token}"},
                                    timeout=60)
            except requests.exceptions.RequestException as e:
                return e

        with ThreadPoolExecutor(max_workers=20) as pool:
            futures = {path: pool.submit(send, path) for path in uploads}
            try:
                for path, upload in uploads.items():
                    if upload.release is None:
                        r = futures[path].result(timeout=90)
                        assert isinstance(r, requests.Response) and r.status_code == 201, \
                            f"{path}: {r!r} {getattr(r, 'text', '')}\n{caasd.logs()}"
                    else:
                        assert upload.half_sent.wait(timeout=60), f"{path} never got halfway"
                time.sleep(0.3)
                os.kill(caasd.proc.pid, signal.SIGKILL)
                caasd.kill()  # reaps the process
            finally:
                release.set()
            results = {path: future.result(timeout=90) for path, future in futures.items()}

        acknowledged = {path for path, r in results.items()
                        if isinstance(r, requests.Response) and r.status_code == 201}
        assert acknowledged == {p for p, u in uploads.items() if u.release is None}
        for path, r in results.items():
            if path in acknowledged:
                assert r.json()["sha256"] == sha256(uploads[path].data)

        caasd.start()  # the same data dir; --dev unseals it
        assert caasd.health()["sealed"] is False
        assert temp_files(caasd) == [], "temp files survived the restart"
        user.sign_in_again_if_needed()
        assert sorted(user.paths("crash/")) == sorted(acknowledged)
        for path in sorted(acknowledged):
            r = user.get(path, timeout=SLOW_S)
            assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:200]}"
            assert sha256(r.content) == sha256(uploads[path].data), path
        for path in set(uploads) - acknowledged:
            assert_error(user.get(path), 404, "not_found")
        caasd.assert_alive()
    finally:
        caasd.cleanup()


# ---------------------------------------------------------------------- bad input


def raw_request(server: Caasd, method: str, target: str, token: Optional[str],
                body: bytes = b"x") -> tuple[int, bytes]:
    """A request with the target sent exactly as given (requests would normalise '.' and '..')."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        conn.request(method, target, body=body if method == "PUT" else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


PATH_OF_1024_BYTES = ("s" * 101 + "/") * 10 + "abcd"

BAD_PATHS = {
    "empty segment": "a//b",
    "dot": ".",
    "dot segment": "a/./b",
    "dot dot": "..",
    "dot dot segment": "a/../b",
    "encoded dot dot": "%2e%2e",
    "encoded dot dot segment": "a/%2E%2E/b",
    "control char": "a%01b",
    "newline": "a/b%0A",
    "invalid utf-8": "a%ffb",
    "1025 bytes": PATH_OF_1024_BYTES + "e",
    "trailing slash": "a/b/",
    "leading slash": "/a",
}


@pytest.mark.parametrize("method", ["PUT", "GET"])
@pytest.mark.parametrize("target", list(BAD_PATHS.values()), ids=list(BAD_PATHS))
def test_invalid_paths_are_400(alice, method, target):
    status, body = raw_request(alice.server, method, "/v1/files/" + target, alice.token)
    assert status == 400 and b'"invalid_path"' in body, (status, body[:300])
    assert not temp_files(alice.server)


def test_longest_path_is_accepted(alice):
    assert len(PATH_OF_1024_BYTES.encode()) == 1024
    info = alice.upload(PATH_OF_1024_BYTES, b"long")
    assert info["path"] == PATH_OF_1024_BYTES
    assert alice.get(PATH_OF_1024_BYTES).content == b"long"


def test_missing_or_wrong_auth_is_401(alice, server):
    alice.upload("auth/file.txt", b"x")
    info = alice.upload("auth/other.txt", b"y")
    requests_without_token = [
        ("PUT", file_url("auth/new.txt")), ("GET", file_url("auth/file.txt")),
        ("DELETE", file_url("auth/file.txt")), ("GET", "/v1/files"),
        ("GET", file_url("auth/file.txt") + "/grants"), ("GET", "/v1/shared"),
        ("GET", f"/v1/shared/{info['id']}"),
    ]
    for method, path in requests_without_token:
        assert_error(server.request(method, path, data=b"z" if method == "PUT" else None), 401,
                     "unauthorized")
        assert_error(server.request(method, path, token="caas-key-forged"), 401, "unauthorized")
    assert server.request("HEAD", file_url("auth/file.txt")).status_code == 401
    assert_error(server.post(file_url("auth/file.txt") + "/grants",
                             json={"email": alice.email, "permission": "read"}), 401,
                 "unauthorized")
    assert alice.paths("auth/") == ["auth/file.txt", "auth/other.txt"]


def assert_upload_left_no_trace(user: User, path: str, blobs_before: set[Path]) -> None:
    server = user.server
    assert eventually(lambda: not temp_files(server)), f"temp files left: {temp_files(server)}"
    assert eventually(lambda: blob_files(server) == blobs_before), "a blob was left"
    assert user.paths(path) == []
    assert_error(user.get(path), 404, "not_found")
    # The server still serves, uploads included.
    assert user.upload(path, b"after").get("size") == 5
    assert user.get(path).content == b"after"


def send_partial_upload(user: User, path: str, declared: int, sent: bytes) -> None:
    sock = raw_connect(user.server)
    try:
        sock.sendall((f"PUT {file_url(path)} HTTP/1.1\r\nHost: {user.server.host}\r\n"
                      f"Authorization: Bearer {user.token}\r\n"
                      f"Content-Type: application/octet-stream\r\n"
                      f"Content-Length: {declared}\r\n\r\n").encode() + sent)
        time.sleep(0.3)  # the server is now waiting for the rest
    finally:
        sock.close()


def test_content_length_lie_leaves_no_trace(alice):
    before = blob_files(alice.server)
    send_partial_upload(alice, "cut/lie.bin", 1000, b"0123456789")
    assert_upload_left_no_trace(alice, "cut/lie.bin", before)


def test_client_disconnect_mid_upload_leaves_no_trace(alice):
    before = blob_files(alice.server)
    send_partial_upload(alice, "cut/half.bin", MiB, random_bytes(MiB // 2))
    assert_upload_left_no_trace(alice, "cut/half.bin", before)


# ---------------------------------------------------------------------- API key scopes


def test_api_key_scopes(alice):
    alice.upload("keys/file.txt", b"by session")
    reader = alice.api_key(["files:read"])
    writer = alice.api_key(["files:write"])
    transit = alice.api_key(["transit:foo"])

    r = alice.get("keys/file.txt", token=reader)
    assert r.status_code == 200 and r.content == b"by session"
    assert alice.head("keys/file.txt", token=reader).status_code == 200
    assert alice.list(prefix="keys/", token=reader).status_code == 200
    assert_error(alice.put("keys/new.txt", b"x", token=reader), 403, "forbidden")
    assert_error(alice.put("keys/file.txt", b"x", overwrite=True, token=reader), 403, "forbidden")
    assert_error(alice.delete("keys/file.txt", token=reader), 403, "forbidden")

    assert alice.upload("keys/by-key.txt", b"by key", token=writer)["size"] == 6
    assert alice.get("keys/by-key.txt").content == b"by key"

    assert_error(alice.get("keys/file.txt", token=transit), 403, "forbidden")
    assert alice.head("keys/file.txt", token=transit).status_code == 403
    assert_error(alice.put("keys/t.txt", b"x", token=transit), 403, "forbidden")
    assert_error(alice.list(token=transit), 403, "forbidden")
    assert_error(alice.delete("keys/file.txt", token=transit), 403, "forbidden")
    assert alice.paths("keys/") == ["keys/by-key.txt", "keys/file.txt"]
