"""Search: an index derived from the database, kept in step through the search outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, g

from app.search.whoosh_index import WhooshIndex

if TYPE_CHECKING:
    from app.catalogue.models import Service, ServiceVersion
    from app.search.index import SearchQuery
    from app.search.presenters import SearchResults


def get_index(app: Flask | None = None) -> WhooshIndex:
    index: WhooshIndex = (app or current_app).extensions["search_index"]
    return index


def search_now(query: SearchQuery, **urls: Any) -> SearchResults:
    """One page of results for this request, from this node's index caught up with the database
    (raises IndexUnavailable if the node has no index yet)."""
    from app.db import get_session
    from app.observability.metrics import observe_search
    from app.search.results import find_services
    from app.timeutil import today

    with observe_search("page"):
        return find_services(
            get_session(),
            get_index(),
            query,
            today=today(),
            make_session=current_app.extensions["sessionmaker"],
            log=current_app.logger.warning,
            **urls,
        )


def find_all_now(query: SearchQuery, *, limit: int) -> tuple[int, list[tuple[Service, ServiceVersion]]]:
    """Everything a search finds for this request when it finds at most ``limit`` (see results.find_all)."""
    from app.db import get_session
    from app.observability.metrics import observe_search
    from app.search.results import find_all
    from app.timeutil import today

    with observe_search("all"):
        return find_all(
            get_session(),
            get_index(),
            query,
            limit=limit,
            today=today(),
            make_session=current_app.extensions["sessionmaker"],
            log=current_app.logger.warning,
        )


def init_app(app: Flask) -> None:
    app.extensions["search_index"] = WhooshIndex(app.config["SEARCH_INDEX_DIR"], write_timeout=app.config["SEARCH_WRITE_TIMEOUT"])

    @app.after_request
    def apply_search_changes(response: Response) -> Response:
        """After a request that committed search outbox rows, apply them to this node's index
        (bounded), so the change is searchable at once; rows that cannot be applied wait."""
        from app.search.services import SESSION_FLAG, drain_quietly
        from app.timeutil import today

        session = g.get("db_session")
        if session is not None and session.info.pop(SESSION_FLAG, False):
            index = get_index()
            if index.exists():
                # The view has committed what it will commit: end the request's own
                # transaction first, or on SQLite the drain would wait for the write
                # lock this very request holds (a POST begins IMMEDIATE).
                session.close()
                # A fresh session sees only what was committed: rows of a transaction
                # that rolled back are never applied.
                with current_app.extensions["sessionmaker"]() as drain_session:
                    drain_quietly(drain_session, index, today=today(), limit=500, log=current_app.logger.warning)
        return response
