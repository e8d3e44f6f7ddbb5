"""Log lines: one JSON object per line (or one readable line in development), each with the request id,
and never personal data or secrets.

Every line goes through one handler on the root logger, so the app's own loggers, the libraries'
(SQLAlchemy, Werkzeug, Whoosh) and gunicorn's (through gunicorn.conf.py) all come out the same way.
The formatter scrubs what it writes, whoever wrote it: email addresses (which also hides the password
of a database URL), bearer and API tokens, the tokens of reset, verification and invitation links, and
the values of the configured secrets. Request lines carry the path without its query string.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, g, has_request_context

from app.search.query_log import without_email_addresses

LOG_FORMATS = ("json", "text")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
NO_REQUEST = "-"  # the request_id of a line written outside any request (commands, start-up)
MAX_MESSAGE_CHARS = 4000
# Settings whose values must never be written, whatever message carries them.
SECRET_SETTINGS = ("SECRET_KEY", "METRICS_TOKEN", "MAIL_PASSWORD")
QUIET_LOGGERS = ("alembic.runtime.plugins",)

# Attributes every LogRecord has: anything else was passed in ``extra`` and becomes a field of its own.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}

_BEARER = re.compile(r"(?i)\b(bearer\s+|token\s*[:=]\s*)[A-Za-z0-9._~+/=-]{8,}")
_API_TOKEN = re.compile(r"\bcs_[A-Za-z0-9_-]{8,}")
# The secret part of the links Cloudstore emails: /password/reset/<token>, /verify-email/<token>, /invitations/<token>.
_LINK_TOKEN = re.compile(r"(/(?:password/reset|verify-email|invitations)/)(?!resend\b)[^\s/?#\"']+")
# The development server colours its lines for a terminal.
_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# SQLAlchemy appends a statement's parameters to its errors: they can hold anything a person typed.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\n|$)", re.DOTALL)


class Scrubber:
    """Removes personal data and secrets from text about to be logged."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Short values would blank out ordinary words; real secrets are long.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        text = _SQL_PARAMETERS.sub("[parameters: hidden]", text)
        text = _BEARER.sub(r"\1[token]", text)
        text = _API_TOKEN.sub("cs_[token]", text)
        text = _LINK_TOKEN.sub(r"\1[token]", text)
        return without_email_addresses(text)


def secrets_from(values: Mapping[str, Any]) -> list[str]:
    return [str(values.get(name) or "") for name in SECRET_SETTINGS]


def current_request_id() -> str:
    if has_request_context():
        return str(g.get("request_id", NO_REQUEST))
    return NO_REQUEST


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request it was written in ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class DevServerAccessFilter(logging.Filter):
    """Drops the development server's own access lines: they carry the query string and the client's
    address, and the app already writes one line per request."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "werkzeug" and isinstance(record.msg, str) and '"%s" %s %s' in record.msg)


def _iso_time(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _gunicorn_access_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields of one of gunicorn's own access lines (its ``atoms``): no query string, no client address."""
    atoms = record.args
    if record.name != "gunicorn.access" or not isinstance(atoms, Mapping):
        return {}
    fields: dict[str, Any] = {"method": atoms["m"], "path": atoms["U"], "duration_ms": atoms["M"]}
    try:
        fields["status"] = int(str(atoms["s"]))
    except ValueError:
        fields["status"] = atoms["s"]
    request_id = atoms["{x-request-id}o"]
    if request_id and request_id != "-":
        fields["request_id"] = request_id
    return fields


class _Formatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] | None = None) -> None:
        super().__init__()
        self.scrub = Scrubber(secrets_from(os.environ) if secrets is None else secrets)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The line's fields, each string scrubbed."""
        gunicorn_access = _gunicorn_access_fields(record)
        if gunicorn_access:
            message = f"{gunicorn_access['method']} {gunicorn_access['path']} {gunicorn_access['status']}"
        else:
            message = _ANSI_COLOUR.sub("", record.getMessage())
        fields: dict[str, Any] = {
            "time": _iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": message[:MAX_MESSAGE_CHARS],
            "request_id": getattr(record, "request_id", NO_REQUEST),
            "pid": record.process,  # which gunicorn worker
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                fields[key] = value if isinstance(value, (bool, int, float, type(None))) else str(value)
        fields.update(gunicorn_access)
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            fields["exception"] = record.exc_text
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return {key: self.scrub(value) if isinstance(value, str) else value for key, value in fields.items()}


class JsonFormatter(_Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id, and any fields
    the caller added (a request line's method, path, endpoint, status and duration_ms)."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.fields(record), ensure_ascii=False, default=str)


class TextFormatter(_Formatter):
    """One readable line, for a developer's terminal: time, level, logger, request id and message."""

    def format(self, record: logging.LogRecord) -> str:
        fields = self.fields(record)
        # A message is one line: a line break in it (a path can hold one) must not forge another line.
        message = _CONTROL.sub(lambda match: repr(match.group())[1:-1], fields["message"])
        line = f"{fields['time']} {fields['level']:<7} {fields['logger']} [{fields['request_id']}] {message}"
        if "exception" in fields:
            line += "\n" + fields["exception"]
        return line


def make_formatter(log_format: str | None = None, secrets: Iterable[str] | None = None) -> _Formatter:
    """The formatter for LOG_FORMAT (read from the environment when not given: gunicorn's own lines)."""
    log_format = (log_format or os.environ.get("LOG_FORMAT") or "json").strip().lower()
    if log_format not in LOG_FORMATS:
        raise RuntimeError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")
    return JsonFormatter(secrets) if log_format == "json" else TextFormatter(secrets)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when the line is written (test runners and CLI runners swap it)."""

    def __init__(self) -> None:
        super().__init__()
        self._cloudstore = True

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def make_handler(formatter: logging.Formatter) -> logging.Handler:
    handler = StderrHandler()
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(DevServerAccessFilter())
    return handler


def level_from(value: str) -> int:
    name = (value or "INFO").strip().upper()
    if name not in LEVELS:
        raise RuntimeError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, not {value!r}.")
    return int(getattr(logging, name))


def configure_logging(app: Flask) -> None:
    """Send every log line through one handler on the root logger, in LOG_FORMAT at LOG_LEVEL.

    Creating the app again (tests, the reloader) replaces Cloudstore's handler rather than adding another;
    handlers others put on the root logger (a test runner's capture) are left alone.
    """
    formatter = make_formatter(app.config.get("LOG_FORMAT", "json"), secrets_from(app.config))
    level = level_from(app.config.get("LOG_LEVEL", "INFO"))
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_cloudstore", False):
            root.removeHandler(handler)
    root.addHandler(make_handler(formatter))
    root.setLevel(level)
    # Libraries that say too much at INFO: Alembic announces each of its plugins when it is imported.
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    # Flask gives app.logger a handler of its own when none is found above it; ours is on the root.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    app.logger.setLevel(logging.NOTSET)
    app.logger.propagate = True
