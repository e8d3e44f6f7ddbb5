"""Projects (journey 4): save a search, end it into a frozen shortlist, exclude with reasons, record outcomes.

Services take the session and the acting buyer, check ownership and the
rules (B2, C2), record audit events and leave the commit to the view. The
caller runs the search itself and passes in what it found, so this module
never touches the search index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from werkzeug.datastructures import MultiDict

from app.audit.services import record
from app.auth.models import Role, User
from app.buyers.models import Outcome, Project, SavedSearch, ShortlistDownload, ShortlistItem
from app.catalogue.models import Service, ServiceVersion
from app.db import lock_for_update
from app.exceptions import DomainError, NotAllowed
from app.search.index import SearchQuery
from app.search.params import parse_search_args, search_args
from app.timeutil import utcnow

PROJECT_NAME_MAX = 100
EXCLUSION_REASON_MAX = 2000
OUTCOME_NOTE_MAX = 2000
# The outcomes a buyer records without a contract; an award comes with its contract (app.contracts.services).
OTHER_OUTCOMES = {
    "cancelled": "Cancelled: the buyer no longer needs the service",
    "none_suitable": "None suitable: no shortlisted service meets the buyer's needs",
}
OUTCOME_LABELS = {"awarded": "Contract awarded", "cancelled": "Cancelled", "none_suitable": "None suitable"}


class ProjectLocked(DomainError):
    """The project's search has ended: its search and shortlist can no longer change (B2)."""


# Reading -------------------------------------------------------------------------------------------------


def buyer_projects(session: Session, buyer: User) -> Sequence[Project]:
    """The buyer's own projects, newest first."""
    return session.scalars(
        sa.select(Project)
        .where(Project.buyer_id == buyer.id)
        .options(selectinload(Project.searches), selectinload(Project.outcome))
        .order_by(Project.created_at.desc(), Project.id.desc())
    ).all()


def own_project(session: Session, buyer: User, project_id: int) -> Project | None:
    """The buyer's project, or None if there is none with that id or it is another buyer's."""
    project = session.get(Project, project_id)
    if project is None or project.buyer_id != buyer.id:
        return None
    return project


def query_of(search: SavedSearch) -> SearchQuery:
    """The search a saved search holds, as the search page would read it."""
    pairs = [(str(name), str(value)) for name, value in search.query.get("args", [])]
    return parse_search_args(MultiDict(pairs))


def ended_search(project: Project) -> SavedSearch | None:
    """The search whose results were frozen into the shortlist, if the search has ended."""
    return next((search for search in project.searches if search.ended_at is not None), None)


def shortlist(project: Project) -> list[ShortlistItem]:
    search = ended_search(project)
    return list(search.items) if search is not None else []


# Changing ------------------------------------------------------------------------------------------------


def _check_buyer(actor: User, project: Project | None = None) -> None:
    if actor.role != Role.BUYER or (project is not None and project.buyer_id != actor.id):
        raise NotAllowed("Only the buyer who owns this project can change it")


def _check_unlocked(project: Project) -> None:
    if project.is_locked:
        raise ProjectLocked(
            "The search for this project has ended, so it cannot change: its shortlist is frozen as it was found. "
            "Start a new project to search again"
        )


def clean_project_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise DomainError("Enter a name for your project", field="name")
    if len(text) > PROJECT_NAME_MAX:
        raise DomainError(
            f"Project name must be {PROJECT_NAME_MAX} characters or fewer (it has {len(text)})", field="name"
        )
    return text


def create_project(session: Session, actor: User, name: str) -> Project:
    """A new, empty project for the buyer (a name of 1 to 100 characters)."""
    _check_buyer(actor)
    project = Project(buyer_id=actor.id, name=clean_project_name(name))
    session.add(project)
    session.flush()
    record(session, actor, "project.created", project, after={"name": project.name})
    return project


def save_search(session: Session, actor: User, project: Project, query: SearchQuery, summary: str) -> SavedSearch:
    """Save a search into a project as its one active search (B2); a search saved before is kept, inactive.
    The page number is not part of a search."""
    _check_buyer(actor, project)
    lock_for_update(session, project)
    _check_unlocked(project)
    args = search_args(query, page=1)
    previous = project.active_search
    if previous is not None:
        previous.active = False
        session.flush()  # the partial unique index allows one active search per project
    search = SavedSearch(project=project, query={"args": [list(pair) for pair in args]}, summary=summary[:500])
    session.add(search)
    session.flush()
    record(
        session,
        actor,
        "project.search_saved",
        project,
        before={"search": previous.summary} if previous is not None else None,
        after={"search": search.summary, "args": args},
    )
    return search


