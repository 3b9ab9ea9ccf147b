"""System routes: health, init, unseal, seal, ready, metrics and X-Request-Id."""

from __future__ import annotations

import itertools
import random

import pytest

from conftest import (REQUEST_ID_RE, VERSION, assert_error, b64, metric_exists, metric_sum,
                      parse_metrics, unb64)

THRESHOLD_ORDERS_SEED = 20240611


# ---------------------------------------------------------------------- health


def test_health_shape_of_a_fresh_server(caasd):
    r = caasd.get("/v1/sys/health")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    assert r.json() == {"initialized": False, "sealed": True, "version": VERSION}


def test_unseal_before_init_is_not_initialized(caasd):
    share = b64(bytes([1]) + bytes(32))
    assert_error(caasd.unseal(share), 400, "not_initialized")
    assert caasd.health() == {"initialized": False, "sealed": True, "version": VERSION}


# ---------------------------------------------------------------------- init, unseal, seal


def shares_are_well_formed(shares, n):
    assert isinstance(shares, list) and len(shares) == n, shares
    raw = [unb64(s) for s in shares]
    assert all(len(s) == 33 for s in raw), [len(s) for s in raw]
    xs = [s[0] for s in raw]
    assert 0 not in xs, f"a share has x = 0: {xs}"
    assert len(set(xs)) == n, f"x coordinates repeat: {xs}"
    assert len(set(raw)) == n


def test_init_restart_and_unseal_with_any_three_of_five(caasd):
    shares, token = caasd.init(5, 3)
    shares_are_well_formed(shares, 5)
    assert isinstance(token, str) and token
    assert caasd.health() == {"initialized": True, "sealed": True, "version": VERSION}

    caasd.restart()
    assert caasd.health() == {"initialized": True, "sealed": True, "version": VERSION}
    assert_error(caasd.get("/v1/sys/audit", token=token), 503, "sealed")
    assert_error(caasd.get("/v1/sys/audit/verify", token=token), 503, "sealed")

    rng = random.Random(THRESHOLD_ORDERS_SEED)
    subsets = list(itertools.combinations(range(5), 3))
    rng.shuffle(subsets)
    for subset in subsets[:5]:
        order = list(subset)
        rng.shuffle(order)
        for i, index in enumerate(order[:2], 1):
            r = caasd.unseal(shares[index])
            assert r.status_code == 200, r.text
            assert r.json() == {"sealed": True, "progress": i, "threshold": 3}, (order, r.json())
        r = caasd.unseal(shares[order[2]])
        assert r.status_code == 200, r.text
        assert r.json() == {"sealed": False, "progress": 0, "threshold": 3}, (order, r.json())
        assert caasd.health()["sealed"] is False
        assert caasd.get("/v1/sys/audit", token=token).status_code == 200

        caasd.seal(token)
        assert caasd.health() == {"initialized": True, "sealed": True, "version": VERSION}
        assert_error(caasd.get("/v1/sys/audit", token=token), 503, "sealed")

    caasd.unseal_with([shares[4], shares[0], shares[2]])


def test_unseal_when_already_unsealed_says_unsealed(unsealed):
    server, shares, _ = unsealed
    r = server.unseal(shares[3])
    assert r.status_code == 200, r.text
    assert r.json()["sealed"] is False and r.json()["progress"] == 0, r.json()


def test_same_share_twice_counts_once(caasd):
    shares, _ = caasd.init(5, 3)
    for expected in (1, 1, 1):
        r = caasd.unseal(shares[1])
        assert r.status_code == 200, r.text
        assert r.json() == {"sealed": True, "progress": expected, "threshold": 3}
    r = caasd.unseal(shares[3])
    assert r.json() == {"sealed": True, "progress": 2, "threshold": 3}, r.text
    r = caasd.unseal(shares[3])
    assert r.json() == {"sealed": True, "progress": 2, "threshold": 3}, r.text
    r = caasd.unseal(shares[0])
    assert r.json() == {"sealed": False, "progress": 0, "threshold": 3}, r.text


def random_foreign_share(shares, seed):
    """33 random bytes whose x coordinate is non-zero and differs from every real share's."""
    rng = random.Random(seed)
    used = {unb64(s)[0] for s in shares}
    x = rng.choice([v for v in range(1, 256) if v not in used])
    return b64(bytes([x]) + bytes(rng.getrandbits(8) for _ in range(32)))


