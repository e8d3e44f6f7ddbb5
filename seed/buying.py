"""Demo buying history: past projects searched, shortlisted and decided through the buyers' and contracts' services.

Each project in buying.toml is made as its buyer would make it: a project, a
saved search, a shortlist frozen when the search ends and downloaded, at most
two exclusions with reasons, then a contract awarded on an order form (through
``contracts.services.award`` and so the contract rules, like every award) or
another outcome. The search index is built after seeding, so the shortlist is
what a keyword search would find, read from the database. The dates are then
moved back so the history spreads over the past year. A project already there
(same buyer, same name) is left alone, and one whose search finds nothing yet
is left for a later run, so running the seed again creates nothing new.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.audit.models import AuditEvent
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.buyers import services as projects
from app.buyers.models import Project, ShortlistItem
from app.catalogue.models import Lot, Service, ServiceVersion
from app.catalogue.services import is_visible
from app.contracts import services as contracts
from app.contracts.state import limits_for, live_framework
from app.contracts.terms import TermLimits
from app.dates import add_months
from app.search.index import SearchQuery
from app.suppliers.models import Organisation
from app.timeutil import utcnow

DATA = Path(__file__).with_name("buying.toml")
MAX_EXCLUSIONS = 2
OUTCOMES = ("awarded", "cancelled", "none_suitable")
# Order-form fields a project's award table may give; the rest of the form is worked out here.
ORDER_FORM_FIELDS = (
    "initial_term_months",
    "extensions_months",
    "buyer_notice_days",
    "value",
    "pricing_model",
    "upfront_payment_months",
    "purchase_order_number",
    "data_return",
)


@dataclass(frozen=True)
class DemoBuyer:
    email: str
    name: str
    organisation: str


@dataclass(frozen=True)
class DemoProject:
    name: str
    buyer: str  # the buyer's email
    keyword: str
    lot: str | None
    ended_days_ago: int
    outcome: str
    decided_days_ago: int  # when the contract was awarded or the other outcome recorded
    note: str
    exclusions: tuple[str, ...]
    supplier: str | None  # who wins the award, if one of its services is on the shortlist
    order_form: dict[str, Any]  # the award's order form, without its dates


@dataclass(frozen=True)
class BuyingPlan:
    buyers: tuple[DemoBuyer, ...]
    projects: tuple[DemoProject, ...]
    starts_after_days: int


def load_plan(text: str) -> BuyingPlan:
    """Read buying.toml, refusing a project whose dates run backwards or whose outcome is unknown."""
    data = tomllib.loads(text)
    buyers = tuple(DemoBuyer(b["email"], b["name"], b["organisation"]) for b in data["buyers"])
    known = {b.email for b in buyers}
    plan: list[DemoProject] = []
    for entry in data["projects"]:
        outcome = entry["outcome"]
        award: dict[str, Any] = dict(entry.get("award", {}))
        decided = entry["awarded_days_ago"] if outcome == "awarded" else entry.get("completed_days_ago")
        problems = [
            f"outcome must be one of {', '.join(OUTCOMES)}" if outcome not in OUTCOMES else "",
            f"buyer {entry['buyer']} is not in [[buyers]]" if entry["buyer"] not in known else "",
            "an awarded project, and only one, has a [projects.award] table"
            if (outcome == "awarded") != bool(award)
            else "",
            "the outcome must come after the search ended" if not 0 < (decided or 0) < entry["ended_days_ago"] else "",
            f"at most {MAX_EXCLUSIONS} exclusions" if len(entry.get("exclusions", [])) > MAX_EXCLUSIONS else "",
            ", ".join(
                f"{name} is not an award field" for name in award if name not in {"supplier", *ORDER_FORM_FIELDS}
            ),
        ]
        if any(problems):
            raise ValueError(f"{DATA.name}, project {entry['name']!r}: " + "; ".join(p for p in problems if p))
        assert decided is not None
        supplier = award.pop("supplier", None)
        plan.append(
            DemoProject(
                name=entry["name"],
                buyer=entry["buyer"],
                keyword=entry["keyword"],
                lot=entry.get("lot"),
                ended_days_ago=entry["ended_days_ago"],
                outcome=outcome,
                decided_days_ago=decided,
                note=entry.get("note", ""),
                exclusions=tuple(entry.get("exclusions", ())),
                supplier=supplier,
                order_form={"data_return": data["data_return"], **award} if award else {},
            )
        )
    return BuyingPlan(buyers, tuple(plan), data["starts_after_days"])


def break_dates_for(
    start: date, initial_term_months: int, extensions_months: Sequence[int], max_months_to_break: int
) -> list[date]:
    """The fewest break dates that keep every way out within ``max_months_to_break`` of the one before (T2):
    the ends of the initial term and of each extension are ways out already, so a break goes in only where
    the gap to the next of them is longer, at the latest date the rule allows."""
    ends = [
        add_months(start, initial_term_months + sum(extensions_months[:taken]))
        for taken in range(len(extensions_months) + 1)
    ]
    breaks: list[date] = []
    previous = start
    for end in ends:
        while add_months(previous, max_months_to_break) < end:
            previous = add_months(previous, max_months_to_break)
            breaks.append(previous)
        previous = end
    return breaks


def order_form(project: DemoProject, organisation: str, *, start: date, max_months_to_break: int) -> dict[str, Any]:
    """The award form the buyer would have filled in: the project's terms, its organisation and dates from ``start``."""
    form = dict(project.order_form)
    breaks = break_dates_for(start, form["initial_term_months"], form.get("extensions_months", []), max_months_to_break)
    return {
        **form,
        "buyer_organisation": organisation,
        "start_date": start.isoformat(),
        "break_dates": [b.isoformat() for b in breaks],
    }


