"""gunicorn settings for Cloudstore: ``gunicorn -c gunicorn.conf.py --workers 4 --bind 0.0.0.0:8000 wsgi:app``.

- gunicorn's own lines (workers starting, stopping, timing out) are written like the app's: one JSON
  object per line on standard error (LOG_FORMAT=text for readable lines), scrubbed the same way.
- Its access log stays off unless asked for (``--access-logfile -`` or a file): the app already writes
  one line per request, with the request id and the endpoint. When asked for, the lines are JSON too,
  with the method, the path without its query string, the status, the time and the request id.
- With PROMETHEUS_MULTIPROC_DIR set, every worker's metrics are added up at /metrics: the directory is
  emptied when gunicorn starts (counts from a previous run must not carry over) and a worker that exits
  is marked dead.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

wsgi_app = "wsgi:app"
# The app's id for each request is echoed in this header; the access log (when on) records it.
access_log_format = "%(m)s %(U)s %(s)s %(M)s %({x-request-id}o)s"

_FORMATTER = {"()": "app.observability.logs.make_formatter"}
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"cloudstore": _FORMATTER},
    "handlers": {
        "stderr": {"class": "app.observability.logs.StderrHandler", "formatter": "cloudstore"},
    },
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    """Empty the metrics directory, and turn the access log on if the command line asked for it."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    target = server.cfg.accesslog
    if target:
        from app.observability.logs import make_formatter, make_handler

        access = logging.getLogger("gunicorn.access")
        handler = make_handler(make_formatter()) if target == "-" else logging.FileHandler(target)
        handler.setFormatter(make_formatter())
        access.handlers = [handler]


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exits leaves its counts (they still count); its live gauges must go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
