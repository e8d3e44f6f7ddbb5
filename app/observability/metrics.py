"""Prometheus metrics at /metrics: requests and their latency per endpoint, search latency, and the search
outbox rows this node has still to apply.

Under gunicorn each worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR set (an empty directory,
wiped when gunicorn starts: see gunicorn.conf.py), every worker writes its counts there and a scrape,
whichever worker answers it, adds up all of them. Without it the counts are this process's alone, which
is right for the development server and the tests.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Request latency, from a static file to a slow unfiltered search on a large catalogue.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SEARCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0)
# A scrape must answer quickly even when the database is slow: the outbox query gives up after this.
OUTBOX_QUERY_TIMEOUT_MS = 2000

log = logging.getLogger(__name__)
# The *_created series (when each label set first appeared) double the output and no alert uses them.
disable_created_metrics()
bp = Blueprint("observability", __name__)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_ENV))


class Metrics:
    """The app's counters and histograms. Each app has its own set (tests start from zero); in
    multiprocess mode their values live in PROMETHEUS_MULTIPROC_DIR instead of this process."""

    def __init__(self) -> None:
        self.multiprocess = multiprocess_mode()
        registry = None if self.multiprocess else CollectorRegistry()
        self.registry = registry
        self.requests = Counter(
            "cloudstore_http_requests",
            "HTTP requests answered, by Flask endpoint (none: no route matched), method and status.",
            ["endpoint", "method", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "cloudstore_http_request_duration_seconds",
            "Time to answer an HTTP request, by Flask endpoint, from the first request hook to the response.",
            ["endpoint"],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self.search_seconds = Histogram(
            "cloudstore_search_duration_seconds",
            "Time one search takes for a request (catching this node's index up, the query, loading the rows "
            "shown), by operation: page (a page of results) or all (every result, to end a search).",
            ["operation"],
            buckets=SEARCH_BUCKETS,
            registry=registry,
        )

    def observe_request(self, *, endpoint: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint=endpoint, method=method, status=str(status)).inc()
        self.request_seconds.labels(endpoint=endpoint).observe(seconds)

    def scrape_registry(self, app: Flask) -> CollectorRegistry:
        """What one scrape reports: every process's counts in multiprocess mode, this one's otherwise, and
        the outbox as the database has it now."""
        registry = CollectorRegistry()
        if self.multiprocess:
            multiprocess.MultiProcessCollector(registry)
        else:
            for metric in (self.requests, self.request_seconds, self.search_seconds):
                registry.register(metric)
        registry.register(OutboxCollector(app))
        return registry


@contextmanager
def observe_search(operation: str) -> Iterator[None]:
    """Time a search made for the current request; a search that fails (no index) is not counted."""
    metrics: Metrics | None = current_app.extensions.get("metrics")
    started = time.perf_counter()
    yield
    if metrics is not None:
        metrics.search_seconds.labels(operation=operation).observe(time.perf_counter() - started)


class OutboxCollector:
    """Read at scrape time: how many search outbox rows this node's index has not applied yet, and how old
    the oldest of them is. If the database cannot answer, the scrape still does, with read_ok 0."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "cloudstore_search_outbox_waiting_rows",
                "Search outbox rows written to the database that this node's index has not applied yet.",
            ),
            GaugeMetricFamily(
                "cloudstore_search_outbox_oldest_waiting_age_seconds",
                "Age of the oldest search outbox row this node's index has not applied yet (0 when none wait).",
            ),
            GaugeMetricFamily(
                "cloudstore_search_outbox_read_ok",
                "1 if the outbox could be read for this scrape, 0 if the database did not answer (see /healthz).",
            ),
        )

    def describe(self) -> list[Metric]:
        return list(self._families())

    def collect(self) -> list[Metric]:
        waiting, oldest_age, read_ok = self._families()
        try:
            count, age = self.read()
        except SQLAlchemyError as error:
            log.warning("Metrics: the search outbox could not be read: %s", getattr(error, "orig", None) or error)
            read_ok.add_metric([], 0)
            return [read_ok]
        waiting.add_metric([], count)
        oldest_age.add_metric([], age)
        read_ok.add_metric([], 1)
        return [waiting, oldest_age, read_ok]

    def read(self) -> tuple[int, float]:
        from app.search import get_index
        from app.search.models import SearchOutboxRow
        from app.timeutil import utcnow

        position = get_index(self.app).read_position()
        waiting = SearchOutboxRow.id > position.applied
        if position.gaps:
            waiting = sa.or_(waiting, SearchOutboxRow.id.in_(list(position.gaps)))
        with self.app.extensions["sessionmaker"]() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(sa.text(f"SET LOCAL statement_timeout = {OUTBOX_QUERY_TIMEOUT_MS}"))
            count, oldest = session.execute(
                sa.select(sa.func.count(SearchOutboxRow.id), sa.func.min(SearchOutboxRow.created_at)).where(waiting)
            ).one()
        age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0
        return int(count), age


def _authorised() -> bool:
    """Open in development and tests while METRICS_TOKEN is unset; with it set, only with
    ``Authorization: Bearer <METRICS_TOKEN>``; in production without it, not served at all (404)."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        if current_app.config.get("ENV_NAME") == "production":
            abort(404)
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@bp.route("/metrics")
def metrics() -> Any:
    """Prometheus text format, for a scraper."""
    if not _authorised():
        response = Response("A valid bearer token is needed to read the metrics.\n", 401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    app_metrics: Metrics = current_app.extensions["metrics"]
    body = generate_latest(app_metrics.scrape_registry(current_app._get_current_object()))  # type: ignore[attr-defined]
    response = Response(body, 200)
    response.headers["Content-Type"] = CONTENT_TYPE_PLAIN_0_0_4
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.extensions["metrics"] = Metrics()
    app.register_blueprint(bp)
