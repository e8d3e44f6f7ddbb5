"""Error pages for people and JSON errors for the API: never a stack trace."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

HTML_PAGES = {400, 403, 404, 405, 410, 413, 429, 500, 503}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, code: str, message: str) -> Any:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def handle_http_error(error: HTTPException) -> Any:
    status = error.code or 500
    if wants_json():
        return _json_error(status, (error.name or "error").lower().replace(" ", "_"), error.description or "")
    template = f"errors/{status}.html" if status in HTML_PAGES else "errors/generic.html"
    response = render_template(template, error=error), status
    return response


def handle_csrf_error(error: CSRFError) -> Any:
    if wants_json():
        return _json_error(400, "csrf", "The request was missing its security token.")
    return render_template("errors/csrf.html", error=error), 400


def handle_unexpected_error(error: Exception) -> Any:
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    # Flask logs nothing for an error a handler answers: without this line a 500 leaves no trace.
    current_app.logger.error("Unexpected error answered with 500: %s", type(error).__name__, exc_info=error)
    wrapped = InternalServerError(original_exception=error)
    if wants_json():
        return _json_error(500, "internal_server_error", "Something went wrong on our side. Try again later.")
    return render_template("errors/500.html", error=wrapped), 500


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
