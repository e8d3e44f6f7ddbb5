"""Several processes (gunicorn workers) publishing and applying the outbox at once lose nothing."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app import create_app
from app.catalogue import services as catalogue
from app.search import get_index
from app.search import services as search
from app.search.index import SearchQuery
from app.timeutil import today
from config import TestConfig
from tests.conftest import migrate
from tests.factories import complete_service_data, make_accredited_supplier, make_supplier_user

PER_WORKER = 12


def _config(tmp: Path) -> type[TestConfig]:
    class Config(TestConfig):
        DATABASE_URL = f"sqlite:///{tmp / 'shared.db'}"
        SEARCH_INDEX_DIR = str(tmp / "index")
        INSTANCE_DIR = str(tmp / "instance")
        EVIDENCE_DIR = str(tmp / "evidence")
        MAIL_OUTBOX_DIR = str(tmp / "outbox")
        SEARCH_WRITE_TIMEOUT = 0.2

    return Config


def _worker(tmp: str, organisation_id: int, name: str) -> None:
    app = create_app(_config(Path(tmp)))
    with app.app_context():
        session: Session = app.extensions["sessionmaker"]()
        from app.suppliers.models import Organisation

        organisation = session.get(Organisation, organisation_id)
        supplier = organisation.users[0]
        for number in range(PER_WORKER):
            service = catalogue.create_service(session, supplier, "cloud-software", complete_service_data(name=f"{name} listing {number}"))
            catalogue.publish_service(session, supplier, service, today=today())
            session.commit()
            # What the after-request hook does; a locked index leaves the rows for later.
            search.drain_quietly(session, get_index(app), today=today(), log=lambda message: None)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_two_processes_publishing_and_draining_at_once_lose_nothing(tmp_path: Path) -> None:
    engine = migrate(f"sqlite:///{tmp_path / 'shared.db'}")
    with sessionmaker(bind=engine)() as session:
        organisation = make_accredited_supplier(session, tmp_path / "evidence")
        make_supplier_user(session, organisation)
        session.commit()
        organisation_id = organisation.id
    engine.dispose()

    app = create_app(_config(tmp_path))
    index = get_index(app)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        search.reindex(session, index, today=today())
        session.close()

    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_worker, args=(str(tmp_path), organisation_id, name)) for name in ("Alpha", "Bravo")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0

    with app.app_context():
        session = app.extensions["sessionmaker"]()
        search.drain(session, index, today=today(), limit=None)  # whatever a locked moment left waiting
        assert search.verify(session, index, today=today()) == []
        for name in ("Alpha", "Bravo"):
            assert index.search(SearchQuery(q=f"{name} listing", per_page=100, today=today())).total == PER_WORKER
        session.close()
