"""Issue 9: limits, abuse, least privilege and database faults, on the real service and cluster.

One guarded instance with small limits (so each limit is reached in a few requests) covers the
request guards; the database-fault test stops and restarts the project's own cluster."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter

import httpx
import psycopg
import pytest

from conftest import assert_problem
from etl import cluster
from etl.load import LOCK_ID
from geodata.settings import api_url
from servers import Server

INSIDE = (21.0288, 105.8522)  # Phường Hoàn Kiếm: answered from the in-memory index
LIMITS = {
    "VNGEO_RATE_PER_MINUTE": "6",
    "VNGEO_RATE_BURST": "3",
    "VNGEO_EXPENSIVE_CONCURRENCY": "1",
    "VNGEO_BODY_TIMEOUT_S": "4",
    "VNGEO_MAX_BATCH_BODY_BYTES": "100000",
    "VNGEO_MAX_BODY_BYTES": "1000",
    "VNGEO_MAX_QUERY_CHARS": "500",
    "VNGEO_CORS_ORIGINS": "https://maps.example.org",
    "VNGEO_ADMIN_TOKEN": "s3cret-admin-token",
    "VNGEO_TILES_RATE_PER_MINUTE": "12",
    "VNGEO_TILE_CACHE": "false",
    "VNGEO_TRUST_FORWARDED_FOR": "true",
}


def client(n: int) -> dict:
    """A client of its own (rate limits are per client, keyed on X-Forwarded-For here): a test's
    buckets start full whatever the tests before it spent (a POST /v1/convert and a batch lookup
    draw on the same "batch" bucket)."""
    return {"X-Forwarded-For": f"198.51.100.{n}"}


@pytest.fixture(scope="module")
def guarded(db_url, tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("guarded") / "server.log", LIMITS)
    yield server
    server.stop()


def test_query_string_and_page_and_search_caps(guarded):
    r = httpx.get(f"{guarded.base}/v1/search", params={"q": "a" * 600})
    assert_problem(r, 414, "limited to 500")
    assert_problem(httpx.get(f"{guarded.base}/v1/units", params={"limit": 5001}), 422, "limit")
    assert_problem(httpx.get(f"{guarded.base}/v1/search", params={"q": "x" * 101}), 422, "q")


def test_body_caps_declared_and_chunked(guarded):
    big = b'{"points": [' + b"[105.85, 21.02]," * 8000 + b"[105.85, 21.02]]}"
    body = assert_problem(
        httpx.post(f"{guarded.base}/v1/lookup", content=big, headers={"content-type": "application/json"}),
        413,
        "100,000 bytes",
    )
    assert body["limit"] == 100_000

    def chunks():  # no Content-Length: cut off while reading
        for _ in range(20):
            yield b" " * 10_000

    r = httpx.post(f"{guarded.base}/v1/convert", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(r, 413, "over the limit")
    # Other endpoints take no large bodies at all.
    assert_problem(httpx.request("GET", f"{guarded.base}/v1/units/00070", content=b"x" * 2000), 413)


def test_rate_limit_on_batch_lookup(guarded):
    url, body = f"{guarded.base}/v1/lookup", {"points": [[105.8522, 21.0288]]}
    statuses = [httpx.post(url, json=body, headers=client(1)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]  # the burst
    r = httpx.post(url, json=body, headers=client(1))
    problem = assert_problem(r, 429, "rate limit")
    assert 1 <= int(r.headers["retry-after"]) <= 10 and problem["limit"] == "batch"
    # Cheap requests are not limited.
    assert all(
        httpx.get(f"{guarded.base}/v1/lookup", params={"lat": INSIDE[0], "lon": INSIDE[1]}).status_code == 200
        for _ in range(20)
    )


def test_rate_limit_on_cold_tiles(guarded):
    url = f"{guarded.base}/v1/tiles/communes/10/813/454.mvt"  # the tile cache is off: every tile is cold
    assert [httpx.get(url).status_code for _ in range(2)] == [200, 200]
    r = httpx.get(url)
    assert_problem(r, 429, "tiles")
    assert int(r.headers["retry-after"]) >= 1


def _slow_post(base: str, path: str, stop: threading.Event) -> bytes:
    """A client that announces 100 bytes and sends one every 0.5 s."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as s:
        s.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"X-Forwarded-For: {client(2)['X-Forwarded-For']}\r\n"
            f"Content-Length: 100\r\n\r\n".encode()
        )
        s.settimeout(0.5)
        out = b""
        while not stop.is_set():
            try:
                s.sendall(b" ")
                out += s.recv(65536)
                if b"\r\n\r\n" in out:
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        return out


