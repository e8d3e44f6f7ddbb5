"""Keeping the search index in step with the database: the outbox, draining, rebuilding and checking.

Every change that alters what buyers can find writes ``search_outbox`` rows
in the same transaction as the change (``record_change``). After the commit
the rows are applied to this node's index (``drain``); if the index is locked
or broken they simply wait, because the node's position in the outbox only
moves forward once the index has committed them. Documents are always built
from the database as it is when they are applied, so applying a row twice,
or late, is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.admin.accreditation import AccreditationStatus, effective_status
from app.catalogue.models import Category, Lot, Service, ServiceVersion
from app.catalogue.rules import ServiceStatus
from app.search.documents import org_types, service_document
from app.search.index import IndexChange, ServiceDocument
from app.search.models import SearchOutboxPruned, SearchOutboxRow
from app.search.whoosh_index import IndexBusy, IndexUnavailable, Position, WhooshIndex

__all__ = ["IndexUnavailable"]
from app.suppliers.models import Organisation
from app.timeutil import utcnow

SESSION_FLAG = "search_outbox_written"
GAP_TIMEOUT_SECONDS = 300.0
# How far back a rebuild looks for outbox ids that were allocated but not yet committed.
REBUILD_GAP_WINDOW = 1000


def record_change(session: Session, service_ids: Iterable[int], reason: str) -> None:
    """Note, in the caller's transaction, that these services' search entries must be refreshed."""
    rows = [SearchOutboxRow(service_id=service_id, reason=reason[:40]) for service_id in dict.fromkeys(service_ids)]
    if rows:
        session.add_all(rows)
        session.info[SESSION_FLAG] = True


def record_organisation_change(session: Session, organisation_id: int, reason: str) -> None:
    """A supplier-wide change (suspension, reinstatement, accreditation, profile): every listed service."""
    ids = session.scalars(
        sa.select(Service.id).where(Service.organisation_id == organisation_id, Service.status != ServiceStatus.DRAFT.value)
    ).all()
    record_change(session, ids, reason)


def _category_names(session: Session) -> dict[str, str]:
    return dict(session.execute(sa.select(Category.slug, Category.name)).tuples().all())


@dataclass(frozen=True)
class _Supplier:
    """What a document needs to know about its supplier, read once per supplier."""

    id: int
    name: str
    org_types: tuple[str, ...]
    visible: bool  # accredited (not suspended, not expired) today: rule C1
    visible_until: date | None


def _supplier(org: Organisation, today: date) -> _Supplier:
    accreditation = org.accreditation
    visible = accreditation is not None and effective_status(
        AccreditationStatus(accreditation.status), accreditation.expires_on, today
    ) is AccreditationStatus.ACCREDITED
    return _Supplier(
        id=org.id,
        name=org.name,
        org_types=org_types(
            size=org.size, mutual=org.is_public_service_mutual, social_enterprise=org.is_social_enterprise, vcse=org.is_vcse
        ),
        visible=visible,
        visible_until=accreditation.expires_on if accreditation is not None else None,
    )


def _document(service: Service, version: ServiceVersion, lots: dict[int, Lot], names: dict[str, str], today: date) -> ServiceDocument | None:
    if service.status != ServiceStatus.PUBLISHED.value:
        return None
    supplier = _supplier(service.organisation, today)
    return _published_document(
        service.id, service.lot_id, version.number, version.data, version.created_at, supplier, lots, names
    )


def _published_document(
    service_id: int,
    lot_id: int,
    version_number: int,
    data: dict[str, Any],
    updated: datetime,
    supplier: _Supplier,
    lots: dict[int, Lot],
    names: dict[str, str],
) -> ServiceDocument | None:
    """The document of a published service's current version, or None if its supplier may not be found (rule C1)."""
    if not supplier.visible:
        return None
    lot = lots[lot_id]
    return service_document(
        service_id=service_id,
        version=version_number,
        data=data,
        lot_slug=lot.slug,
        lot_name=lot.name,
        category_names=names,
        supplier_id=supplier.id,
        supplier_name=supplier.name,
        supplier_org_types=supplier.org_types,
        updated=updated,
        visible_until=supplier.visible_until,
    )


# A service's row joined with its current version's row.
_current_version = sa.and_(ServiceVersion.service_id == Service.id, ServiceVersion.number == Service.version_number)


