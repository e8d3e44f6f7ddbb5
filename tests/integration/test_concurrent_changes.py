"""Two changes to one thing at the same moment (a double click, two tabs, two API clients) take turns: the
second sees what the first committed and builds on it or is refused with a message, never a 500 or a
duplicate. Runs on a database of its own, with real commits, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.admin import services as admin_services
from app.admin.accreditation import AccreditationStatus
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.buyers import services as projects
from app.buyers.models import Project, ShortlistItem
from app.catalogue import services as catalogue
from app.catalogue.models import Service, ServiceVersion
from app.contracts import services as contracts
from app.contracts.models import Contract
from app.dates import add_months
from app.exceptions import DomainError
from app.search.index import SearchQuery
from app.suppliers.models import Organisation
from app.timeutil import today
from tests.conftest import migrate
from tests.contract_factories import make_contract
from tests.factories import make_accredited_supplier, make_complete_supplier, make_service, make_supplier_user, make_user
from tests.live import isolated_config, own_database_url

BUYER = "buyer@example.gov.uk"
ADMIN = "admin@cloudstore.example"
HOLD_SECONDS = 0.5  # how long the first change stays uncommitted while the second arrives


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[Flask, int, int]]:
    """An app on its own migrated database with one published service: (app, service id, supplier user id)
    (and a buyer, ``buyer@example.gov.uk``)."""
    database_url = own_database_url(tmp_path, "concurrency")
    migrate(database_url).dispose()
    app = create_app(isolated_config(tmp_path, database_url))
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        organisation = make_accredited_supplier(session, tmp_path / "evidence")
        user = make_supplier_user(session, organisation)
        service = make_service(session, organisation, evidence_dir=tmp_path / "evidence")
        make_user(session, Role.BUYER, email=BUYER)
        session.commit()
        ids = (service.id, user.id)
        session.close()
    yield app, *ids
    app.extensions["engine"].dispose()


def change_at_once(app: Flask, service_id: int, user_id: int, first: Callable, second: Callable) -> list[BaseException]:
    """Run ``first`` and hold its transaction open while ``second`` runs in another thread; both commit.
    Each is called with a session of its own, the user and the service."""
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


def as_buyer(change: Callable) -> Callable:
    """``change(session, buyer, service)`` as the shop's buyer, whoever the user given is."""
    return lambda session, _user, service: change(session, session.scalar(sa.select(User).where(User.email == BUYER)), service)


def test_ending_a_search_twice_at_once_makes_one_shortlist(shop: tuple[Flask, int, int]) -> None:
    app, service_id, user_id = shop
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        buyer = session.scalar(sa.select(User).where(User.email == BUYER))
        project = projects.create_project(session, buyer, "Case management")
        projects.save_search(session, buyer, project, SearchQuery(q="case management"), "case management")
        session.commit()
        project_id = project.id
        session.close()

    def end(session, buyer, service):  # type: ignore[no-untyped-def]
        version = session.scalar(sa.select(ServiceVersion).where(ServiceVersion.service_id == service.id))
        project = session.get(Project, project_id)
        projects.end_search(session, buyer, project, total=1, found=[(service, version)], limit=30, confirmed=True)

    failures = change_at_once(app, service_id, user_id, as_buyer(end), as_buyer(end))
    assert len(failures) == 1 and isinstance(failures[0], projects.ProjectLocked)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        assert session.scalar(sa.select(sa.func.count()).select_from(ShortlistItem)) == 1
        session.close()


def test_ending_a_contract_at_its_break_twice_at_once_ends_it_once(shop: tuple[Flask, int, int]) -> None:
    app, service_id, user_id = shop
    begin = today() - timedelta(days=30)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        buyer = session.scalar(sa.select(User).where(User.email == BUYER))
        contract = make_contract(session, buyer=buyer, service=session.get(Service, service_id), start_date=begin)
        session.commit()
        contract_id, break_date = contract.id, add_months(begin, 12)
        session.close()

    def end_at_break(session, buyer, _service):  # type: ignore[no-untyped-def]
        contracts.exercise_break(session, buyer, session.get(Contract, contract_id), break_date, today=today())

    failures = change_at_once(app, service_id, user_id, as_buyer(end_at_break), as_buyer(end_at_break))
    assert len(failures) == 1 and isinstance(failures[0], DomainError)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        events = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "contract.break_exercised")).all()
        assert len(events) == 1
        assert session.get(Contract, contract_id).end_date == break_date
        session.close()


def test_two_admins_deciding_one_application_at_once_make_one_decision(shop: tuple[Flask, int, int], tmp_path: Path) -> None:
    app, service_id, user_id = shop
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        applicant = make_complete_supplier(session, tmp_path / "evidence", status=AccreditationStatus.SUBMITTED)
        make_user(session, Role.ADMIN, email=ADMIN)
        session.commit()
        organisation_id = applicant.id
        session.close()

    def decide(decision: Callable) -> Callable:
        def change(session, _user, _service):  # type: ignore[no-untyped-def]
            admin = session.scalar(sa.select(User).where(User.email == ADMIN))
            decision(session, admin, session.get(Organisation, organisation_id).accreditation)

        return change

    approve = decide(lambda session, admin, accreditation: admin_services.approve(
        session, admin, accreditation, months=12, mutual_min_share=app.config["MUTUAL_MIN_EMPLOYEE_SHARE"], today=today()))
    reject = decide(lambda session, admin, accreditation: admin_services.reject(session, admin, accreditation, "Incomplete", today=today()))
    failures = change_at_once(app, service_id, user_id, approve, reject)
    assert len(failures) == 1 and isinstance(failures[0], DomainError)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        assert session.get(Organisation, organisation_id).accreditation.status == AccreditationStatus.ACCREDITED
        decisions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.in_(["accreditation.approve", "accreditation.reject"]))).all()
        assert decisions == ["accreditation.approve"]
        session.close()