def test_slow_client_cannot_hold_a_worker(guarded):
    stop, result = threading.Event(), {}
    t0 = time.monotonic()
    t = threading.Thread(target=lambda: result.setdefault("r", _slow_post(guarded.base, "/v1/convert", stop)))
    t.start()
    # While it dribbles: the expensive slot is taken (as soon as its headers are in; polled, not
    # slept: a busy machine may take long to get there), and the (only) worker answers others at once.
    deadline = time.monotonic() + 10
    while (
        r := httpx.get(f"{guarded.base}/v1/units", params={"geometry": "full", "limit": 1}, headers=client(3))
    ).status_code == 200:
        assert time.monotonic() < deadline, "the slow client never took the expensive slot"
        time.sleep(0.05)
    assert_problem(r, 429, "busy")
    assert r.headers["retry-after"] == "1"
    for i in range(3):
        s0 = time.monotonic()
        assert httpx.get(f"{guarded.base}/v1/lookup", params={"lat": INSIDE[0], "lon": INSIDE[1]}).status_code == 200
        # Not held until the slow body times out (4 s): answered while the slow client still sends
        # (a busy machine made a fixed 1 s bound fail at 1.5 s; what matters is not being held).
        assert time.monotonic() - s0 < 3.0
        assert i or t.is_alive(), "the lookup was answered only after the slow client was cut off"
    t.join(15)
    stop.set()
    elapsed = time.monotonic() - t0
    assert result["r"].startswith(b"HTTP/1.1 408"), result["r"][:200]
    assert 4 <= elapsed < 9, elapsed
    # The slot is free again.
    assert (
        httpx.get(f"{guarded.base}/v1/units", params={"geometry": "full", "limit": 1}, headers=client(4)).status_code
        == 200
    )


