"""Fixtures: schema built by the migrations once, each test in a rolled-back transaction.

Set TEST_DATABASE_URL (postgresql+psycopg://...) to run the suite on PostgreSQL;
otherwise it runs on a temporary SQLite file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app import create_app
from app.cli import alembic_config
from app.db import make_engine
from config import TestConfig


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))


def migrate(url: str) -> Engine:
    """Create an engine on an empty database and build the schema with the migrations."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        _reset_postgres(engine)
    with engine.begin() as conn:
        config = alembic_config(url)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return engine


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = migrate(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def app_config(database_url: str, outbox: Path, tmp_path: Path) -> type[TestConfig]:
    class Config(TestConfig):
        DATABASE_URL = database_url
        MAIL_OUTBOX_DIR = str(outbox)
        SEARCH_INDEX_DIR = str(tmp_path / "search-index")
        INSTANCE_DIR = str(tmp_path / "instance")
        EVIDENCE_DIR = str(tmp_path / "evidence")

    return Config


@pytest.fixture
def app(connection: Connection, app_config: type[TestConfig]) -> Flask:
    app = create_app(app_config)
    # Views and services may commit: inside the test's transaction those are savepoints.
    app.extensions["sessionmaker"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return app


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    session = app.extensions["sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Mailbox:
    """The .eml files the app wrote, read as a person reads their inbox."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def messages(self) -> list:  # type: ignore[type-arg]
        if not self.directory.exists():
            return []
        return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(self.directory.glob("*.eml"))]

    def for_address(self, address: str) -> list:  # type: ignore[type-arg]
        return [m for m in self.messages() if m["To"] == address]

    def last_link(self, address: str) -> str:
        messages = self.for_address(address)
        assert messages, f"no email was sent to {address}"
        body = messages[-1].get_content()
        match = re.search(r"https?://\S+", body)
        assert match, f"no link in the email to {address}"
        return match.group(0)


@pytest.fixture
def mailbox(outbox: Path) -> Mailbox:
    return Mailbox(outbox)
