"""Running a search for a page or the API: catch this node's index up, search, and load from the database
the rows of the hits shown (so nothing stale is rendered and rule C1 is checked on the rows themselves)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from app.catalogue.models import CategoryGroup, Framework, Lot, Service, ServiceVersion
from app.catalogue.services import is_visible
from app.search.index import SearchQuery
from app.search.presenters import CatalogueTerms, CategoryGroupTerms, LotTerms, SearchResults
from app.search.services import drain_quietly, outbox_max_id
from app.search.whoosh_index import IndexUnavailable, WhooshIndex
from app.suppliers.models import Organisation

__all__ = ["IndexUnavailable", "catch_up", "find_services", "load_catalogue_terms", "load_rows"]

# Enough to apply a burst of publishing from other nodes without making one search slow.
CATCH_UP_LIMIT = 100


def catch_up(
    session: Session,
    index: WhooshIndex,
    make_session: sessionmaker[Session],
    *,
    today: date,
    log: Callable[[str], None],
) -> None:
    """Apply outbox rows written through other nodes, so every node's search converges on the database.

    Costs one indexed max() and a small file read when there is nothing to do. If another worker
    of this node is writing the index, the search goes ahead without waiting: that worker is most
    likely applying these very rows. Failures are logged and the rows wait for the next request or the CLI.
    """
    if outbox_max_id(session) <= index.read_position().applied:
        return
    # A fresh session: the drain must not touch the request's transaction.
    with make_session() as drain_session:
        drain_quietly(drain_session, index, today=today, limit=CATCH_UP_LIMIT, log=log, wait=False)


def load_catalogue_terms(session: Session) -> CatalogueTerms:
    """The live framework's lots with their categories and category trees."""
    lots = session.scalars(
        sa.select(Lot)
        .join(Framework)
        .where(Framework.status == "live")
        .order_by(Lot.position)
        .options(selectinload(Lot.categories), selectinload(Lot.groups).selectinload(CategoryGroup.categories))
    ).all()
    return CatalogueTerms(
        tuple(
            LotTerms(
                slug=lot.slug,
                name=lot.name,
                categories=tuple((category.slug, category.name) for category in lot.categories),
                groups=tuple(
                    CategoryGroupTerms(group.slug, group.name, tuple((c.slug, c.name) for c in group.categories))
                    for group in lot.groups
                ),
            )
            for lot in lots
        )
    )


def load_rows(session: Session, service_ids: Iterable[int], today: date) -> dict[int, tuple[Service, ServiceVersion]]:
    """The current published version of each service that the public may still see (rule C1), in one query
    (with the organisations' certificates for the badges); services changed since indexing are left out."""
    ids = list(dict.fromkeys(service_ids))
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Service, ServiceVersion)
        .join(
            ServiceVersion,
            sa.and_(ServiceVersion.service_id == Service.id, ServiceVersion.number == Service.version_number),
        )
        .where(Service.id.in_(ids))
        .options(
            joinedload(Service.lot),
            joinedload(Service.organisation).joinedload(Organisation.accreditation),
            joinedload(Service.organisation).selectinload(Organisation.certificates),
        )
    ).tuples().all()
    return {service.id: (service, version) for service, version in rows if is_visible(service, today)}


def find_services(
    session: Session,
    index: WhooshIndex,
    query: SearchQuery,
    *,
    today: date,
    make_session: sessionmaker[Session],
    log: Callable[[str], None],
    **urls: Any,
) -> SearchResults:
    """One page of search results for a buyer; raises IndexUnavailable if this node has no usable index."""
    if not index.exists():
        raise IndexUnavailable("This node has no search index yet: run flask search reindex")
    catch_up(session, index, make_session, today=today, log=log)
    query = replace(query, today=today)
    page = index.search(query)
    rows = load_rows(session, (hit.id for hit in page.hits), today)
    return SearchResults(query, page, rows, load_catalogue_terms(session), today=today, **urls)


def find_all(
    session: Session,
    index: WhooshIndex,
    query: SearchQuery,
    *,
    limit: int,
    today: date,
    make_session: sessionmaker[Session],
    log: Callable[[str], None],
) -> tuple[int, list[tuple[Service, ServiceVersion]]]:
    """Every service a search finds, in its order, when it finds at most ``limit`` (ending a search, B2):
    the number found and, if that is within the limit, the services with the versions the buyer sees now.
    Over the limit, the list is empty. Raises IndexUnavailable if this node has no usable index."""
    if not index.exists():
        raise IndexUnavailable("This node has no search index yet: run flask search reindex")
    catch_up(session, index, make_session, today=today, log=log)
    page = index.search(replace(query, today=today, page=1, per_page=limit + 1))
    rows = load_rows(session, (hit.id for hit in page.hits), today)
    # Hits the database no longer shows (changed since indexing) do not count and are not shortlisted.
    found = [rows[hit.id] for hit in page.hits if hit.id in rows]
    total = page.total - (len(page.hits) - len(found))
    if total > limit:
        return total, []
    return total, found
