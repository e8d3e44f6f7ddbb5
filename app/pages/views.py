from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template

from app.db import get_session
from app.search import get_index

bp = Blueprint("pages", __name__)


@bp.route("/")
def start() -> str:
    return render_template("pages/start.html")


@bp.route("/accessibility")
def accessibility() -> str:
    return render_template("pages/accessibility.html")


@bp.route("/privacy")
def privacy() -> str:
    return render_template("pages/privacy.html")


def _database_ok() -> bool:
    try:
        get_session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("Health check: database unavailable")
        return False
    return True


def _search_ok() -> bool:
    """This node's index exists and opens (a node that has never been indexed cannot answer searches)."""
    index = get_index()
    try:
        if not index.exists():
            return False
        index.doc_count()
    except Exception:
        current_app.logger.exception("Health check: search index unavailable")
        return False
    return os.access(index.directory, os.R_OK | os.W_OK)


@bp.route("/healthz")
def healthz() -> Any:
    """Liveness and readiness for load balancers: 503 names the part that is down."""
    parts = {"database": _database_ok(), "search": _search_ok()}
    body = {"status": "ok" if all(parts.values()) else "unavailable"}
    body.update({name: "ok" if ok else "unavailable" for name, ok in parts.items()})
    response = jsonify(body)
    response.status_code = 200 if all(parts.values()) else 503
    response.headers["Cache-Control"] = "no-store"
    return response
