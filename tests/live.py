"""Test apps of their own: settings that keep every file under one temporary directory, and the demo
site seeded and served over real HTTP on a free local port (browser tests, API fuzzing)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app
from app.search import get_index
from app.search import services as search_services
from app.timeutil import today
from config import TestConfig
from seed.demo import DEFAULT_SERVICES, seed_demo


def own_database_url(tmp: Path, purpose: str) -> str:
    """A database of the test's own: SQLite under ``tmp``, or on PostgreSQL (when the suite runs there)
    one named after the suite's with ``_<purpose>`` appended, so that its commits never meet the suite's
    rolled-back transactions. Migrating it (tests.conftest.migrate) empties it first."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp / f'{purpose}.db'}"
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{purpose}"
    engine = sa.create_engine(urlunsplit(parts._replace(path="/postgres")), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return urlunsplit(parts._replace(path="/" + name))


def isolated_config(base: Path, database_url: str, **settings: object) -> type[TestConfig]:
    """TestConfig on ``database_url`` with the outbox, index, instance and uploads under ``base``."""
    paths = {
        "DATABASE_URL": database_url,
        "MAIL_OUTBOX_DIR": str(base / "outbox"),
        "SEARCH_INDEX_DIR": str(base / "search-index"),
        "INSTANCE_DIR": str(base / "instance"),
        "EVIDENCE_DIR": str(base / "evidence"),
        "SERVICE_DOCUMENTS_DIR": str(base / "service-documents"),
    }
    return type("IsolatedConfig", (TestConfig,), {**paths, **settings})


@contextmanager
def serve_demo(config: type[TestConfig], *, name: str, service_count: int = DEFAULT_SERVICES) -> Iterator[tuple[Flask, str]]:
    """Seed the demo data into ``config``'s (migrated) database, build its index as ``make run`` does,
    and serve the app in a thread; yields the app and its base URL."""
    app = create_app(config)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        try:
            seed_demo(session, service_count=service_count)
            session.commit()
            search_services.reindex(session, get_index(app), today=today())
        finally:
            session.close()

    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        app.extensions["engine"].dispose()
