"""The index never loses an update: outbox rows wait when the index cannot take them, nodes converge."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index

from app.admin import services as admin_services
from app.catalogue import services as catalogue
from app.search import get_index
from app.search import services as search
from app.search.index import IndexChange, SearchQuery
from app.search.models import SearchOutboxRow
from app.search.whoosh_index import IndexBusy, IndexUnavailable, WhooshIndex
from app.timeutil import today
from tests.factories import make_accredited_supplier, make_service, make_user


def found(index: WhooshIndex, service_id: int, on: date | None = None) -> bool:
    return service_id in {hit.id for hit in index.search(SearchQuery(per_page=1000, today=on or today())).hits}


@pytest.fixture
def index(app: Flask, session: Session) -> WhooshIndex:
    ix = get_index(app)
    search.reindex(session, ix, today=today())
    return ix


def test_publishing_writes_an_outbox_row_in_the_same_transaction(session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    before = search.outbox_max_id(session)
    service = make_service(session, evidence_dir=tmp_path)
    rows = session.scalars(sa.select(SearchOutboxRow).where(SearchOutboxRow.id > before)).all()
    assert service.id in {row.service_id for row in rows}
    session.rollback()
    assert search.outbox_max_id(session) == before  # rolled back with the change


def test_changes_wait_while_the_index_is_locked_and_are_applied_later(session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    service = make_service(session, evidence_dir=tmp_path)
    session.commit()
    position = index.read_position()
    blocker = whoosh_index.open_dir(str(index.current)).writer()
    try:
        locked = WhooshIndex(index.directory, write_timeout=0.05)
        with pytest.raises(IndexUnavailable):
            search.drain(session, locked, today=today())
        messages: list[str] = []
        assert search.drain_quietly(session, locked, today=today(), log=messages.append) is None
        assert "left for later" in messages[0]
        assert index.read_position() == position  # nothing was marked as applied
    finally:
        blocker.cancel()
    result = search.drain(session, index, today=today())
    assert result.applied_rows >= 1
    assert found(index, service.id)
    assert search.verify(session, index, today=today()) == []


def test_a_broken_index_leaves_rows_for_the_rebuild(session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    service = make_service(session, evidence_dir=tmp_path)
    session.commit()
    broken = WhooshIndex(index.directory / "nowhere")
    messages: list[str] = []
    search.drain_quietly(session, broken, today=today(), log=messages.append)
    assert messages
    search.reindex(session, index, today=today())
    assert found(index, service.id)


def test_every_visibility_change_reaches_the_index(app: Flask, session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    organisation = make_accredited_supplier(session, tmp_path)
    service = make_service(session, organisation)
    admin = make_user(session, role=__import__("app.auth.models", fromlist=["Role"]).Role.ADMIN)
    session.commit()
    search.drain(session, index, today=today())
    assert found(index, service.id)

    admin_services.suspend(session, admin, organisation.accreditation, "Investigating", today=today())
    session.commit()
    search.drain(session, index, today=today())
    assert not found(index, service.id)

    admin_services.reinstate(session, admin, organisation.accreditation, "Cleared", today=today())
    session.commit()
    search.drain(session, index, today=today())
    assert found(index, service.id)

    supplier = organisation.users[0]
    catalogue.update_service(session, supplier, service, {"name": "Renamed payroll service"}, today=today())
    session.commit()
    search.drain(session, index, today=today())
    assert index.search(SearchQuery(q="renamed", today=today())).total == 1

    catalogue.withdraw_service(session, supplier, service, "Replaced")
    session.commit()
    search.drain(session, index, today=today())
    assert not found(index, service.id)
    assert search.verify(session, index, today=today()) == []


def test_a_lapsed_accreditation_hides_services_without_any_write(session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    organisation = make_accredited_supplier(session, tmp_path)
    service = make_service(session, organisation)
    session.commit()
    search.drain(session, index, today=today())
    expiry = organisation.accreditation.expires_on
    # Time passes and nothing touches the index: the service is found up to the last valid day only.
    assert found(index, service.id, on=expiry - timedelta(days=1))
    assert not found(index, service.id, on=expiry)
    assert search.verify(session, index, today=expiry) == []


def test_verify_reports_a_planted_difference(app: Flask, session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    service = make_service(session, evidence_dir=tmp_path)
    session.commit()
    search.drain(session, index, today=today())
    assert search.verify(session, index, today=today()) == []
    index.apply([IndexChange(service.id, None)])
    differences = search.verify(session, index, today=today())
    assert [(d.service_id, d.in_database, d.in_index) for d in differences] == [(service.id, 1, None)]
    result = app.test_cli_runner().invoke(args=["search", "verify"])
    assert result.exit_code == 1
    assert f"service {service.id}" in result.output


def test_ids_committed_out_of_order_are_retried_not_lost(session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    first = make_service(session, evidence_dir=tmp_path)
    second = make_service(session, evidence_dir=tmp_path)
    session.commit()
    search.drain(session, index, today=today())
    top = search.outbox_max_id(session)
    # Row top+2 commits first; row top+1 belongs to a transaction still open.
    session.add(SearchOutboxRow(id=top + 2, service_id=second.id, reason="test"))
    session.commit()
    search.drain(session, index, today=today())
    position = index.read_position()
    assert position.applied == top + 2 and top + 1 in position.gaps
    catalogue.update_service(session, first.organisation.users[0], first, {"name": "Late arrival"}, today=today())
    session.execute(sa.update(SearchOutboxRow).where(SearchOutboxRow.id > top + 2).values(id=top + 1))
    session.commit()
    search.drain(session, index, today=today())
    assert index.search(SearchQuery(q="late arrival", today=today())).total == 1
    assert top + 1 not in index.read_position().gaps


def test_two_nodes_each_keep_their_own_index_and_position_and_converge(app: Flask, session: Session, tmp_path: Path) -> None:
    node_a, node_b = WhooshIndex(tmp_path / "node-a"), WhooshIndex(tmp_path / "node-b")
    for node in (node_a, node_b):
        search.reindex(session, node, today=today())
    services = [make_service(session, evidence_dir=tmp_path) for _ in range(3)]
    session.commit()
    search.drain(session, node_a, today=today())  # node B is busy, behind
    assert all(found(node_a, s.id) for s in services)
    assert not any(found(node_b, s.id) for s in services)
    catalogue.withdraw_service(session, services[0].organisation.users[0], services[0], "Gone")
    session.commit()
    search.drain(session, node_b, today=today())
    search.drain(session, node_a, today=today())
    assert node_a.read_position().applied == node_b.read_position().applied
    assert search.verify(session, node_a, today=today()) == search.verify(session, node_b, today=today()) == []


def test_a_node_behind_pruned_rows_is_told_to_rebuild(app: Flask, session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    make_service(session, evidence_dir=tmp_path)
    session.commit()
    session.execute(sa.update(SearchOutboxRow).values(created_at=sa.func.datetime("2000-01-01") if session.bind.dialect.name == "sqlite" else sa.text("'2000-01-01'")))
    assert search.prune(session, older_than_days=7) >= 1
    session.commit()
    lagging = WhooshIndex(index.directory.parent / "lagging")
    lagging.ensure()
    with pytest.raises(search.NeedsRebuild):
        search.drain(session, lagging, today=today())
    app.config["SEARCH_INDEX_DIR"] = str(lagging.directory)
    app.extensions["search_index"] = lagging
    result = app.test_cli_runner().invoke(args=["search", "drain"])
    assert "rebuilding" in result.output
    assert search.verify(session, lagging, today=today()) == []


def test_reindex_command_reports_progress_and_count(app: Flask, session: Session, tmp_path: Path) -> None:
    make_service(session, evidence_dir=tmp_path)
    session.commit()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 visible services" in result.output


def test_two_workers_draining_at_once_apply_each_row_once(
    session: Session, index: WhooshIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second worker reads the position only in its turn, after the first has recorded it:
    it finds nothing left, so the index is committed once, not once per worker."""
    service = make_service(session, evidence_dir=tmp_path)
    session.commit()
    worker_a, worker_b = WhooshIndex(index.directory), WhooshIndex(index.directory, write_timeout=10)
    commits_before = whoosh_index.open_dir(str(index.current)).latest_generation()
    a_has_read = threading.Event()
    real_documents_for = search.documents_for

    def slow_documents_for(*args, **kwargs):  # type: ignore[no-untyped-def]
        documents = real_documents_for(*args, **kwargs)
        a_has_read.set()
        time.sleep(0.3)  # worker A is between reading the outbox and committing
        return documents

    monkeypatch.setattr(search, "documents_for", slow_documents_for)
    results: dict[str, search.DrainResult] = {}
    # The session is used by one worker at a time: B touches the database only in its turn, after A's.
    thread = threading.Thread(target=lambda: results.setdefault("a", search.drain(session, worker_a, today=today())))
    thread.start()
    assert a_has_read.wait(5)
    results["b"] = search.drain(session, worker_b, today=today())
    thread.join()
    assert results["a"].applied_rows >= 1 and results["b"].applied_rows == 0
    assert whoosh_index.open_dir(str(index.current)).latest_generation() == commits_before + 1
    assert found(index, service.id)


def test_a_search_does_not_wait_for_a_worker_writing_the_index(session: Session, index: WhooshIndex, tmp_path: Path) -> None:
    make_service(session, evidence_dir=tmp_path)
    session.commit()
    position = index.read_position()
    patient = WhooshIndex(index.directory, write_timeout=10)
    messages: list[str] = []
    with index.writing():
        started = time.monotonic()
        assert search.drain_quietly(session, patient, today=today(), log=messages.append, wait=False) is None
        assert time.monotonic() - started < 1
        with pytest.raises(IndexBusy):
            search.drain(session, patient, today=today(), wait=False)
    assert messages == []  # another worker writing is not worth a warning
    assert patient.read_position() == position  # the rows wait for the writer or the next drain
    assert search.drain(session, patient, today=today()).applied_rows >= 1