def flipped_share(share):
    raw = bytearray(unb64(share))
    raw[-1] ^= 0x01  # the y part: same x, wrong value
    return b64(bytes(raw))


@pytest.mark.parametrize("kind", ["random", "flipped"])
def test_wrong_share_completing_threshold_is_rejected_and_resets(caasd, kind):
    shares, token = caasd.init(5, 3)
    bad = random_foreign_share(shares, 7) if kind == "random" else flipped_share(shares[4])
    for attempt in range(2):
        assert caasd.unseal(shares[0]).json()["progress"] == 1
        assert caasd.unseal(shares[1]).json()["progress"] == 2
        assert_error(caasd.unseal(bad), 400, "invalid_share")
        assert caasd.health()["sealed"] is True
        assert_error(caasd.get("/v1/sys/audit", token=token), 503, "sealed")
    # Progress went back to 0: a new share counts as the first one.
    r = caasd.unseal(shares[3])
    assert r.status_code == 200, r.text
    assert r.json() == {"sealed": True, "progress": 1, "threshold": 3}
    r = caasd.unseal(shares[2])
    assert r.json() == {"sealed": True, "progress": 2, "threshold": 3}, r.text
    r = caasd.unseal(shares[4])
    assert r.json() == {"sealed": False, "progress": 0, "threshold": 3}, r.text


def test_wrong_share_as_first_share_is_caught_at_threshold(caasd):
    shares, _ = caasd.init(5, 3)
    bad = flipped_share(shares[2])
    assert caasd.unseal(bad).json() == {"sealed": True, "progress": 1, "threshold": 3}
    assert caasd.unseal(shares[0]).json() == {"sealed": True, "progress": 2, "threshold": 3}
    assert_error(caasd.unseal(shares[1]), 400, "invalid_share")
    caasd.unseal_with([shares[1], shares[2], shares[3]])


@pytest.mark.parametrize("length", [0, 1, 32, 34, 66])
def test_share_of_wrong_length_is_invalid_share_and_resets(caasd, length):
    shares, _ = caasd.init(5, 3)
    assert caasd.unseal(shares[0]).json()["progress"] == 1
    raw = (unb64(shares[1]) * 3)[:length]
    assert_error(caasd.unseal(b64(raw)), 400, "invalid_share")
    assert caasd.unseal(shares[1]).json() == {"sealed": True, "progress": 1, "threshold": 3}


def test_share_with_x_zero_is_invalid_share(caasd):
    shares, _ = caasd.init(5, 3)
    assert caasd.unseal(shares[0]).json()["progress"] == 1
    raw = bytearray(unb64(shares[1]))
    raw[0] = 0
    assert_error(caasd.unseal(b64(bytes(raw))), 400, "invalid_share")
    assert caasd.unseal(shares[1]).json() == {"sealed": True, "progress": 1, "threshold": 3}


@pytest.mark.parametrize("body", [
    {"share": "not base64!!"},
    {"share": "QUJD*"},
    {"share": "QQ"},  # missing padding: standard base64 is padded
    {"share": 12},
    {"share": None},
    {"share": ["QUJD"]},
    {},
], ids=["junk", "bad-char", "unpadded", "int", "null", "list", "missing"])
def test_unseal_with_bad_share_field_is_invalid_request(caasd, body):
    caasd.init(5, 3)
    assert_error(caasd.post("/v1/sys/unseal", json=body), 400, "invalid_request", "share")


def test_init_twice_is_already_initialized(caasd):
    shares, token = caasd.init(5, 3)
    assert_error(caasd.post("/v1/sys/init", json={"shares": 5, "threshold": 3}),
                 409, "already_initialized")
    caasd.unseal_with(shares[:3])
    assert_error(caasd.post("/v1/sys/init", json={"shares": 1, "threshold": 1}),
                 409, "already_initialized")
    caasd.restart()
    assert_error(caasd.post("/v1/sys/init", json={"shares": 5, "threshold": 3}),
                 409, "already_initialized")