def test_security_headers_and_cors(guarded):
    r = httpx.get(f"{guarded.base}/v1/units/00070")
    for h in ("x-content-type-options", "x-frame-options", "referrer-policy"):
        assert h in r.headers
    assert "access-control-allow-origin" not in r.headers
    page = httpx.get(f"{guarded.base}/docs")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    ok = httpx.get(f"{guarded.base}/v1/units/00070", headers={"origin": "https://maps.example.org"})
    assert ok.headers["access-control-allow-origin"] == "https://maps.example.org"
    other = httpx.get(f"{guarded.base}/v1/units/00070", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    # Errors from the guards carry the headers too.
    assert httpx.get(f"{guarded.base}/v1/search", params={"q": "a" * 600}).headers["x-frame-options"] == "DENY"


def test_admin_needs_the_token(guarded, server):
    url = f"{guarded.base}/v1/admin/refresh"
    assert_problem(httpx.post(url), 401)
    assert_problem(httpx.post(url, headers={"authorization": "Bearer wrong"}), 401)
    r = httpx.post(url, headers={"authorization": "Bearer s3cret-admin-token"})
    assert r.status_code == 200 and r.json()["version"]
    assert (
        httpx.post(f"{server}/v1/admin/refresh", headers={"authorization": "Bearer s3cret-admin-token"}).status_code
        == 404
    )  # off by default
    assert "/v1/admin/refresh" not in httpx.get(f"{guarded.base}/openapi.json").text


def test_api_role_cannot_write(settings, db_url):
    api = api_url(settings)
    assert psycopg.conninfo.conninfo_to_dict(api)["user"] != psycopg.conninfo.conninfo_to_dict(db_url)["user"]
    with psycopg.connect(api, autocommit=True) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert role == (False, False, False, False)
        for sql in (
            "UPDATE geo.units SET name = 'x' WHERE code = '00070'",
            "CREATE TABLE geo.x (i int)",
            "DELETE FROM geo.dataset",
        ):
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute(sql)
        conn.execute("SET default_transaction_read_only = off")  # even if it asks: no privilege
        for sql in ("UPDATE geo.units SET name = 'x' WHERE code = '00070'", "DELETE FROM geo.dataset"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)


INJECTIONS = [
    "x' OR '1'='1",
    "00070'; DROP TABLE geo.units; --",
    "1) UNION SELECT usename FROM pg_user --",
    "%(as_of)s",
    "%s%s%s",
    "\\x00",
    "$$;$$",
]


def _example(param: dict):
    schema = param.get("schema", {})
    for s in (schema, *schema.get("anyOf", ())):
        if s.get("format") == "date":
            return "2025-07-01"
    if param.get("examples"):
        return (
            param["examples"][0]
            if isinstance(param["examples"], list)
            else next(iter(param["examples"].values()))["value"]
        )
    return (schema.get("enum") or [None])[0] or schema.get("default") or "01"


def test_injection_probes_on_every_string_parameter(guarded, db_url):
    """SQL fragments in every string parameter of every GET operation of the OpenAPI document: never a
    5xx (values are bound, never spliced), and the data is untouched (the role is read-only anyway)."""
    doc = httpx.get(f"{guarded.base}/openapi.json").json()
    probes, statuses = 0, Counter()
    with httpx.Client(base_url=guarded.base, timeout=60) as c:
        for path, item in doc["paths"].items():
            op = item.get("get")
            if not op:
                continue
            params = op.get("parameters", [])
            base = {p["name"]: _example(p) for p in params if p.get("required")}
            for p in params:
                if p["in"] not in ("query", "path") or "string" not in str(p.get("schema")):
                    continue
                for value in INJECTIONS:
                    values = {**base, p["name"]: value}
                    url = path.format(
                        **{
                            k: httpx.URL(path="/" + str(v)).raw_path.decode()[1:].replace("/", "%2F")
                            for k, v in values.items()
                            if "{" + k + "}" in path
                        }
                    )
                    query = {k: v for k, v in values.items() if "{" + k + "}" not in path}
                    r = c.get(url, params=query)
                    probes += 1
                    statuses[r.status_code] += 1
                    assert r.status_code < 500, (path, p["name"], value, r.text[:300])
    print(f"\ninjection probes: {probes}, statuses {dict(statuses)}")
    assert probes > 100
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM geo.units WHERE valid @> DATE '2026-10-01'").fetchone()[0] == 3355


# --- the database stops while requests run -------------------------------------------------------


@pytest.fixture
def cluster_restored(settings):
    """Stop the cluster only between loads, and start it again whatever happens."""
    if settings.database_url:
        pytest.skip("DATABASE_URL: not the project's own cluster")
    yield
    if not cluster.is_running(settings):
        cluster.start(settings)


def _wait_no_load(url: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_ID,)).fetchone()[0]:
            assert time.monotonic() < deadline, "a load held the lock too long"
            time.sleep(2)
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))


