"""The JSON API (/api/v1): public reads now; supplier writes with bearer tokens arrive with the catalogue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from app.db import get_session
from app.extensions import csrf
from app.suppliers.directory import get_visible_supplier_or_404
from app.suppliers.presenters import supplier_json
from app.timeutil import today

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # the API authenticates with bearer tokens, not cookies


@bp.get("/suppliers/<int:supplier_id>")
def supplier(supplier_id: int) -> Any:
    org = get_visible_supplier_or_404(get_session(), supplier_id)
    return jsonify(supplier_json(org, today()))
