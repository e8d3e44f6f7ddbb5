"""The search log behind the admin statistics: one row per search made, and nothing about who made it.

A row holds the keywords (lower-cased, spaces collapsed), the lot, how many other
filters were chosen, how many services were found, whether it came from the search
page or the API, and the hour it was made. Never a user, an address, a session or a
browser: two people making the same search in the same hour leave identical rows.
Only page 1 of a search is logged, so the number of rows is the number of searches,
not of pages read. Rows older than SEARCH_LOG_RETENTION_DAYS are deleted by
``flask search prune``.

Logging must never cost a buyer their results: the row is written after the response
is built, in a short session of its own, and a database error is logged and dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.search.index import SearchQuery
from app.search.models import SearchQueryLog
from app.timeutil import utcnow

SOURCES = ("page", "api")
MAX_Q_CHARS = 200


@dataclass(frozen=True)
class LoggedSearch:
    """What the log keeps of one search."""

    searched_at: datetime  # naive UTC, to the hour
    q: str
    lot: str | None
    filter_count: int
    result_count: int
    source: str


# Someone may type their own email address or telephone number into the search box: those are never kept.
_EMAIL = re.compile(r"\S+@\S+")
_PHONE_OR_NUMBER = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def without_email_addresses(text: str) -> str:
    """The text with every email address replaced by a placeholder (the logs use this too)."""
    return _EMAIL.sub("[email]", text)


def without_personal_data(text: str) -> str:
    """The text with email addresses and telephone-like numbers (7 digits or more) replaced by placeholders."""
    return _PHONE_OR_NUMBER.sub("[number]", without_email_addresses(text))


def normalise_keywords(q: str) -> str:
    """The keywords as the statistics count them: "Case  Management " and "case management" are one search.
    Email addresses and telephone-like numbers (7 digits or more) are replaced by a placeholder."""
    return " ".join(without_personal_data(q).lower().split())[:MAX_Q_CHARS].rstrip()


def count_filters(query: SearchQuery) -> int:
    """How many filters a buyer chose besides the lot (which is logged on its own): one per category,
    organisation type and certification ticked, one each for data location, free trial and maximum price."""
    return (
        len(query.categories)
        + len(query.org_types)
        + len(query.certifications)
        + (query.data_location is not None)
        + query.free_trial
        + (query.price_max_pence is not None)
    )


def logged_search(query: SearchQuery, result_count: int, *, source: str, now: datetime) -> LoggedSearch | None:
    """The row to log for a search, or None for page 2 onwards (reading on is not a new search)."""
    if source not in SOURCES:
        raise ValueError(f"A search comes from one of {', '.join(SOURCES)}, not {source!r}.")
    if query.page != 1:
        return None
    return LoggedSearch(
        # To the hour: the statistics need the day, and a coarse time cannot be matched to a web server's log.
        searched_at=now.replace(minute=0, second=0, microsecond=0),
        q=normalise_keywords(query.q),
        lot=query.lot,
        filter_count=count_filters(query),
        result_count=result_count,
        source=source,
    )


def write(make_session: sessionmaker[Session], entry: LoggedSearch, *, log: Callable[..., None]) -> bool:
    """Write one row in a session of its own and commit it; on a database error, log it and return False."""
    try:
        with make_session() as session:
            # A plain INSERT as the transaction's first statement: on SQLite it waits for the write
            # lock (busy_timeout) like BEGIN IMMEDIATE would, instead of failing a read-to-write upgrade.
            session.execute(
                sa.insert(SearchQueryLog).values(
                    searched_at=entry.searched_at,
                    q=entry.q,
                    lot=entry.lot,
                    filter_count=entry.filter_count,
                    result_count=entry.result_count,
                    source=entry.source,
                )
            )
            session.commit()
    except SQLAlchemyError as error:
        # The driver's message ("database is locked"), without the statement and its parameters.
        log("The search was not logged for the statistics: %s", getattr(error, "orig", None) or error)
        return False
    return True


def prune(session: Session, *, older_than_days: int, now: datetime) -> int:
    """Delete logged searches older than the retention period; returns how many were deleted."""
    cutoff = now - timedelta(days=older_than_days)
    deleted = session.execute(sa.delete(SearchQueryLog).where(SearchQueryLog.searched_at < cutoff)).rowcount or 0
    session.flush()
    return deleted


def log_search(query: SearchQuery, result_count: int, *, source: str) -> None:
    """Log a search made by this request, if SEARCH_LOG_ENABLED; call it once the response is built.

    It ends the request's own transaction first (a search only read), so the request
    never writes: on SQLite its read does not sit under the log's write lock, and the
    row does not depend on what the request's session does afterwards.
    """
    if not current_app.config.get("SEARCH_LOG_ENABLED", True):
        return
    entry = logged_search(query, result_count, source=source, now=utcnow())
    if entry is None:
        return
    request_session = g.get("db_session")
    if request_session is not None:
        request_session.close()
    write(current_app.extensions["sessionmaker"], entry, log=current_app.logger.warning)
