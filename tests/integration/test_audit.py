"""The audit trail: a hash chain in SQLite (audit_log), listed, paged and verified over HTTP."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import assert_error, b64, unb64

AUDIT_KEYS = {"seq", "time", "actor", "action", "target", "result", "prev_hash", "hash"}


def scripted_session(server):
    """init 3/2, a failed unseal, unseal, seal, unseal: returns (shares, token)."""
    shares, token = server.init(3, 2)
    assert server.unseal(shares[0]).json()["progress"] == 1
    raw = bytearray(unb64(shares[1]))
    raw[-1] ^= 0x80
    assert_error(server.unseal(b64(bytes(raw))), 400, "invalid_share")
    server.unseal_with(shares[:2])
    server.seal(token)
    server.unseal_with(shares[1:])
    return shares, token


def list_audit(server, token, **params):
    r = server.get("/v1/sys/audit", token=token, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"entries", "next_after"}, body
    assert body["next_after"] is None or isinstance(body["next_after"], int), body
    return body


def assert_chain(entries):
    for e in entries:
        assert set(e) == AUDIT_KEYS, e
        assert isinstance(e["seq"], int)
        for key in AUDIT_KEYS - {"seq"}:
            assert isinstance(e[key], str), (key, e)
        assert e["time"] and e["hash"] and e["action"] and e["result"], e
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(1, len(entries) + 1)), f"seq not 1, 2, 3...: {seqs}"
    for prev, cur in zip(entries, entries[1:]):
        assert cur["prev_hash"] == prev["hash"], f"chain broken at seq {cur['seq']}"
    assert len({e["hash"] for e in entries}) == len(entries), "hashes repeat"


def all_entries(server, token):
    body = list_audit(server, token, limit=1000)
    assert body["next_after"] is None, "more than 1000 entries in a short test?"
    return body["entries"]


def test_audit_lists_a_chained_trail(caasd):
    _, token = scripted_session(caasd)
    entries = all_entries(caasd, token)
    assert_chain(entries)
    actions = [e["action"] for e in entries]
    assert entries[0]["action"] == "sys.init", actions
    for action in ("sys.init", "sys.unseal", "sys.seal"):
        assert action in actions, f"{action} missing from {actions}"
    unseal_results = {e["result"] for e in entries if e["action"] == "sys.unseal"}
    assert {"ok", "invalid_share"} <= unseal_results, unseal_results

    # Reading the trail is itself audited.
    again = all_entries(caasd, token)
    assert_chain(again)
    assert again[:len(entries)] == entries, "earlier entries changed"
    assert "sys.audit.read" in [e["action"] for e in again[len(entries):]], again[len(entries):]


def test_audit_pagination(caasd):
    _, token = scripted_session(caasd)
    first = list_audit(caasd, token)  # default limit 100
    assert first["next_after"] is None
    total = len(first["entries"])
    assert total >= 5

    page = list_audit(caasd, token, limit=2)
    assert [e["seq"] for e in page["entries"]] == [1, 2]
    assert page["next_after"] == 2

    page = list_audit(caasd, token, after=2, limit=1)
    assert [e["seq"] for e in page["entries"]] == [3]
    assert page["next_after"] == 3

    # Walk every page of 2; reads append entries while we walk, the walk still ends.
    seen, after = [], None
    for _ in range(100):
        params = {"limit": 2} if after is None else {"limit": 2, "after": after}
        page = list_audit(caasd, token, **params)
        seen += page["entries"]
        assert len(page["entries"]) <= 2
        if page["next_after"] is None or not page["entries"]:
            break
        assert page["next_after"] == page["entries"][-1]["seq"]
        after = page["next_after"]
    else:
        pytest.fail("pagination did not end")
    assert_chain(seen)
    assert seen[:total] == first["entries"]

    last = seen[-1]["seq"]
    page = list_audit(caasd, token, after=last + 100)
    assert page == {"entries": [], "next_after": None}
    page = list_audit(caasd, token, limit=1000)
    assert len(page["entries"]) >= total


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"limit": -1}, {"limit": ""},
    {"limit": "1x"}, {"after": "x"}, {"after": "1.5"},
])
def test_audit_bad_paging_numbers(unsealed, params):
    server, _, token = unsealed
    assert_error(server.get("/v1/sys/audit", token=token, params=params), 400, "invalid_request")


def test_audit_verify_valid_chain(caasd):
    _, token = scripted_session(caasd)
    r = caasd.get("/v1/sys/audit/verify", token=token)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["valid"] is True and body["first_bad_seq"] is None, body
    assert set(body) == {"valid", "entries", "first_bad_seq"}, body
    assert body["entries"] >= 5
    assert_error(caasd.get("/v1/sys/audit/verify"), 401, "unauthorized")


def tamper_and_verify(server, shares, token, sql, args):
    server.stop()
    db = server.data_dir / "caas.db"
    assert db.is_file(), f"no SQLite file at {db}"
    conn = sqlite3.connect(str(db))
    try:
        cursor = conn.execute(sql, args)
        assert cursor.rowcount == 1, f"{sql} {args} changed {cursor.rowcount} rows"
        conn.commit()
    finally:
        conn.close()
    server.start()
    assert server.health()["sealed"] is True
    server.unseal_with(shares[:2])
    r = server.get("/v1/sys/audit/verify", token=token)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("column", ["target", "result", "actor", "action", "time"])
def test_audit_verify_detects_an_edited_row(caasd, column):
    shares, token = scripted_session(caasd)
    entries = all_entries(caasd, token)
    assert len(entries) >= 5
    seq = 3
    original = entries[seq - 1][column]
    body = tamper_and_verify(caasd, shares, token,
                             f"UPDATE audit_log SET {column} = ? WHERE seq = ?",
                             (original + "-tampered", seq))
    assert body["valid"] is False, body
    assert body["first_bad_seq"] == seq, body


def test_audit_verify_detects_a_deleted_middle_row(caasd):
    shares, token = scripted_session(caasd)
    entries = all_entries(caasd, token)
    assert len(entries) >= 5
    body = tamper_and_verify(caasd, shares, token, "DELETE FROM audit_log WHERE seq = ?", (3,))
    assert body["valid"] is False, body
    # The gap is found at the missing seq or at the row after it, whose prev_hash dangles.
    assert body["first_bad_seq"] in (3, 4), body


def test_audit_chain_survives_restart(caasd):
    shares, token = scripted_session(caasd)
    caasd.restart()
    caasd.unseal_with(shares[:2])
    entries = all_entries(caasd, token)
    assert_chain(entries)
    r = caasd.get("/v1/sys/audit/verify", token=token)
    assert r.status_code == 200 and r.json()["valid"] is True, r.text
