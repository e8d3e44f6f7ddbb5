"""Two changes to one service at the same moment (two tabs, two API clients) follow one another: both
are kept, each as its own version, and neither fails. Runs on a database of its own, with real commits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.auth.models import User
from app.catalogue import services as catalogue
from app.catalogue.models import Service, ServiceVersion
from app.timeutil import today
from tests.conftest import migrate
from tests.factories import make_accredited_supplier, make_service, make_supplier_user
from tests.live import isolated_config, own_database_url

HOLD_SECONDS = 0.5  # how long the first change stays uncommitted while the second arrives


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[Flask, int, int]]:
    """An app on its own migrated database with one published service: (app, service id, supplier user id)."""
    database_url = own_database_url(tmp_path, "concurrency")
    migrate(database_url).dispose()
    app = create_app(isolated_config(tmp_path, database_url))
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        organisation = make_accredited_supplier(session, tmp_path / "evidence")
        user = make_supplier_user(session, organisation)
        service = make_service(session, organisation, evidence_dir=tmp_path / "evidence")
        session.commit()
        ids = (service.id, user.id)
        session.close()
    yield app, *ids
    app.extensions["engine"].dispose()


def change_at_once(app: Flask, service_id: int, user_id: int, first: Callable, second: Callable) -> list[BaseException]:
    """Run ``first`` and hold its transaction open while ``second`` runs in another thread; both commit."""
    failures: list[BaseException] = []
    first_has_changed = threading.Event()

    def run(change: Callable, hold: bool) -> None:
        with app.app_context():
            session = app.extensions["sessionmaker"]()
            try:
                change(session, session.get(User, user_id), session.get(Service, service_id))
                if hold:
                    first_has_changed.set()
                    threading.Event().wait(HOLD_SECONDS)
                session.commit()
            except BaseException as error:  # reported by the test, not lost in the thread
                failures.append(error)
                first_has_changed.set()
            finally:
                session.close()

    first_thread = threading.Thread(target=run, args=(first, True))
    first_thread.start()
    assert first_has_changed.wait(10)
    second_thread = threading.Thread(target=run, args=(second, False))
    second_thread.start()
    first_thread.join(20)
    second_thread.join(20)
    return failures


def test_two_edits_at_once_are_both_kept_as_successive_versions(shop: tuple[Flask, int, int]) -> None:
    app, service_id, user_id = shop
    failures = change_at_once(
        app, service_id, user_id,
        lambda session, user, service: catalogue.update_service(session, user, service, {"name": "Renamed in one tab"}, today=today()),
        lambda session, user, service: catalogue.update_service(session, user, service, {"summary": "Summary from another tab."}, today=today()),
    )
    assert failures == []
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        service = session.get(Service, service_id)
        assert service.version_number == 3
        assert service.data["name"] == "Renamed in one tab" and service.data["summary"] == "Summary from another tab."
        versions = session.scalars(sa.select(ServiceVersion).where(ServiceVersion.service_id == service_id).order_by(ServiceVersion.number)).all()
        assert [v.number for v in versions] == [1, 2, 3]
        assert versions[2].data["name"] == "Renamed in one tab"  # the later version builds on the earlier one
        session.close()


def test_a_withdrawal_during_an_edit_is_not_undone_by_it(shop: tuple[Flask, int, int]) -> None:
    app, service_id, user_id = shop
    failures = change_at_once(
        app, service_id, user_id,
        lambda session, user, service: catalogue.withdraw_service(session, user, service, "We no longer offer it"),
        lambda session, user, service: catalogue.update_service(session, user, service, {"name": "Too late"}, today=today()),
    )
    # The edit waits for the withdrawal and is then refused: a withdrawn service cannot be edited.
    assert len(failures) == 1 and "withdrawn" in str(failures[0]).lower()
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        service = session.get(Service, service_id)
        assert service.status == "withdrawn" and service.data["name"] != "Too late"
        session.close()