def search_summary(count: int, keyword: str, lot: Lot | None) -> str:
    """The sentence the search page shows above its results, as saved with the search."""
    return f"{count} service{'' if count == 1 else 's'} found for ‘{keyword}’ in {lot.name if lot else 'all lots'}"


@dataclass(frozen=True)
class _Context:
    """What every project's award needs from the framework and the plan."""

    today: date
    limits: TermLimits
    end_search_limit: int
    starts_after_days: int
    organisations: dict[str, str]


def seed_buying(session: Session, *, today: date, password: str, policy: auth_services.AccountPolicy) -> list[str]:
    """Create the demo buyers and their past projects that are not there yet; returns what was created."""
    plan = load_plan(DATA.read_text(encoding="utf-8"))
    created: list[str] = []
    buyers: dict[str, User] = {}
    for entry in plan.buyers:
        user = auth_services.find_user_by_email(session, entry.email)
        if user is None:
            user = auth_services.register_buyer(
                session, name=entry.name, email=entry.email, password=password, policy=policy
            )
            user.email_verified_at = utcnow()
            created.append(f"buyer {entry.email}")
        elif user.role != Role.BUYER:
            raise ValueError(f"{DATA.name}: {entry.email} is already an account, but not a buyer's")
        # A buyer registered some weeks before their first project, so an account made by this seed run
        # (the demo buyer's too) is dated then; an older account keeps its date, and a rerun changes nothing.
        first = max((p.ended_days_ago for p in plan.projects if p.buyer == entry.email), default=0)
        joined = datetime.combine(today - timedelta(days=first + 60), time(8, 45))
        if user.created_at > joined:
            user.created_at = joined
            if user.email_verified_at is not None:
                user.email_verified_at = joined + timedelta(minutes=5)
            session.flush()
            _backdate_events(session, "users", user.id, {"user.registered": [joined]})
        buyers[entry.email] = user

    existing = set(
        session.execute(
            sa.select(Project.buyer_id, Project.name).where(Project.buyer_id.in_([u.id for u in buyers.values()]))
        ).tuples()
    )
    todo = [
        (number, p)
        for number, p in enumerate(plan.projects)
        if (buyers[p.buyer].id, projects.clean_project_name(p.name)) not in existing
    ]
    if not todo:
        return created
    framework = live_framework(session)
    lots = {lot.slug: lot for lot in framework.lots}
    unknown = sorted({p.lot for _, p in todo if p.lot is not None and p.lot not in lots})
    if unknown:
        raise ValueError(f"{DATA.name}: {', '.join(unknown)} not lots of the live framework")
    context = _Context(
        today=today,
        limits=limits_for(session),
        end_search_limit=framework.end_search_limit,
        starts_after_days=plan.starts_after_days,
        organisations={b.email: b.organisation for b in plan.buyers},
    )
    candidates = _visible_services(session, today)
    for number, entry in todo:
        found = _matching(candidates, entry.keyword, entry.lot)[: framework.end_search_limit]
        if not found:
            continue  # nothing listed yet for this search (say, seeded with --services 0): a later run adds it
        lot = lots[entry.lot] if entry.lot else None
        # Buyers take one to four weeks from starting a project to ending its search.
        result = _buy(session, context, entry, buyers[entry.buyer], found, lot, search_days=7 + 7 * (number % 4))
        created.append(f"project {entry.name} ({result})")
    return created


def _visible_services(session: Session, today: date) -> list[tuple[Service, ServiceVersion]]:
    """Every service a buyer could find today (rule C1) with the version they would see, in id order."""
    rows = session.execute(
        sa.select(Service, ServiceVersion)
        .join(
            ServiceVersion,
            sa.and_(ServiceVersion.service_id == Service.id, ServiceVersion.number == Service.version_number),
        )
        .where(Service.status == "published")
        .options(selectinload(Service.organisation).selectinload(Organisation.accreditation), selectinload(Service.lot))
        .order_by(Service.id)
    ).tuples()
    return [(service, version) for service, version in rows if is_visible(service, today)]