def test_database_stop_answers_503_and_recovers(settings, db_url, cluster_restored, tmp_path):
    server = Server(tmp_path / "server.log", {"VNGEO_RATE_PER_MINUTE": "0"}, workers=2)
    workers_before = server.workers()
    seen, stop = [], threading.Event()
    paths = ["/healthz", "/v1/units/00070", f"/v1/lookup?lat={INSIDE[0]}&lon={INSIDE[1]}"]

    def client(path):
        with httpx.Client(base_url=server.base, timeout=20) as c:
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    r = c.get(path)
                    seen.append(
                        (
                            time.monotonic(),
                            path,
                            r.status_code,
                            time.monotonic() - t0,
                            r.headers.get("retry-after"),
                            r.headers.get("content-type", ""),
                        )
                    )
                except httpx.HTTPError as exc:
                    seen.append((time.monotonic(), path, type(exc).__name__, time.monotonic() - t0, None, ""))
                time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(p,)) for p in paths for _ in range(2)]
    try:
        _wait_no_load(db_url)
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60  # every client answered once: the service is serving
        while {p for _, p, st, *_ in seen if st == 200} != set(paths):
            assert time.monotonic() < deadline, f"not all paths answered 200 before the stop: {seen[-5:]}"
            time.sleep(0.05)
        cluster.stop(settings)
        t_stop = time.monotonic()
        time.sleep(8)  # the outage itself (not a wait for readiness): long enough for several 503s
        t_start = time.monotonic()
        cluster.start(settings)
        t_up = time.monotonic()
        recovered = {}
        while len(recovered) < 2 and time.monotonic() - t_up < 30:
            for t_, path, status, *_ in seen[-40:]:
                if t_ > t_up and status == 200 and path != paths[2]:
                    recovered.setdefault(path, t_ - t_up)
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            if t.is_alive():
                t.join(30)
        workers_after = server.workers()
        server.stop()
    down = [s for s in seen if t_stop + 2.5 < s[0] < t_start]  # answered, not started, while down
    by = Counter((p, st) for _, p, st, *_ in down)
    print(
        f"\ndb down {t_start - t_stop:.1f} s: {dict(by)}; slowest answer {max(s[3] for s in seen):.2f} s; "
        f"back after start took {t_up - t_start:.1f} s; recovered {recovered}"
    )
    failed = [(round(s[0] - t_stop, 1), s[1], s[2], round(s[3], 2)) for s in seen if not isinstance(s[2], int)]
    assert not failed, f"requests failed at the HTTP level (time after the stop, path, error, duration): {failed[:10]}"
    assert max(s[3] for s in seen) < 5, "a request hung"
    assert {st for _, st in by} <= {200, 503}
    db_down = [s for s in down if s[1] != paths[2]]
    assert db_down and all(s[2] == 503 and s[4] and s[5].startswith("application/problem+json") for s in db_down)
    assert {s[2] for s in down if s[1] == paths[2]} == {200}  # lookups inside communes need no database
    assert set(recovered) == {"/healthz", "/v1/units/00070"}, recovered
    assert max(recovered.values()) < 5
    assert len(workers_before) == 2 and workers_after == workers_before, "a worker died"


# --- the viewer's fallback layer on a busy server -------------------------------------------------


def test_viewer_layer_built_once_under_concurrent_cold_requests(db_url, tmp_path):
    """Concurrent cold requests for the whole-country layer wait for one build (they used to run it
    each, pass the statement timeout on a busy machine, and answer 503); another day of the same
    generation reuses the polygons and only queries that day's properties."""
    from concurrent.futures import ThreadPoolExecutor

    server = Server(tmp_path / "server.log", {"VNGEO_RATE_PER_MINUTE": "0"})
    url = f"{server.base}/viewer/communes.geojson"
    try:
        t0 = time.monotonic()
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: httpx.get(url, params={"as_of": "2026-09-25"}, timeout=300), range(6)))
        cold = time.monotonic() - t0
        assert [r.status_code for r in answers] == [200] * 6, [r.text[:200] for r in answers if r.status_code != 200]
        assert len({r.content for r in answers}) == 1
        t0 = time.monotonic()
        other = httpx.get(url, params={"as_of": "2026-10-01"}, timeout=300)
        warm = time.monotonic() - t0
        assert other.status_code == 200
        a, b = answers[0].json(), other.json()
        assert len(a["features"]) == len(b["features"]) == 3321
        assert [f["geometry"] for f in a["features"]] == [f["geometry"] for f in b["features"]]
        assert a["as_of"] == "2026-09-25" and b["as_of"] == "2026-10-01"
        # A 503 stays possible (database down, or a build past its limit): the document says what it means.
        doc = httpx.get(f"{server.base}/openapi.json").json()
        busy = doc["paths"]["/viewer/{level}.geojson"]["get"]["responses"]["503"]
        assert "built once per dataset" in busy["description"] and "Retry-After" in busy["headers"]
    finally:
        server.stop()
    print(f"\nviewer layer: 6 concurrent cold requests {cold:.1f} s; another day of the generation {warm:.1f} s")
