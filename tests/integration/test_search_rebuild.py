"""A full rebuild reads the database its own quick way: it must index exactly what the outbox drain would."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from app.admin import services as admin_services
from app.auth.models import Role
from app.search import services as search
from app.timeutil import today
from tests.factories import make_accredited_supplier, make_service, make_user


def test_a_rebuild_reads_the_same_documents_as_the_drain(session: Session, tmp_path: Path) -> None:
    mutual = make_accredited_supplier(session, tmp_path, is_public_service_mutual=True)
    other = make_accredited_supplier(session, tmp_path)
    suspended = make_accredited_supplier(session, tmp_path)
    lapsed = make_accredited_supplier(session, tmp_path)
    visible = [make_service(session, mutual), make_service(session, other, lot="cloud-hosting"),
               make_service(session, mutual, lot="cloud-support"), make_service(session, other)]
    hidden = [make_service(session, mutual, status="draft"), make_service(session, other, status="withdrawn"),
              make_service(session, suspended), make_service(session, lapsed)]
    admin = make_user(session, Role.ADMIN)
    admin_services.suspend(session, admin, suspended.accreditation, "Investigating", today=today())
    lapsed.accreditation.expires_on = today() - timedelta(days=1)  # time has passed; no job has run yet
    session.flush()

    everything = [s.id for s in visible + hidden]
    one_by_one = search.documents_for(session, everything, today())
    # A batch smaller than the catalogue, so reading goes on from where each batch stopped.
    rebuilt = list(search.all_documents(session, today(), batch=2))

    assert [d.id for d in rebuilt] == sorted(s.id for s in visible)
    assert rebuilt == [one_by_one[d.id] for d in rebuilt]
    assert all(one_by_one[s.id] is None for s in hidden)
    assert {d.supplier_name for d in rebuilt} == {mutual.name, other.name}
    assert "mutual" in next(d for d in rebuilt if d.id == visible[0].id).org_types


def test_a_supplier_that_joins_while_a_rebuild_reads_is_indexed(session: Session, tmp_path: Path) -> None:
    first = make_service(session, make_accredited_supplier(session, tmp_path))
    reading = search.all_documents(session, today(), batch=1)
    assert next(reading).id == first.id
    newcomer = make_service(session, make_accredited_supplier(session, tmp_path))
    assert [d.id for d in reading] == [newcomer.id]