@pytest.mark.parametrize("body,fields", [
    ({"shares": 3, "threshold": 4}, ("threshold", "shares")),
    ({"shares": 0, "threshold": 0}, ("shares", "threshold")),
    ({"shares": 0, "threshold": 1}, ("shares", "threshold")),
    ({"shares": 256, "threshold": 3}, ("shares",)),
    ({"shares": 3, "threshold": 1}, ("threshold",)),
    ({"shares": 3, "threshold": 0}, ("threshold",)),
    ({"shares": -1, "threshold": 1}, ("shares",)),
    ({"shares": "5", "threshold": 3}, ("shares",)),
    ({"shares": 5, "threshold": "3"}, ("threshold",)),
    ({"shares": 5.5, "threshold": 3}, ("shares",)),
    ({"shares": 5, "threshold": True}, ("threshold",)),
    ({"shares": None, "threshold": 3}, ("shares",)),
    ({"threshold": 3}, ("shares",)),
    ({"shares": 5}, ("threshold",)),
    ({}, ("shares", "threshold")),
], ids=["k>n", "n=0,k=0", "n=0,k=1", "n=256", "k=1,n=3", "k=0", "n=-1", "n-string",
        "k-string", "n-float", "k-bool", "n-null", "n-missing", "k-missing", "empty"])
def test_init_argument_validation(caasd, body, fields):
    body_ = assert_error(caasd.post("/v1/sys/init", json=body), 400, "invalid_request")
    message = body_["error"]["message"]
    assert any(f in message for f in fields), \
        f"message {message!r} names none of the fields {fields}"
    assert caasd.health()["initialized"] is False


@pytest.mark.parametrize("n,k", [(1, 1), (255, 2), (2, 2)])
def test_init_boundaries_are_accepted(caasd, n, k):
    shares, token = caasd.init(n, k)
    shares_are_well_formed(shares, n)
    caasd.unseal_with(shares[-k:])
    caasd.seal(token)


def test_seal_needs_the_root_token(unsealed):
    server, shares, token = unsealed
    assert_error(server.post("/v1/sys/seal"), 401, "unauthorized")
    assert_error(server.post("/v1/sys/seal", token="wrong-" + token), 401, "unauthorized")
    assert_error(server.post("/v1/sys/seal", token=token[:-1]), 401, "unauthorized")
    assert_error(server.post("/v1/sys/seal", headers={"Authorization": token}),
                 401, "unauthorized")
    assert_error(server.post("/v1/sys/seal", headers={"Authorization": f"Basic {token}"}),
                 401, "unauthorized")
    assert server.health()["sealed"] is False
    assert_error(server.get("/v1/sys/audit"), 401, "unauthorized")
    assert_error(server.get("/v1/sys/audit", token="nope"), 401, "unauthorized")

    r = server.post("/v1/sys/seal", token=token)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert server.health() == {"initialized": True, "sealed": True, "version": VERSION}
    assert_error(server.get("/v1/sys/audit", token=token), 503, "sealed")
    assert_error(server.get("/v1/sys/audit/verify", token=token), 503, "sealed")


# ---------------------------------------------------------------------- ready


def test_ready_follows_the_seal_state(caasd):
    assert_error(caasd.get("/v1/sys/ready"), 503, "not_initialized")
    shares, token = caasd.init(3, 2)
    assert_error(caasd.get("/v1/sys/ready"), 503, "sealed")
    caasd.unseal_with(shares[:2])
    r = caasd.get("/v1/sys/ready")
    assert r.status_code == 200, r.text
    assert r.json() == {"ready": True}
    caasd.seal(token)
    assert_error(caasd.get("/v1/sys/ready"), 503, "sealed")


# ---------------------------------------------------------------------- metrics

def scrape(server):
    r = server.get("/v1/sys/metrics")
    assert r.status_code == 200, r.text
    ctype = r.headers.get("Content-Type", "")
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype, ctype
    return parse_metrics(r.text)


