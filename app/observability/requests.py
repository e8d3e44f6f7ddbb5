"""One id per request, returned in X-Request-ID, and one log line and one metrics sample per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, current_app, g, request

from app.search.query_log import without_personal_data

HEADER = "X-Request-ID"
# An id a proxy or client sent is kept only if it is short and made of safe characters: it is written into
# every log line and echoed in a header, so it must not smuggle in markup, line breaks or an email address.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
NO_ENDPOINT = "none"  # the endpoint label of a URL that matched no route (bounded, unlike raw paths)
MAX_PATH_CHARS = 200
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Route arguments shown as they were sent; any other string argument (a reset or verification token,
# an invitation) is logged as its name only.
_SHOWN_CONVERTERS = frozenset({"int", "any"})
_SHOWN_ARGUMENTS = frozenset({"section", "slug", "filename", "file_format", "action"})
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

logger = logging.getLogger("cloudstore.request")


def accepted_request_id(value: str | None) -> str | None:
    """The incoming X-Request-ID if it is well formed (1 to 128 letters, digits, '.', '_', ':' or '-'), else None."""
    if value and _ACCEPTED_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def loggable_path() -> str:
    """The path without its query string; for a matched route, its rule with the secret arguments left as
    names (``/password/reset/<token>``), and an unmatched path with personal data removed."""
    rule = request.url_rule
    if rule is None:
        return "/".join(without_personal_data(part) for part in request.path.split("/"))[:MAX_PATH_CHARS]
    arguments = request.view_args or {}

    def shown(match: re.Match[str]) -> str:
        name, converter = match.group("name"), match.group("converter") or "default"
        if name in arguments and (converter in _SHOWN_CONVERTERS or name in _SHOWN_ARGUMENTS):
            return str(arguments[name])
        return f"<{name}>"

    return _RULE_ARGUMENT.sub(shown, rule.rule)[:MAX_PATH_CHARS]


def endpoint_label() -> str:
    return request.url_rule.endpoint if request.url_rule is not None else NO_ENDPOINT


def method_label() -> str:
    return request.method if request.method in METHODS else "other"


def start_request() -> None:
    g.request_id = accepted_request_id(request.headers.get(HEADER)) or new_request_id()
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    """Return the request id, count the request and write its log line."""
    if "request_id" not in g:  # a response made before start_request ran
        start_request()
    response.headers[HEADER] = g.request_id
    duration = time.perf_counter() - g.request_started
    endpoint, method, status = endpoint_label(), method_label(), response.status_code
    metrics = current_app.extensions.get("metrics")
    if metrics is not None:
        metrics.observe_request(endpoint=endpoint, method=method, status=status, seconds=duration)
    path = loggable_path()
    duration_ms = round(duration * 1000, 1)
    logger.log(
        logging.ERROR if status >= 500 else logging.INFO,
        "%s %s %s %.1f ms",
        method,
        path,
        status,
        duration_ms,
        extra={"method": method, "path": path, "endpoint": endpoint, "status": status, "duration_ms": duration_ms},
    )
    return response


def init_app(app: Flask) -> None:
    """Registered before every other hook: its before_request runs first and its after_request last,
    so the id is set for everything the request logs and the duration covers all of the request."""
    app.before_request(start_request)
    app.after_request(finish_request)