def end_search(
    session: Session,
    actor: User,
    project: Project,
    *,
    total: int,
    found: Iterable[tuple[Service, ServiceVersion]],
    limit: int,
    confirmed: bool,
) -> SavedSearch:
    """End the project's active search (B2): only at ``limit`` (30) results or fewer, and only once the buyer
    has confirmed that the search cannot change afterwards. The shortlist is frozen as the exact service
    versions found (C2), in the order found, and the project is locked."""
    _check_buyer(actor, project)
    lock_for_update(session, project)
    _check_unlocked(project)
    search = project.active_search
    if search is None:
        raise DomainError("Save a search into this project before you end it", field="confirm")
    if not confirmed:
        raise DomainError(
            "Confirm that you understand you cannot change your search after you end it", field="confirm"
        )
    if total > limit:
        raise DomainError(
            f"Refine your search until you have no more than {limit} results (it has {total})", field="confirm"
        )
    rows = list(found)
    if not rows:
        raise DomainError(
            "Your search finds no services, so there is nothing to shortlist: change your search first",
            field="confirm",
        )
    now = utcnow()
    for position, (service, version) in enumerate(rows, start=1):
        session.add(
            ShortlistItem(search=search, service_id=service.id, service_version_id=version.id, position=position)
        )
    search.ended_at = now
    project.locked_at = now
    session.flush()
    record(
        session,
        actor,
        "project.search_ended",
        project,
        after={
            "search": search.summary,
            "shortlist": [{"service_id": s.id, "version": v.number} for s, v in rows],
        },
    )
    return search


def _open_for_assessment(project: Project) -> SavedSearch:
    search = ended_search(project)
    if search is None:
        raise DomainError("End your search first: the shortlist is made when the search ends")
    if project.outcome is not None:
        raise DomainError(
            f"This project is complete ({OUTCOME_LABELS[project.outcome.result].lower()}), so its shortlist "
            "cannot change"
        )
    return search


def shortlist_item(project: Project, item_id: int) -> ShortlistItem | None:
    """An item of the project's frozen shortlist, or None if the id is not one of them."""
    return next((item for item in shortlist(project) if item.id == item_id), None)


def exclude(session: Session, actor: User, project: Project, item: ShortlistItem, reason: str) -> ShortlistItem:
    """Exclude a shortlisted service from evaluation, with the buyer's written reason (kept, exported, audited).
    An excluded service cannot be awarded (T6)."""
    _check_buyer(actor, project)
    lock_for_update(session, project)
    _open_for_assessment(project)
    if item.search.project_id != project.id:
        raise NotAllowed("That service is not on this project's shortlist")
    if item.excluded_at is not None:
        raise DomainError("This service is already excluded from evaluation", field="reason")
    text = (reason or "").strip()
    if not text:
        raise DomainError("Enter why you are excluding this service from evaluation", field="reason")
    if len(text) > EXCLUSION_REASON_MAX:
        raise DomainError(f"Reason must be {EXCLUSION_REASON_MAX:,} characters or fewer", field="reason")
    item.excluded_at = utcnow()
    item.exclusion_reason = text
    item.excluded_by_id = actor.id
    session.flush()
    record(
        session,
        actor,
        "shortlist.service_excluded",
        project,
        after={"service_id": item.service_id, "version": item.version.number, "reason": text},
    )
    return item


def record_download(session: Session, actor: User, project: Project, file_format: str) -> ShortlistDownload:
    """Note that the buyer downloaded the shortlist (CSV or ODS), as the audit trail of a fair award asks."""
    _check_buyer(actor, project)
    search = ended_search(project)
    if search is None:
        raise DomainError("End your search first: you download the shortlist it makes")
    download = ShortlistDownload(search=search, format=file_format, downloaded_by_id=actor.id)
    session.add(download)
    session.flush()
    record(session, actor, "shortlist.downloaded", project, after={"format": file_format})
    return download


def record_outcome(session: Session, actor: User, project: Project, result: str, note: str = "") -> Outcome:
    """Complete the project without a contract: cancelled, or none suitable (an award goes through the
    contracts service). One completed outcome per project, which the database enforces as well."""
    _check_buyer(actor, project)
    lock_for_update(session, project)
    if result not in OTHER_OUTCOMES:
        raise DomainError("Choose what happened: cancelled or none suitable", field="result")
    if project.outcome is not None:
        raise DomainError(
            f"This project already has its outcome: {OUTCOME_LABELS[project.outcome.result].lower()}", field="result"
        )
    text = (note or "").strip()
    if len(text) > OUTCOME_NOTE_MAX:
        raise DomainError(f"Note must be {OUTCOME_NOTE_MAX:,} characters or fewer", field="note")
    if result == "none_suitable" and ended_search(project) is None:
        raise DomainError(
            "End your search first: 'none suitable' means you assessed a shortlist and none met your needs",
            field="result",
        )
    outcome = Outcome(project=project, result=result, note=text or None, recorded_by_id=actor.id)
    session.add(outcome)
    if project.locked_at is None:
        project.locked_at = utcnow()  # a completed project no longer changes
    session.flush()
    record(session, actor, "project.outcome_recorded", project, after={"result": result, "note": text})
    return outcome

