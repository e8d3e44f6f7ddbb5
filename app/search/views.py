"""The search page, /services: keywords, filters with counts, sorting and pages, all in one GET form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for

from app.search import search_now
from app.search.params import parse_search_args, search_args
from app.search.query_log import log_search
from app.search.results import IndexUnavailable

bp = Blueprint("search", __name__)


@bp.route("/services")
def index() -> Any:
    """Find services (journey 3); any query string gives a page, and a page after the last is a 404."""
    query = parse_search_args(request.args)
    try:
        results = search_now(
            query,
            base_url=url_for("search.index"),
            service_url=lambda service_id: url_for("service_pages.service", service_id=service_id),
            supplier_url=lambda supplier_id: url_for("supplier_directory.profile", supplier_id=supplier_id),
        )
    except IndexUnavailable as error:
        current_app.logger.error("Search is unavailable: %s", error)
        return render_template("search/unavailable.html"), 503
    if results.is_past_end:
        abort(404)
    args = search_args(results.query, page=1)
    save_url = url_for("buyers.save_search") + (f"?{urlencode(args)}" if args else "")
    page = render_template("search/index.html", results=results, query=results.query, save_url=save_url)
    log_search(results.query, results.total, source="page")
    return page