def _matching(
    candidates: Sequence[tuple[Service, ServiceVersion]], keyword: str, lot: str | None
) -> list[tuple[Service, ServiceVersion]]:
    """What a keyword search would shortlist, without the index: the keyword in the version's name or summary."""
    word = keyword.casefold()
    return [
        (service, version)
        for service, version in candidates
        if (lot is None or service.lot.slug == lot)
        and (
            word in str(version.data.get("name", "")).casefold()
            or word in str(version.data.get("summary", "")).casefold()
        )
    ]


def _buy(
    session: Session,
    context: _Context,
    entry: DemoProject,
    buyer: User,
    found: list[tuple[Service, ServiceVersion]],
    lot: Lot | None,
    *,
    search_days: int,
) -> str:
    """One project from search to outcome through the services, then dated as it happened; says how it ended."""
    project = projects.create_project(session, buyer, entry.name)
    summary = search_summary(len(found), entry.keyword, lot)
    search = projects.save_search(session, buyer, project, SearchQuery(q=entry.keyword, lot=entry.lot), summary)
    projects.end_search(
        session, buyer, project, total=len(found), found=found, limit=context.end_search_limit, confirmed=True
    )
    # Buyers keep a copy of the shortlist they assess (the project's task list asks for it).
    download = projects.record_download(session, buyer, project, "csv")
    items = list(search.items)
    winner = (_winner(items, entry.supplier) or items[0]) if entry.outcome == "awarded" else None
    # The reasons go to the first other services listed, so the winner is never excluded.
    excluded = list(zip([item for item in items if item is not winner], entry.exclusions, strict=False))
    for item, reason in excluded:
        projects.exclude(session, buyer, project, item, reason)

    decided_day = context.today - timedelta(days=entry.decided_days_ago)
    contract = None
    if winner is not None:
        start = decided_day + timedelta(days=context.starts_after_days)
        form = order_form(
            entry,
            context.organisations[entry.buyer],
            start=start,
            max_months_to_break=context.limits.max_months_to_break,
        )
        contract = contracts.award(
            session,
            buyer,
            project,
            winner,
            form,
            limits=context.limits,
            today=decided_day,
            service_url=lambda service_id: f"/services/{service_id}",
        )
        result = f"awarded to {winner.service.organisation.name}"
    else:
        projects.record_outcome(session, buyer, project, entry.outcome, entry.note)
        result = projects.OUTCOME_LABELS[entry.outcome].lower()

    # Dated as it happened: started, searched, ended, assessed (the exclusions), then decided.
    ended_day = context.today - timedelta(days=entry.ended_days_ago)
    created_at = datetime.combine(ended_day - timedelta(days=search_days), time(9, 30))
    saved_at = created_at + timedelta(minutes=20)
    ended_at = datetime.combine(ended_day, time(15, 0))
    decided_at = datetime.combine(decided_day, time(11, 0))
    # Exclusions are spread over the assessment, in working hours, after the search ended and before the decision.
    gap = (decided_day - ended_day).days
    excluded_at = [
        datetime.combine(ended_day + timedelta(days=max(1, gap * (n + 1) // (len(excluded) + 1))), time(10, 30 * n))
        for n in range(len(excluded))
    ]
    project.created_at = created_at
    search.created_at = search.updated_at = saved_at
    search.ended_at = project.locked_at = ended_at
    download.downloaded_at = ended_at + timedelta(minutes=10)
    for (item, _), when in zip(excluded, excluded_at, strict=True):
        item.excluded_at = when
    assert project.outcome is not None
    project.outcome.completed_at = decided_at
    if contract is not None:
        contract.awarded_at = decided_at
    session.flush()
    _backdate_events(
        session,
        "projects",
        project.id,
        {
            "project.created": [created_at],
            "project.search_saved": [saved_at],
            "project.search_ended": [ended_at],
            "shortlist.downloaded": [download.downloaded_at],
            "shortlist.service_excluded": excluded_at,
            "project.outcome_recorded": [decided_at],
        },
    )
    if contract is not None:
        _backdate_events(session, "contracts", contract.id, {"contract.awarded": [decided_at]})
    return result


def _winner(items: Sequence[ShortlistItem], supplier: str | None) -> ShortlistItem | None:
    """The chosen supplier's first service on the shortlist, if it has one there."""
    return next((item for item in items if supplier and item.service.organisation.name == supplier), None)


def _backdate_events(session: Session, object_type: str, object_id: int, when: dict[str, list[datetime]]) -> None:
    """Date an object's audit events as their actions happened (several of one action in the order recorded)."""
    events = session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.object_id == str(object_id),
            AuditEvent.action.in_(list(when)),
        )
        .order_by(AuditEvent.id)
    )
    seen: dict[str, int] = {}
    for event in events:
        times = when[event.action]
        position = seen.get(event.action, 0)
        if position < len(times):
            event.created_at = times[position]
        seen[event.action] = position + 1
    session.flush()
