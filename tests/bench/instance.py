"""A throwaway Cloudstore instance for the benchmark: its own database, index and files in one directory.

``configure`` must run before ``config`` is imported anywhere, because the
configuration classes read the environment when they are defined.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def environment(directory: Path) -> dict[str, str]:
    """The variables that point every part of the app at ``directory``."""
    return {
        "CLOUDSTORE_ENV": "development",
        "CLOUDSTORE_INSTANCE_DIR": str(directory),
        "DATABASE_URL": f"sqlite:///{directory / 'cloudstore.db'}",
        "SEARCH_INDEX_DIR": str(directory / "search-index"),
        "MAIL_OUTBOX_DIR": str(directory / "outbox"),
        "EVIDENCE_DIR": str(directory / "evidence"),
        "SERVICE_DOCUMENTS_DIR": str(directory / "service-documents"),
    }


def configure(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.update(environment(directory))


def make_app() -> Any:
    from app import create_app

    return create_app()


def is_seeded(directory: Path) -> bool:
    return (directory / ".seeded").exists()


def migrate_and_seed(app: Any, directory: Path, services: int) -> dict[str, float]:
    """Build the schema with the migrations and seed the demo data with ``services`` listings."""
    from alembic import command

    from app.cli import alembic_config
    from app.db import get_session
    from seed.demo import seed_demo

    timings: dict[str, float] = {}
    with app.app_context():
        started = time.perf_counter()
        command.upgrade(alembic_config(), "head")
        timings["migrate"] = time.perf_counter() - started
        started = time.perf_counter()
        session = get_session()
        seed_demo(session, service_count=services)
        session.commit()
        timings["seed"] = time.perf_counter() - started
    (directory / ".seeded").write_text(str(services))
    return timings


def reindex(app: Any) -> tuple[int, float]:
    """A full rebuild of the index from the database, as ``flask search reindex`` does; (count, seconds)."""
    from app.db import get_session
    from app.search import get_index
    from app.search import services as search_services
    from app.timeutil import today

    with app.app_context():
        session = get_session()
        started = time.perf_counter()
        count = search_services.reindex(session, get_index(), today=today())
        seconds = time.perf_counter() - started
        search_services.drain(session, get_index(), today=today(), limit=None)
        session.commit()
    return count, seconds


if __name__ == "__main__":  # prepare an instance to reuse with BENCH_INSTANCE_DIR
    import sys

    target = Path(sys.argv[1]).resolve()
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    configure(target)
    flask_app = make_app()
    print(migrate_and_seed(flask_app, target, count))
    print(reindex(flask_app))
