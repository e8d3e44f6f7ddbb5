"""Security headers that depend on the environment: HSTS in production only.

Every other header, on every route, method and person, is checked by the access table
(test_url_access_table.py) and on the 429 pages by test_rate_limits.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import Connection
from sqlalchemy.orm import sessionmaker

from app import create_app
from config import ProductionConfig
from tests.integration.security_support import assert_security_headers

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def production_app(
    connection: Connection, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Flask:
    # Production refuses to start without these in the environment.
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test-only")
    monkeypatch.setenv("DATABASE_URL", database_url)

    class Config(ProductionConfig):
        INSTANCE_DIR = str(tmp_path / "instance")
        SEARCH_INDEX_DIR = str(tmp_path / "search-index")
        MAIL_OUTBOX_DIR = str(tmp_path / "outbox")
        EVIDENCE_DIR = str(tmp_path / "evidence")
        REDIS_URL = ""  # rate limits (on in production) count in memory here

    app = create_app(Config)
    app.extensions["sessionmaker"] = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    return app


PAGES = [("/", 200), ("/login", 200), ("/no-such-page", 404), ("/api/v1/nothing", 404)]


@pytest.mark.parametrize(("path", "status"), PAGES)
def test_production_tells_browsers_to_use_https_only(production_app: Flask, path: str, status: int) -> None:
    response = production_app.test_client().get(path, base_url="https://cloudstore.example")
    assert response.status_code == status
    assert response.headers.get("Strict-Transport-Security") == HSTS
    assert_security_headers(response, path)


def test_development_and_tests_send_no_hsts(app: Flask) -> None:
    # Over plain http on a laptop, HSTS would pin the browser to https for a year.
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