def test_metrics_series_and_counts(caasd):
    health = dict(method="GET", route="/v1/sys/health", status="200")
    before = scrape(caasd)
    for name in ("caas_http_received_bytes_total", "caas_http_sent_bytes_total",
                 "caas_http_open_connections", "caas_sealed", "caas_initialized"):
        assert metric_exists(before, name), f"{name} is missing"
    assert metric_sum(before, "caas_sealed") == 1
    assert metric_sum(before, "caas_initialized") == 0
    assert metric_sum(before, "caas_http_open_connections") >= 1
    count0 = metric_sum(before, "caas_http_requests_total", **health)
    unmatched0 = metric_sum(before, "caas_http_requests_total", method="GET",
                            route="unmatched", status="404")

    for _ in range(3):
        caasd.health()
    assert caasd.get("/v1/no/such/route").status_code == 404

    after = scrape(caasd)
    assert metric_sum(after, "caas_http_requests_total", **health) == count0 + 3
    assert metric_sum(after, "caas_http_requests_total", method="GET", route="unmatched",
                      status="404") == unmatched0 + 1
    # The first scrape is counted too, under its own route.
    assert metric_sum(after, "caas_http_requests_total", method="GET",
                      route="/v1/sys/metrics", status="200") >= 1
    assert not any(l.get("route") == "/v1/no/such/route" for _, l, _ in after), \
        "an unknown path became a route label (unbounded cardinality)"

    route = {"route": "/v1/sys/health"}
    count = metric_sum(after, "caas_http_request_duration_seconds_count", **route)
    assert count >= 3
    inf = metric_sum(after, "caas_http_request_duration_seconds_bucket", le="+Inf", **route)
    assert inf == count, "the +Inf bucket differs from _count"
    assert metric_exists(after, "caas_http_request_duration_seconds_sum", **route)
    buckets = sorted((float(l["le"]), v) for n, l, v in after
                     if n == "caas_http_request_duration_seconds_bucket"
                     and l.get("route") == "/v1/sys/health")
    assert len(buckets) >= 2
    assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "buckets not cumulative"

    assert metric_sum(after, "caas_http_received_bytes_total") > \
        metric_sum(before, "caas_http_received_bytes_total")
    assert metric_sum(after, "caas_http_sent_bytes_total") > \
        metric_sum(before, "caas_http_sent_bytes_total")


def test_metrics_seal_state(caasd):
    shares, token = caasd.init(3, 2)
    samples = scrape(caasd)
    assert metric_sum(samples, "caas_initialized") == 1
    assert metric_sum(samples, "caas_sealed") == 1
    caasd.unseal_with(shares[:2])
    assert metric_sum(scrape(caasd), "caas_sealed") == 0
    caasd.seal(token)
    assert metric_sum(scrape(caasd), "caas_sealed") == 1


# ---------------------------------------------------------------------- X-Request-Id


def test_every_response_has_a_request_id(caasd):
    responses = [
        caasd.get("/v1/sys/health"),
        caasd.get("/v1/sys/metrics"),
        caasd.get("/v1/sys/ready"),
        caasd.get("/v1/nope"),
        caasd.get("/"),
        caasd.request("DELETE", "/v1/sys/health"),
        caasd.post("/v1/sys/init", data=b"{", headers={"Content-Type": "application/json"}),
        caasd.post("/v1/sys/init", data=b"{}", headers={"Content-Type": "text/plain"}),
        caasd.post("/v1/sys/seal"),
        caasd.post("/v1/sys/unseal", json={"share": "QUJD"}),
    ]
    shares, token = caasd.init(3, 2)
    responses.append(caasd.get("/v1/sys/audit", token=token))  # 503 sealed
    caasd.unseal_with(shares[:2])
    responses.append(caasd.post("/v1/sys/seal", token=token))  # 204
    ids = []
    for r in responses:
        rid = r.headers.get("X-Request-Id")
        assert rid, f"{r.request.method} {r.request.path_url} → {r.status_code}: no X-Request-Id"
        assert REQUEST_ID_RE.match(rid), f"generated X-Request-Id {rid!r} is not a valid id"
        ids.append(rid)
    assert len(set(ids)) == len(ids), f"request ids repeat: {ids}"


@pytest.mark.parametrize("rid", ["abc-123._X", "a", "Z" * 64, "0123456789"])
def test_valid_client_request_id_is_echoed(caasd, rid):
    for path in ("/v1/sys/health", "/v1/unknown"):
        r = caasd.get(path, headers={"X-Request-Id": rid})
        assert r.headers.get("X-Request-Id") == rid, (path, r.headers)


@pytest.mark.parametrize("rid", ["a" * 200, "a" * 65, "bad id", "semi;colon", "slash/x",
                                 "üñï"], ids=["200", "65", "space", "semicolon", "slash",
                                             "non-ascii"])
def test_invalid_client_request_id_is_replaced(caasd, rid):
    header = rid.encode("utf-8") if not rid.isascii() else rid
    r = caasd.get("/v1/sys/health", headers={"X-Request-Id": header})
    assert r.status_code == 200, r.text
    got = r.headers.get("X-Request-Id")
    assert got and got != rid, f"invalid id {rid!r} came back as {got!r}"
    assert REQUEST_ID_RE.match(got), got
