"""The router (`caasd --list-routes`) and docs/openapi.yaml describe the same routes."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from conftest import REPO, run_caasd

OPENAPI = REPO / "docs" / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ROUTE_RE = re.compile(r"^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE) (/\S*)$")
REST_PARAM_RE = re.compile(r"\{(\w+)\+\}")


def router_routes():
    result = run_caasd(["--list-routes"])
    assert result.returncode == 0, f"--list-routes: exit {result.returncode}, {result.stderr}"
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, "--list-routes printed nothing"
    bad = [line for line in lines if not ROUTE_RE.match(line)]
    assert not bad, f"lines not of the form 'METHOD /path': {bad}"
    assert lines == sorted(lines), "--list-routes output is not sorted"
    assert len(set(lines)) == len(lines), "--list-routes repeats a route"
    # The router writes a parameter spanning several '/'-separated segments as "{name+}"
    # (file paths); OpenAPI path templates cannot express that, so openapi.yaml writes "{name}".
    return {(method, REST_PARAM_RE.sub(r"{\1}", path))
            for method, path in (line.split(" ", 1) for line in lines)}


def openapi_routes():
    if not OPENAPI.is_file():
        pytest.fail(f"{OPENAPI} does not exist", pytrace=False)
    try:
        import yaml
    except ImportError:
        pytest.fail("python3-yaml is not installed (apt-get install python3-yaml)",
                    pytrace=False)
    doc = yaml.safe_load(OPENAPI.read_text())
    assert isinstance(doc, dict), "openapi.yaml is not a mapping"
    assert str(doc.get("openapi", "")).startswith("3."), "not an OpenAPI 3 document"
    paths = doc.get("paths")
    assert isinstance(paths, dict) and paths, "openapi.yaml has no paths"
    # A server URL ending in a base path (e.g. /v1) applies to every path.
    base = ""
    servers = doc.get("servers") or []
    if servers and isinstance(servers[0], dict) and servers[0].get("url"):
        base = urlparse(servers[0]["url"]).path.rstrip("/")
    routes = set()
    for path, item in paths.items():
        assert isinstance(item, dict), f"{path}: not a path item"
        full = path if not base or path.startswith(base + "/") else base + path
        for method in item:
            if method.lower() in HTTP_METHODS:
                routes.add((method.upper(), full))
    return routes


def test_list_routes_includes_the_system_routes():
    routes = router_routes()
    expected = {("GET", "/v1/sys/health"), ("GET", "/v1/sys/ready"), ("POST", "/v1/sys/init"),
                ("POST", "/v1/sys/unseal"), ("POST", "/v1/sys/seal"),
                ("GET", "/v1/sys/metrics"), ("GET", "/v1/sys/audit"),
                ("GET", "/v1/sys/audit/verify")}
    missing = expected - routes
    assert not missing, f"--list-routes lacks {sorted(missing)}"


def test_openapi_matches_the_router():
    router = router_routes()
    documented = openapi_routes()
    undocumented = sorted(router - documented)
    unrouted = sorted(documented - router)
    message = []
    if undocumented:
        message.append("in the router but not in docs/openapi.yaml:\n  " +
                       "\n  ".join(f"{m} {p}" for m, p in undocumented))
    if unrouted:
        message.append("in docs/openapi.yaml but not in the router:\n  " +
                       "\n  ".join(f"{m} {p}" for m, p in unrouted))
    assert not message, "\n".join(message)
