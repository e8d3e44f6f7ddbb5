"""Demo services: realistic, varied listings generated from a seed and published through the catalogue services.

``plan_services`` is pure: from the suppliers, the lots and a seed it decides
every listing (same seed, same listings). ``generate_services`` then creates
and publishes them with ``catalogue.services`` as a supplier would, so every
catalogue rule applies, and tops up only what is missing: running it again
creates nothing.
"""

from __future__ import annotations

import math
import random
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.admin.accreditation import AccreditationStatus
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.catalogue import rules
from app.catalogue import services as catalogue
from app.catalogue.models import Framework, Lot, Service, ServiceVersion
from app.suppliers.models import Organisation
from app.suppliers.services import current_status
from app.timeutil import utcnow
from seed import service_vocabulary as vocab
from seed.suppliers import DATA as SUPPLIERS_FILE

BATCH_SIZE = 500
SME_WEIGHT = 6.0
LARGE_WEIGHT = 1.5
# Listings were first published over the past year or so, not all today.
MAX_AGE_DAYS = 420
DEMO_SUPPLIER = "supplier@mutual.example"


@dataclass(frozen=True)
class SupplierProfile:
    """What the generator needs to know about a supplier, as plain values."""

    key: str  # the supplier's first user's email, stable across runs
    name: str
    sme: bool
    certifications: frozenset[str]  # current certificates (Cyber Essentials Plus includes Cyber Essentials)
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LotCatalogue:
    slug: str
    min_categories: int
    max_categories: int
    category_slugs: Mapping[str, str]  # category name -> slug


@dataclass(frozen=True)
class PlannedService:
    supplier: str
    number: int  # this supplier's n-th generated service (0-based): what makes a rerun idempotent
    lot: str
    fields: dict[str, Any]
    age_days: int


@dataclass
class GeneratedServices:
    created: int = 0
    edited: int = 0
    withdrawn: int = 0
    disabled: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.created:
            return "services already present"
        text = f"{self.created} services published in {self.seconds:.1f}s"
        if self.edited or self.withdrawn or self.disabled:
            text += f", {self.edited} edited, {self.withdrawn} withdrawn, {self.disabled} disabled"
        return text


THEMES_BY_KEY = {t.key: t for t in vocab.THEMES}


# Planning: pure functions of the suppliers, the lots and a random generator.


def allocate(suppliers: Sequence[SupplierProfile], count: int, rng: random.Random) -> dict[str, int]:
    """How many of ``count`` services each supplier lists: SMEs get most (largest remainder, so the total is exact)."""
    if not suppliers or count <= 0:
        return {}
    weights = [(SME_WEIGHT if s.sme else LARGE_WEIGHT) * rng.uniform(0.7, 1.3) for s in suppliers]
    exact = [count * w / sum(weights) for w in weights]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(suppliers)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: count - sum(shares)]:
        shares[i] += 1
    return {s.key: n for s, n in zip(suppliers, shares, strict=True)}


def plan_services(
    suppliers: Sequence[SupplierProfile], lots: Mapping[str, LotCatalogue], count: int, seed: int
) -> list[PlannedService]:
    """Every listing ``count`` and ``seed`` stand for, interleaved across suppliers as they would arrive."""
    rng = random.Random(seed)
    shares = allocate(suppliers, count, rng)
    planned: list[PlannedService] = []
    for supplier in suppliers:
        themes = [THEMES_BY_KEY[k] for k in supplier.themes if k in THEMES_BY_KEY] or list(vocab.THEMES)
        themes = [t for t in themes if t.lot in lots] or [t for t in vocab.THEMES if t.lot in lots]
        for number in range(shares.get(supplier.key, 0)):
            theme = rng.choice(themes)
            fields = _listing(rng, theme, supplier, lots[theme.lot])
            planned.append(PlannedService(supplier.key, number, theme.lot, fields, rng.randint(1, MAX_AGE_DAYS)))
    rng.shuffle(planned)
    return planned


