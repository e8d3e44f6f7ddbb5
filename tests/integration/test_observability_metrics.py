"""/metrics: request counts and latency per endpoint, search latency, the search outbox, who may read them, and
counts added up across gunicorn workers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from app import create_app
from app.search import get_index
from app.search.models import SearchOutboxRow
from app.search.whoosh_index import Position
from app.timeutil import utcnow
from config import ProductionConfig, TestConfig

ROOT = Path(__file__).resolve().parents[2]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: FlaskClient, **kwargs: object) -> Samples:
    response = client.get("/metrics", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(response.get_data(as_text=True))


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_requests_are_counted_by_endpoint_method_and_status_with_latency_buckets(client: FlaskClient) -> None:
    client.get("/")
    client.get("/")
    client.get("/privacy")
    client.post("/login", data={})
    client.get("/no/such/page/12345")
    client.get("/services/99999999")

    samples = scrape(client)
    requests = "cloudstore_http_requests_total"
    assert value(samples, requests, endpoint="pages.start", method="GET", status="200") == 2
    assert value(samples, requests, endpoint="pages.privacy", method="GET", status="200") == 1
    assert value(samples, requests, endpoint="auth.login", method="POST", status="400") == 1
    assert value(samples, requests, endpoint="none", method="GET", status="404") == 1
    assert value(samples, requests, endpoint="service_pages.service", method="GET", status="404") == 1
    # Endpoints, never raw paths: a million different URLs make no new series.
    assert not [labels for (_, labels) in samples if any("/" in v for _, v in labels)]

    duration = "cloudstore_http_request_duration_seconds"
    assert value(samples, duration + "_count", endpoint="pages.start") == 2
    buckets = sorted(
        (float(dict(labels)["le"]), count)
        for (name, labels), count in samples.items()
        if name == duration + "_bucket" and dict(labels)["endpoint"] == "pages.start"
    )
    assert len(buckets) >= 10 and buckets[-1] == (float("inf"), 2)
    assert [count for _, count in buckets] == sorted(count for _, count in buckets)
    assert 0 < value(samples, duration + "_sum", endpoint="pages.start") < 60  # type: ignore[operator]


def test_a_search_moves_the_search_latency_histogram_and_a_failed_one_does_not(app: Flask, client: FlaskClient) -> None:
    assert client.get("/services?q=hosting").status_code == 503  # no index yet: not a search that ran
    assert value(scrape(client), "cloudstore_search_duration_seconds_count", operation="page") is None

    get_index(app).ensure()
    assert client.get("/services?q=hosting").status_code == 200
    assert client.get("/api/v1/services?q=hosting").status_code == 200
    samples = scrape(client)
    assert value(samples, "cloudstore_search_duration_seconds_count", operation="page") == 2
    assert value(samples, "cloudstore_search_duration_seconds_bucket", operation="page", le="+Inf") == 2


def test_outbox_gauges_count_the_rows_this_node_has_not_applied_and_the_oldest_ones_age(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    now = utcnow()
    older = SearchOutboxRow(service_id=1, reason="test", created_at=now - timedelta(seconds=600))
    newer = SearchOutboxRow(service_id=2, reason="test", created_at=now - timedelta(seconds=90))
    session.add_all([older, newer])
    session.commit()
    waiting = session.scalar(sa.select(sa.func.count(SearchOutboxRow.id)))

    samples = scrape(client)
    assert value(samples, "cloudstore_search_outbox_read_ok") == 1
    assert value(samples, "cloudstore_search_outbox_waiting_rows") == waiting == 2
    assert 600 <= value(samples, "cloudstore_search_outbox_oldest_waiting_age_seconds") < 630  # type: ignore[operator]

    # This node's index has applied everything up to the older row.
    index = get_index(app)
    index.ensure()
    index.apply([], position=Position(applied=older.id))
    samples = scrape(client)
    assert value(samples, "cloudstore_search_outbox_waiting_rows") == 1
    assert 90 <= value(samples, "cloudstore_search_outbox_oldest_waiting_age_seconds") < 120  # type: ignore[operator]

    index.apply([], position=Position(applied=newer.id))
    samples = scrape(client)
    assert value(samples, "cloudstore_search_outbox_waiting_rows") == 0
    assert value(samples, "cloudstore_search_outbox_oldest_waiting_age_seconds") == 0


def test_the_scrape_still_answers_when_the_database_is_down(app: Flask, client: FlaskClient) -> None:
    client.get("/")
    app.extensions["sessionmaker"] = sessionmaker(bind=sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    samples = scrape(client)
    assert value(samples, "cloudstore_search_outbox_read_ok") == 0
    assert value(samples, "cloudstore_search_outbox_waiting_rows") is None
    assert value(samples, "cloudstore_http_requests_total", endpoint="pages.start", method="GET", status="200") == 1


def test_with_a_metrics_token_only_its_bearer_may_read(app_config: type[TestConfig]) -> None:
    class Guarded(app_config):  # type: ignore[valid-type,misc]
        METRICS_TOKEN = "scrape-token-0d9e8f7a6b5c"

    client = create_app(Guarded).test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"cloudstore_" not in refused.data
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Basic scrape-token-0d9e8f7a6b5c"}).status_code == 401
    scrape(client, headers={"Authorization": "Bearer scrape-token-0d9e8f7a6b5c"})


def test_production_serves_metrics_only_with_a_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SECRET_KEY", "production-secret-key-for-tests")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")

    class Production(ProductionConfig):
        INSTANCE_DIR = str(tmp_path / "instance")
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    assert create_app(Production).test_client().get("/metrics").status_code == 404

    class ProductionWithToken(Production):
        METRICS_TOKEN = "scrape-token-0d9e8f7a6b5c"

    client = create_app(ProductionWithToken).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-token-0d9e8f7a6b5c"}).status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Connection": "close", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback only)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_under_gunicorn_every_workers_counts_add_up_and_every_line_is_json(tmp_path: Path) -> None:
    """Two workers with PROMETHEUS_MULTIPROC_DIR: whichever answers the scrape reports the requests of both."""
    port = _free_port()
    env = {
        **os.environ,
        "CLOUDSTORE_ENV": "test",
        "TEST_DATABASE_URL": "sqlite://",
        "CLOUDSTORE_INSTANCE_DIR": str(tmp_path / "instance"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "LOG_FORMAT": "json",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    stderr = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/healthz")  # 503 (no index, no tables) is an answer too
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "gunicorn.log").read_text()) from None
                time.sleep(0.1)

        def request_lines() -> list[dict[str, object]]:
            lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()]
            return [line for line in lines if line["logger"] == "cloudstore.request" and line["path"] == "/"]

        sent = 0
        # Keep asking until both workers have answered (connections are shared out by the kernel).
        while sent < 200 and (sent < 10 or len({line["pid"] for line in request_lines()}) < 2):
            _get(base + "/", **{"X-Request-ID": f"gunicorn-test-{sent}"})
            sent += 1
        assert len({line["pid"] for line in request_lines()}) == 2

        status, text = _get(base + "/metrics")
        assert status == 200
        samples = parse(text)
        start = {"endpoint": "pages.start", "method": "GET", "status": "200"}
        assert value(samples, "cloudstore_http_requests_total", **start) == sent
        assert value(samples, "cloudstore_http_request_duration_seconds_count", endpoint="pages.start") == sent
    finally:
        server.send_signal(signal.SIGINT)  # a quick shutdown: SIGTERM waits for the graceful timeout
        server.wait(timeout=30)
        stderr.close()

    lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()]
    assert {"gunicorn.error", "cloudstore.request"} <= {line["logger"] for line in lines}
    assert {line["request_id"] for line in request_lines()} == {f"gunicorn-test-{n}" for n in range(sent)}
