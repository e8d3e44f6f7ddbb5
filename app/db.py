"""Plain SQLAlchemy 2: one engine per app, one session per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, abort, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Constraint names are fixed so that migrations can refer to them on every
# database (SQLite batch mode needs names to drop or alter a constraint).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


T = TypeVar("T")


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` URLs that hosting platforms hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT (used by the test
    # suite and by nested transactions); the SQLAlchemy docs' recipe hands
    # BEGIN to SQLAlchemy instead. Foreign keys are off by default in SQLite.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # Readers do not block the writer (several processes share the file in development).
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A transaction that reads and then writes cannot wait for another writer
        # (SQLite refuses the lock upgrade at once), so anything that may write
        # takes the write lock up front and waits its turn; page views only read.
        connection.exec_driver_sql("BEGIN" if _read_only_request() else "BEGIN IMMEDIATE")


def _read_only_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """Return this app context's session, opening it on first use (closed at teardown)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["sessionmaker"]()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # closing rolls back anything left uncommitted


def lock_for_update(session: Session, obj: Any) -> None:
    """Hold ``obj``'s row until the commit and read it, and what hangs from it, afresh.

    Two requests changing one thing at once (a double click, two tabs, two API clients) then take turns:
    the second sees what the first committed, and is refused or builds on it, instead of overwriting it
    or failing on a unique constraint. SQLite has no row locks and needs none: a transaction that may
    write holds the whole database from its start (BEGIN IMMEDIATE, above)."""
    if session.get_bind().dialect.name == "sqlite":
        return
    session.expire(obj)  # relationships too: they load again, after the lock, when next used
    session.refresh(obj, with_for_update=True)


def get_or_404(session: Session, model: type[T], ident: Any) -> T:
    obj = session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


@dataclass
class Page:
    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, stmt: sa.Select[Any], page: int, per_page: int = 50) -> Page:
    """One page of a select; a page past the end is a 404."""
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if page < 1 or (page > 1 and (page - 1) * per_page >= total):
        abort(404)
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, page=page, per_page=per_page, total=total)