def _weighted(rng: random.Random, options: Mapping[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def _some(rng: random.Random, pool: Sequence[str], low: int, high: int) -> list[str]:
    return rng.sample(list(pool), min(len(pool), rng.randint(low, high)))


def _words(text: str) -> int:
    return len(text.split())


def _and_list(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


_PROPER_WORDS = frozenset({"Microsoft", "OpenSearch", "PostgreSQL", "MySQL", "Redis", "Kubernetes", "Cyber"})
_KIND_WORDS = frozenset({"service", "system", "platform", "desk", "tool", "portal", "record", "records", "network"})


def _lower_first(text: str) -> str:
    """'Managed Kubernetes' -> 'managed Kubernetes'; names and acronyms ('IT', 'S3-compatible') keep their case."""
    first = text.split()[0]
    if first in _PROPER_WORDS or any(c.isupper() or c.isdigit() for c in first[1:]):
        return text
    return text[0].lower() + text[1:]


def _kind(product: str) -> str:
    """'Virtual machines' -> 'virtual machines service'; 'Library management system' stays as it is."""
    what = _lower_first(product)
    return what if what.split()[-1].lower() in _KIND_WORDS else f"{what} service"


def _name(rng: random.Random, theme: vocab.Theme, brand: str, product: str, audience: str | None, location: str) -> str:
    if audience and rng.random() < 0.7:
        name = f"{product} for {audience}"
    elif theme.lot == "cloud-hosting" and location == "uk" and rng.random() < 0.3:
        name = f"{product} {rng.choice(('in UK data centres', 'with UK data residency', 'from UK regions'))}"
    else:
        name = product
    if rng.random() < 0.15:
        name = f"{brand} {_lower_first(name)}"
    return name[: rules.NAME_MAX_CHARS]


def _summary(rng: random.Random, theme: vocab.Theme, product: str, audience: str) -> str:
    what = _kind(product)
    article = "An" if what[:1].lower() in "aeio" or what.startswith("IT ") else "A"
    first = f"{article} {what} that helps {audience} {rng.choice(theme.goals)}."
    summary = f"{first} {rng.choice(vocab.SUMMARY_CLOSINGS[theme.lot])}"
    if _words(summary) > rules.SUMMARY_MAX_WORDS or len(summary) > rules.SUMMARY_MAX_CHARS:
        return first
    return summary


def _description(
    rng: random.Random, theme: vocab.Theme, product: str, does: str, location: str, claims: list[str]
) -> str:
    more = rng.sample(theme.what, rng.randint(1, len(theme.what)))
    opening = f"Our {_kind(product)} {does}." + "".join(f" It {sentence}." for sentence in more)
    details = " ".join(rng.sample(vocab.LOT_DETAIL[theme.lot], 2))
    where = {
        "uk": "All data is stored and processed in UK data centres.",
        "eea": "Data is stored in the UK and the European Economic Area, under UK GDPR adequacy arrangements.",
        "other": "Data may be processed outside the UK and EEA under standard contractual clauses.",
    }[location]
    if claims:
        where += f" We are certified to {_and_list([rules.CERTIFICATIONS[c] for c in claims])}."
    return f"{opening}\n\n{details}\n\n{where}"


def _price(rng: random.Random, theme: vocab.Theme) -> dict[str, Any]:
    price = rng.choice(theme.prices)
    low = math.exp(rng.uniform(math.log(price.low), math.log(price.high)))
    result: dict[str, Any] = {
        "price_min": _round_price(low),
        "price_unit": price.unit,
        "price_interval": price.interval,
        "pricing_model": price.model,
    }
    if rng.random() < 0.4:
        result["price_max"] = _round_price(low * rng.uniform(1.5, 6))
    return result


def _round_price(amount: float) -> str:
    """Prices people actually quote: pence under £1, 25p steps under £10, 50p under £100, then fives and fifties."""
    if amount < 1:
        value = Decimal(str(round(amount, 2)))
    elif amount < 10:
        value = Decimal(str(round(amount * 4) / 4))
    elif amount < 100:
        value = Decimal(str(round(amount * 2) / 2))
    elif amount < 1000:
        value = Decimal(round(amount / 5) * 5)
    else:
        value = Decimal(round(amount / 50) * 50)
    return str(max(value, Decimal("0.01")).quantize(Decimal("0.01")))


def _categories(rng: random.Random, theme: vocab.Theme, lot: LotCatalogue) -> list[str]:
    wanted = rng.randint(max(1, lot.min_categories), min(lot.max_categories, len(theme.categories)))
    chosen = [theme.categories[0], *rng.sample(theme.categories[1:], wanted - 1)]
    return [lot.category_slugs[name] for name in chosen]


def _claims(rng: random.Random, held: frozenset[str]) -> list[str]:
    """Certifications a listing claims: only ones the supplier holds, usually all of them."""
    if not held or rng.random() < 0.05:
        return []
    if rng.random() < 0.75:
        return sorted(held)
    return sorted(rng.sample(sorted(held), rng.randint(1, len(held))))


def _standards(rng: random.Random, theme: vocab.Theme, held: frozenset[str]) -> list[str]:
    standards = ["ncsc_cloud_principles"] if rng.random() < 0.7 else []
    if "iso27001" in held and rng.random() < 0.9:
        standards.append("iso27001")
    if rng.random() < (0.35 if theme.lot == "cloud-hosting" else 0.1):
        standards.append("csa_star")
    if theme.key == "forms_payments" or rng.random() < 0.05:
        standards.append("pci_dss")
    return standards


_EXIT_TEXT = {"cloud-software": vocab.EXIT, "cloud-hosting": vocab.EXIT_HOSTING, "cloud-support": vocab.EXIT_SUPPORT}
_FREE_TRIAL = {"cloud-software": 0.3, "cloud-hosting": 0.2, "cloud-support": 0.0}
_MINIMUM_PERIODS: dict[str, dict[str, float]] = {
    "cloud-software": {"none": 20, "month": 50, "year": 30},
    "cloud-hosting": {"none": 40, "hour": 35, "month": 25},
    "cloud-support": {"day": 60, "none": 40},
}
_SUPPORT_HOURS: dict[str, dict[str, float]] = {
    "cloud-hosting": {"24_7": 60, "extended": 20, "working_hours": 20},
    "other": {"24_7": 15, "extended": 30, "working_hours": 55},
}


def _listing(rng: random.Random, theme: vocab.Theme, supplier: SupplierProfile, lot: LotCatalogue) -> dict[str, Any]:
    """One complete listing: every field a supplier fills in, each within the G-Cloud limits (rule C3)."""
    location = _weighted(rng, {"uk": 80, "eea": 15, "other": 5})
    product, does = rng.choice(theme.products)
    audience = rng.choice(theme.audiences) if theme.audiences else None
    name = _name(rng, theme, supplier.name.split()[0], product, audience, location)
    audience = audience or rng.choice(vocab.GENERAL_AUDIENCES)
    claims = _claims(rng, supplier.certifications)
    formats = ["csv", "json", "xml", "odf", "sql"] if theme.lot != "cloud-support" else ["csv", "json", "odf"]
    exit_formats = sorted(rng.sample(formats, rng.randint(1, 3)), key=list(rules.EXIT_FORMATS).index)
    if rng.random() < 0.1:
        exit_formats.append("other")
    formats_text = _and_list([rules.EXIT_FORMATS[f] for f in exit_formats if f != "other"])
    channels = {"email", *rng.sample(["phone", "web_chat", "ticketing"], rng.randint(0, 3))}
    onboarding = vocab.ONBOARDING_SUPPORT if theme.lot == "cloud-support" else vocab.ONBOARDING
    fields: dict[str, Any] = {
        "name": name,
        "summary": _summary(rng, theme, product, audience),
        "description": _description(rng, theme, product, does, location, claims),
        "features": _some(rng, theme.features, 3, 10),
        "benefits": _some(rng, theme.benefits, 3, 10),
        "categories": _categories(rng, theme, lot),
        **_price(rng, theme),
        "free_trial": rng.random() < _FREE_TRIAL[theme.lot],
        "education_pricing": rng.random() < (0.35 if theme.lot == "cloud-software" else 0.15),
        "minimum_contract_period": _weighted(rng, _MINIMUM_PERIODS[theme.lot]),
        "data_location": location,
        "certifications": claims,
        "standards": _standards(rng, theme, supplier.certifications),
        "staff_security_clearance": _weighted(rng, {"none": 30, "bpss": 45, "sc": 20, "dv": 5}),
        "support_channels": sorted(channels, key=list(rules.SUPPORT_CHANNELS).index),
        "support_response_time": _weighted(
            rng, {"1_hour": 15, "4_hours": 35, "1_working_day": 40, "2_working_days": 8, "longer": 2}
        ),
        "support_hours": _weighted(rng, _SUPPORT_HOURS.get(theme.lot, _SUPPORT_HOURS["other"])),
        "accessibility": _weighted(rng, {"wcag22_aa": 70, "wcag22_aaa": 8, "wcag22_a": 15, "none": 7}),
        "onboarding": rng.choice(onboarding).format(weeks=rng.randint(2, 8)),
        "exit_process": rng.choice(_EXIT_TEXT[theme.lot]).format(
            formats=formats_text, days=rng.choice((5, 10, 15, 20, 30))
        ),
        "exit_data_formats": exit_formats,
    }
    return {k: v for k, v in fields.items() if v != []}


# Loading what the plan needs, and publishing it.


def _load_suppliers(session: Session, today: date) -> list[tuple[SupplierProfile, User]]:
    """The accredited demo suppliers that can publish today, each with the user who lists its services."""
    entries = tomllib.loads(SUPPLIERS_FILE.read_text(encoding="utf-8"))["suppliers"]
    emails = [e["email"] for e in entries if e["outcome"] == "accredited"]
    organisation = selectinload(User.organisation)
    users = {
        u.email: u
        for u in session.scalars(
            sa.select(User)
            .where(User.email.in_(emails), User.role == Role.SUPPLIER)
            .options(
                organisation.selectinload(Organisation.certificates), organisation.selectinload(Organisation.accreditation)
            )
        )
    }
    result = []
    for email in emails:
        user = users.get(email)
        org = user.organisation if user else None
        if org is None or current_status(org.accreditation, today) is not AccreditationStatus.ACCREDITED:
            continue
        assert user is not None
        held = {c.kind for c in org.certificates if c.expires_on >= today}
        if "cyber_essentials_plus" in held:
            held.add("cyber_essentials")  # Plus includes the basic controls, as the publish rule allows
        themes = vocab.SUPPLIER_THEMES.get(email, ())
        result.append((SupplierProfile(email, org.name, bool(org.is_sme), frozenset(held), themes), user))
    return result


def load_lots(session: Session) -> dict[str, LotCatalogue]:
    """The live framework's lots and categories; every theme's categories must be among them."""
    lots = session.scalars(
        sa.select(Lot).join(Lot.framework).where(Framework.status == "live").options(selectinload(Lot.categories))
    )
    catalogues = {
        lot.slug: LotCatalogue(
            lot.slug, lot.min_categories, lot.max_categories, {c.name: c.slug for c in lot.categories}
        )
        for lot in lots
    }
    for theme in vocab.THEMES:
        known = catalogues[theme.lot].category_slugs if theme.lot in catalogues else {}
        missing = [name for name in theme.categories if name not in known]
        if missing:
            raise ValueError(f"Theme {theme.key}: {', '.join(missing)} not categories of {theme.lot}")
    return catalogues


def generate_services(session: Session, count: int, seed: int, today: date) -> GeneratedServices:
    """Publish the demo listings that ``count`` and ``seed`` stand for and are not there yet.

    Commits every BATCH_SIZE services (a seed command's own edge), so a big run
    keeps memory flat and an interrupted one resumes where it stopped.
    """
    started = time.perf_counter()
    report = GeneratedServices()
    suppliers = _load_suppliers(session, today)
    if not suppliers or count <= 0:
        return report
    users = {profile.key: user for profile, user in suppliers}
    existing = dict(
        session.execute(
            sa.select(Service.organisation_id, sa.func.count(Service.id))
            .where(Service.organisation_id.in_([u.organisation_id for u in users.values()]))
            .group_by(Service.organisation_id)
        ).tuples().all()
    )
    plan = plan_services([profile for profile, _ in suppliers], load_lots(session), count, seed)
    todo = [p for p in plan if p.number >= existing.get(users[p.supplier].organisation_id, 0)]
    created: list[tuple[int, PlannedService]] = []
    batch: list[tuple[Service, ServiceVersion, PlannedService]] = []
    now = utcnow()
    for planned in todo:
        user = users[planned.supplier]
        # The lot lookup needs nothing pending: skipping its autoflush saves a round trip per service.
        with session.no_autoflush:
            service = catalogue.create_service(session, user, planned.lot, planned.fields)
        version = catalogue.publish_service(session, user, service, today=today)
        batch.append((service, version, planned))
        if len(batch) >= BATCH_SIZE:
            created += _finish_batch(session, batch, now)
            batch = []
    created += _finish_batch(session, batch, now)
    report.created = len(created)
    if created:
        _demo_moderation(session, created, users, random.Random(seed), report)
    report.seconds = time.perf_counter() - started
    return report


def _finish_batch(
    session: Session, batch: list[tuple[Service, ServiceVersion, PlannedService]], now: datetime
) -> list[tuple[int, PlannedService]]:
    """Date each listing to when it was first published, commit, and let go of the rows (memory stays flat)."""
    if not batch:
        return []
    session.flush()
    services_dates, version_dates = [], []
    for service, version, planned in batch:
        published = now - timedelta(days=planned.age_days, minutes=service.id % 1440)
        services_dates.append(
            {"id": service.id, "created_at": published, "published_at": published, "status_changed_at": published,
             "updated_at": published}
        )
        version_dates.append({"id": version.id, "created_at": published})
    session.execute(sa.update(Service), services_dates)
    session.execute(sa.update(ServiceVersion), version_dates)
    session.commit()
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Service | ServiceVersion | AuditEvent):
            session.expunge(obj)
    return [(service.id, planned) for service, _, planned in batch]


EDIT_NOTES = (
    "Now includes unlimited administrator accounts at no extra cost.",
    "Prices updated for the new financial year.",
    "Added an integration with Microsoft 365.",
    "Disaster recovery now uses a second UK data centre.",
)
NEW_FEATURES = (
    "Single sign-on with Microsoft Entra ID",
    "Exports scheduled to your own storage",
    "Accessibility statement updated for WCAG 2.2",
    "Two-factor authentication for all users",
)
WITHDRAWN_REASON = "Replaced by our new platform, which is listed as a separate service."
DISABLED_REASON = (
    "The pricing document describes a different service. Upload the right document, then contact us to enable it again."
)


def _edit(service: Service, n: int) -> dict[str, Any]:
    """A supplier's typical edit: a price rise, a new feature and a line added to the summary (or description)."""
    data = service.data
    price = _round_price(float(data["price_min"]) * 1.08)
    changes: dict[str, Any] = {"price_min": price}
    if data.get("price_max") and Decimal(data["price_max"]) < Decimal(price):
        changes["price_max"] = price
    features = list(data["features"])
    if len(features) < rules.LIST_MAX_ITEMS:
        changes["features"] = [*features, NEW_FEATURES[n % len(NEW_FEATURES)]]
    note = EDIT_NOTES[n % len(EDIT_NOTES)]
    summary = f"{data['summary']} {note}"
    if _words(summary) <= rules.SUMMARY_MAX_WORDS and len(summary) <= rules.SUMMARY_MAX_CHARS:
        changes["summary"] = summary
    else:
        changes["description"] = f"{data['description']}\n\n{note}"  # always something to review
    return changes


def _demo_moderation(
    session: Session,
    created: list[tuple[int, PlannedService]],
    users: Mapping[str, User],
    rng: random.Random,
    report: GeneratedServices,
) -> None:
    """Give the admin queues something to show: a few edited services, one withdrawn and one disabled, with reasons."""
    if len(created) < 4:
        return
    supplier_of = dict(created)
    ids = list(supplier_of)
    edits = min(6, max(1, len(ids) // 10))
    # The demo supplier account edits one of its own, so signing in as it shows the effect.
    edited = [sid for sid, p in created if p.supplier == DEMO_SUPPLIER][:1]
    edited += [sid for sid in rng.sample(ids, min(len(ids), edits + 1)) if sid not in edited][: edits - len(edited)]
    now = utcnow()
    for n, service_id in enumerate(edited):
        service = session.get(Service, service_id)
        assert service is not None
        for round_ in range(2 if n == 0 else 1):  # the longest-waiting one has two versions to review
            supplier = users[supplier_of[service_id].supplier]
            version = catalogue.update_service(session, supplier, service, _edit(service, n + round_))
            if version is not None:
                # Spread over the past week, so the review queue has an order to show.
                version.created_at = now - timedelta(days=len(edited) - n, hours=2 - round_)
        report.edited += 1
    remaining = [sid for sid in ids if sid not in edited]
    if len(remaining) >= 2:
        withdrawn_id, disabled_id = rng.sample(remaining, 2)
        withdrawn = session.get(Service, withdrawn_id)
        assert withdrawn is not None
        catalogue.withdraw_service(session, users[supplier_of[withdrawn_id].supplier], withdrawn, WITHDRAWN_REASON)
        report.withdrawn = 1
        admin = session.scalar(sa.select(User).where(User.role == Role.ADMIN).order_by(User.id))
        disabled = session.get(Service, disabled_id)
        if admin is not None and disabled is not None:
            catalogue.disable_service(session, admin, disabled, DISABLED_REASON)
            report.disabled = 1
    session.commit()