def _services_with_versions(session: Session) -> sa.Select[tuple[Service, ServiceVersion]]:
    return (
        sa.select(Service, ServiceVersion)
        .join(ServiceVersion, _current_version)
        .options(selectinload(Service.organisation).selectinload(Organisation.accreditation))
    )


def documents_for(session: Session, service_ids: Iterable[int], today: date) -> dict[int, ServiceDocument | None]:
    """The current index document of each service, or None where it must not be found (rule C1)."""
    ids = list(dict.fromkeys(service_ids))
    result: dict[int, ServiceDocument | None] = dict.fromkeys(ids)
    if not ids:
        return result
    lots = {lot.id: lot for lot in session.scalars(sa.select(Lot))}
    names = _category_names(session)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for service, version in session.execute(_services_with_versions(session).where(Service.id.in_(chunk))).tuples():
            result[service.id] = _document(service, version, lots, names, today)
    return result


def all_documents(session: Session, today: date, batch: int = 2000) -> Iterator[ServiceDocument]:
    """Every document that belongs in the index, read in batches so memory stays flat.

    Only the columns a document needs are read (no ORM objects per service), and
    each supplier is read once: this runs for every service on a full rebuild.
    """
    lots = {lot.id: lot for lot in session.scalars(sa.select(Lot))}
    names = _category_names(session)
    suppliers = {
        org.id: _supplier(org, today)
        for org in session.scalars(sa.select(Organisation).options(selectinload(Organisation.accreditation)))
    }
    last_id = 0
    while True:
        rows = session.execute(
            sa.select(
                Service.id,
                Service.lot_id,
                Service.organisation_id,
                ServiceVersion.number,
                ServiceVersion.data,
                ServiceVersion.created_at,
            )
            .join(ServiceVersion, _current_version)
            .where(Service.id > last_id, Service.status == ServiceStatus.PUBLISHED.value)
            .order_by(Service.id)
            .limit(batch)
        ).tuples().all()
        if not rows:
            return
        for service_id, lot_id, organisation_id, number, data, updated in rows:
            supplier = suppliers.get(organisation_id)
            if supplier is None:  # a supplier that joined while the rebuild was reading
                supplier = suppliers[organisation_id] = _supplier(session.get_one(Organisation, organisation_id), today)
            document = _published_document(service_id, lot_id, number, data, updated, supplier, lots, names)
            if document is not None:
                yield document
        last_id = rows[-1][0]


def count_visible_candidates(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count(Service.id)).where(Service.status == ServiceStatus.PUBLISHED.value)) or 0


@dataclass(frozen=True)
class DrainResult:
    applied_rows: int
    services: int
    pending: bool
    needs_rebuild: bool = False


class NeedsRebuild(Exception):
    """This node is behind rows that have been pruned: only a full rebuild can catch it up."""


def outbox_max_id(session: Session) -> int:
    return session.scalar(sa.select(sa.func.max(SearchOutboxRow.id))) or 0


def pruned_up_to(session: Session) -> int:
    return session.scalar(sa.select(sa.func.max(SearchOutboxPruned.pruned_up_to))) or 0


def drain(
    session: Session, index: WhooshIndex, *, today: date, limit: int | None = 500, now: float | None = None, wait: bool = True
) -> DrainResult:
    """Apply outbox rows after this node's position to its index; rows it cannot apply stay for next time.

    The position is read during this node's turn at writing, so two workers draining at once apply
    each row once: the second finds the first's position and, usually, nothing left to do.
    ``wait=False`` gives up at once (IndexBusy) if another worker is writing.
    """
    now = time.time() if now is None else now
    with index.writing(wait=wait) as batch:
        position = batch.position
        if position.applied < pruned_up_to(session):
            raise NeedsRebuild(f"This node's search index is at outbox row {position.applied}, before rows pruned up to {pruned_up_to(session)}")
        stmt = sa.select(SearchOutboxRow.id, SearchOutboxRow.service_id).order_by(SearchOutboxRow.id)
        condition = SearchOutboxRow.id > position.applied
        if position.gaps:
            condition = sa.or_(condition, SearchOutboxRow.id.in_(list(position.gaps)))
        stmt = stmt.where(condition)
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = session.execute(stmt).tuples().all()
        gaps = {gap: seen for gap, seen in position.gaps.items() if now - seen < GAP_TIMEOUT_SECONDS}
        if not rows:
            if gaps != position.gaps:
                batch.apply([], position=Position(position.applied, gaps))
            return DrainResult(0, 0, False)
        seen_ids = {row_id for row_id, _ in rows}
        for gap in list(gaps):
            if gap in seen_ids:
                del gaps[gap]  # it has been committed since: applied now
        new_rows = sorted(row_id for row_id in seen_ids if row_id > position.applied)
        applied = position.applied
        for row_id in new_rows:
            # An id skipped here was allocated by a transaction not yet committed (or rolled back).
            for missing in range(applied + 1, row_id):
                gaps.setdefault(missing, now)
            applied = row_id
        documents = documents_for(session, (service_id for _, service_id in rows), today)
        batch.apply(
            [IndexChange(service_id, document) for service_id, document in documents.items()],
            position=Position(applied, gaps),
        )
    pending = limit is not None and len(rows) == limit
    return DrainResult(len(rows), len(documents), pending)


