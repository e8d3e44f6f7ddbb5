"""Observability: JSON log lines with a request id and no personal data, and Prometheus metrics."""

from __future__ import annotations

from flask import Flask

from app.observability import logs, metrics, requests


def init_app(app: Flask) -> None:
    """Logging first (so start-up lines are formatted), then the request hooks, before any other hook."""
    logs.configure_logging(app)
    metrics.init_app(app)
    requests.init_app(app)