def drain_quietly(
    session: Session, index: WhooshIndex, *, today: date, limit: int = 500, log: Callable[[str], None], wait: bool = True
) -> DrainResult | None:
    """Drain from a web request: failures are logged, never shown to the user (the rows wait).

    With ``wait=False`` (a search catching up) a busy index is no failure: another worker is
    applying the rows, and waiting for it would only slow the search down."""
    try:
        return drain(session, index, today=today, limit=limit, wait=wait)
    except IndexBusy as error:
        if wait:
            log(f"Search outbox left for later: {error}")
    except IndexUnavailable as error:
        log(f"Search outbox left for later: {error}")
    except NeedsRebuild as error:
        log(f"Search index needs a rebuild: {error}")
    except Exception as error:  # a broken index must not break the page that changed the data
        log(f"Search outbox left for later after an error: {error!r}")
    return None


def reindex(session: Session, index: WhooshIndex, *, today: date, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database into a new directory and swap it in.

    The outbox position recorded with the new index is the last row that
    existed before reading began, so changes made during the rebuild are
    applied afterwards by the usual drain.
    """
    start_id = outbox_max_id(session)
    present = set(
        session.scalars(
            sa.select(SearchOutboxRow.id).where(SearchOutboxRow.id > max(0, start_id - REBUILD_GAP_WINDOW), SearchOutboxRow.id <= start_id)
        )
    )
    now = time.time()
    gaps = {i: now for i in range(max(1, start_id - REBUILD_GAP_WINDOW + 1), start_id + 1) if i not in present}
    total = count_visible_candidates(session)
    return index.rebuild(all_documents(session, today), total=total, progress=progress, position=Position(start_id, gaps))


@dataclass(frozen=True)
class Difference:
    service_id: int
    in_database: int | None
    in_index: int | None

    def describe(self) -> str:
        if self.in_index is None:
            return f"service {self.service_id}: version {self.in_database} is visible but missing from the index"
        if self.in_database is None:
            return f"service {self.service_id}: in the index (version {self.in_index}) but must not be found"
        return f"service {self.service_id}: the index has version {self.in_index}, the database version {self.in_database}"


def verify(session: Session, index: WhooshIndex, *, today: date) -> list[Difference]:
    """Every service whose index entry disagrees with what the database says buyers should find today."""
    expected = {document.id: document.version for document in all_documents(session, today)}
    indexed = dict(index.indexed_versions(today=today))
    return [
        Difference(service_id, expected.get(service_id), indexed.get(service_id))
        for service_id in sorted(expected.keys() | indexed.keys())
        if expected.get(service_id) != indexed.get(service_id)
    ]


def prune(session: Session, *, older_than_days: int) -> int:
    """Delete outbox rows older than the retention period, remembering how far pruning reached."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    highest = session.scalar(sa.select(sa.func.max(SearchOutboxRow.id)).where(SearchOutboxRow.created_at < cutoff))
    if not highest:
        return 0
    deleted = session.execute(sa.delete(SearchOutboxRow).where(SearchOutboxRow.id <= highest)).rowcount or 0
    marker = session.get(SearchOutboxPruned, 1)
    if marker is None:
        session.add(SearchOutboxPruned(id=1, pruned_up_to=highest))
    else:
        marker.pruned_up_to = max(marker.pruned_up_to, highest)
    session.flush()
    return deleted
