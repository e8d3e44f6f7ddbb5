"""Catalogue rules (C1-C3): what a service may contain, when it is complete, how versions differ.

Pure functions over plain values: the forms, the JSON API and the seed
generator all clean service fields here, so they accept and refuse exactly
the same things with the same messages.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.exceptions import DomainError


class ServiceStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    DISABLED = "disabled"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "published": "Published", "withdrawn": "Withdrawn", "disabled": "Disabled by an admin"}[self.value]


class ServiceAction(enum.StrEnum):
    PUBLISH = "publish"
    EDIT = "edit"
    WITHDRAW = "withdraw"
    DISABLE = "disable"
    ENABLE = "enable"


_MOVES: dict[tuple[ServiceStatus, ServiceAction], ServiceStatus] = {
    (ServiceStatus.DRAFT, ServiceAction.PUBLISH): ServiceStatus.PUBLISHED,
    (ServiceStatus.DRAFT, ServiceAction.EDIT): ServiceStatus.DRAFT,
    (ServiceStatus.PUBLISHED, ServiceAction.EDIT): ServiceStatus.PUBLISHED,
    (ServiceStatus.PUBLISHED, ServiceAction.WITHDRAW): ServiceStatus.WITHDRAWN,
    (ServiceStatus.PUBLISHED, ServiceAction.DISABLE): ServiceStatus.DISABLED,
    (ServiceStatus.DISABLED, ServiceAction.EDIT): ServiceStatus.DISABLED,
    (ServiceStatus.DISABLED, ServiceAction.ENABLE): ServiceStatus.PUBLISHED,
    (ServiceStatus.DISABLED, ServiceAction.WITHDRAW): ServiceStatus.WITHDRAWN,
}


class ServiceStateError(DomainError):
    pass


def next_service_status(current: ServiceStatus, action: ServiceAction) -> ServiceStatus:
    """Where a service goes next; a withdrawn service is final, and only a draft can be published."""
    try:
        return _MOVES[(current, action)]
    except KeyError:
        raise ServiceStateError(f"A {current.label.lower()} service cannot be {_PAST[action]}") from None


_PAST = {
    ServiceAction.PUBLISH: "published",
    ServiceAction.EDIT: "changed",
    ServiceAction.WITHDRAW: "withdrawn",
    ServiceAction.DISABLE: "disabled",
    ServiceAction.ENABLE: "enabled",
}


@dataclass(frozen=True)
class LotSpec:
    slug: str
    name: str
    min_categories: int
    max_categories: int
    category_slugs: frozenset[str]


# Fixed lists (values are the stable API names; labels are what people read).
PRICE_UNITS = {
    "unit": "unit", "person": "person", "licence": "licence", "user": "user", "device": "device",
    "instance": "instance", "server": "server", "virtual-machine": "virtual machine",
    "transaction": "transaction", "megabyte": "megabyte", "gigabyte": "gigabyte", "terabyte": "terabyte",
}
PRICE_INTERVALS = {
    "": "", "second": "second", "minute": "minute", "hour": "hour", "day": "day", "week": "week",
    "month": "month", "quarter": "quarter", "6-months": "6 months", "year": "year",
}
PRICING_MODELS = {"pay_as_you_go": "Pay as you go", "fixed": "Fixed periodic charge"}
MINIMUM_CONTRACT_PERIODS = {"none": "No minimum", "hour": "1 hour", "day": "1 day", "month": "1 month", "year": "1 year"}
DATA_LOCATIONS = {"uk": "UK only", "eea": "UK or European Economic Area", "other": "Outside the UK and EEA"}
CERTIFICATIONS = {"cyber_essentials": "Cyber Essentials", "cyber_essentials_plus": "Cyber Essentials Plus", "iso27001": "ISO/IEC 27001"}
STANDARDS = {
    "iso27001": "ISO/IEC 27001", "iso28000": "ISO 28000", "csa_star": "CSA STAR", "pci_dss": "PCI DSS",
    "ncsc_cloud_principles": "NCSC Cloud Security Principles",
}
CLEARANCES = {"none": "None", "bpss": "Baseline Personnel Security Standard (BPSS)", "sc": "Security Check (SC)", "dv": "Developed Vetting (DV)"}
SUPPORT_CHANNELS = {"email": "Email", "phone": "Telephone", "web_chat": "Web chat", "ticketing": "Online ticketing"}
SUPPORT_RESPONSE_TIMES = {
    "1_hour": "Within 1 hour", "4_hours": "Within 4 hours", "1_working_day": "Within 1 working day",
    "2_working_days": "Within 2 working days", "longer": "Longer than 2 working days",
}
SUPPORT_HOURS = {"24_7": "24 hours a day, 7 days a week", "extended": "Extended hours (evenings or weekends)", "working_hours": "Working hours, Monday to Friday"}
WCAG_LEVELS = {
    "wcag22_aaa": "WCAG 2.2 AAA", "wcag22_aa": "WCAG 2.2 AA or EN 301 549", "wcag22_a": "WCAG 2.2 A",
    "none": "Does not meet WCAG 2.2 A",
}
EXIT_FORMATS = {"csv": "CSV", "json": "JSON", "xml": "XML", "odf": "OpenDocument (ODF)", "sql": "SQL dump", "other": "Other format"}
OPEN_EXIT_FORMATS = frozenset({"csv", "json", "xml", "odf", "sql"})

# Which fixed list each choice field takes its values from (one answer, or several).
SINGLE_CHOICES: dict[str, dict[str, str]] = {
    "price_unit": PRICE_UNITS,
    "pricing_model": PRICING_MODELS,
    "minimum_contract_period": MINIMUM_CONTRACT_PERIODS,
    "data_location": DATA_LOCATIONS,
    "staff_security_clearance": CLEARANCES,
    "support_response_time": SUPPORT_RESPONSE_TIMES,
    "support_hours": SUPPORT_HOURS,
    "accessibility": WCAG_LEVELS,
}
MULTIPLE_CHOICES: dict[str, dict[str, str]] = {
    "certifications": CERTIFICATIONS,
    "standards": STANDARDS,
    "support_channels": SUPPORT_CHANNELS,
    "exit_data_formats": EXIT_FORMATS,
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    section: str
    required: bool = True


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    optional: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("about", "About the service"),
    Section("features", "Features and benefits"),
    Section("categories", "Categories"),
    Section("pricing", "Pricing"),
    Section("security", "Data and security"),
    Section("support", "Support and accessibility"),
    Section("exit", "Onboarding and exit"),
    Section("documents", "Documents", optional=True),
)
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}

FIELDS: tuple[Field, ...] = (
    Field("name", "Service name", "about"),
    Field("summary", "Summary", "about"),
    Field("description", "Description", "about"),
    Field("features", "Features", "features"),
    Field("benefits", "Benefits", "features"),
    Field("categories", "Categories", "categories"),
    Field("price_min", "Starting price", "pricing"),
    Field("price_max", "Maximum price", "pricing", required=False),
    Field("price_unit", "Price unit", "pricing"),
    Field("price_interval", "Price interval", "pricing", required=False),
    Field("pricing_model", "Pricing model", "pricing"),
    Field("free_trial", "Free trial or free version", "pricing"),
    Field("education_pricing", "Education pricing", "pricing"),
    Field("minimum_contract_period", "Minimum contract period", "pricing"),
    Field("data_location", "Where buyer data is stored and processed", "security"),
    Field("certifications", "Certifications that apply to this service", "security", required=False),
    Field("standards", "Standards the service meets", "security", required=False),
    Field("staff_security_clearance", "Staff security clearance", "security"),
    Field("support_channels", "Support channels", "support"),
    Field("support_response_time", "Support response time", "support"),
    Field("support_hours", "Support hours", "support"),
    Field("accessibility", "Accessibility of the service", "support"),
    Field("onboarding", "Onboarding", "exit"),
    Field("exit_process", "How the buyer's data is returned at the end of the contract", "exit"),
    Field("exit_data_formats", "Formats the buyer's data is returned in", "exit"),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
SECTION_FIELDS: dict[str, tuple[str, ...]] = {s.key: tuple(f.name for f in FIELDS if f.section == s.key) for s in SECTIONS}

NAME_MAX_CHARS = 100
SUMMARY_MAX_CHARS = 500
SUMMARY_MAX_WORDS = 50
DESCRIPTION_MAX_CHARS = 3000
LIST_MAX_ITEMS = 10
LIST_ITEM_MAX_WORDS = 10
LIST_ITEM_MAX_CHARS = 120
TEXT_MAX_CHARS = 1500
MAX_PRICE = Decimal("1000000000")

Errors = dict[str, list[str]]


class ServiceValidationError(DomainError):
    """Field-by-field problems, each a sentence saying how to fix it."""

    def __init__(self, errors: Errors) -> None:
        super().__init__("; ".join(f"{k}: {v[0]}" for k, v in errors.items()))
        self.errors = errors


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]*)?|-?\.[0-9]+", re.ASCII)


def _words(text: str) -> int:
    return len(text.split())


def _text(value: Any, label: str, max_chars: int, errors: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(f"{label} must be text")
        return None
    cleaned = _CONTROL.sub("", value).strip()
    if len(cleaned) > max_chars:
        errors.append(f"{label} must be {max_chars:,} characters or fewer (it has {len(cleaned):,})")
    return cleaned


def _choice(value: Any, label: str, options: Mapping[str, str], errors: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in options:
        allowed = ", ".join(k for k in options if k) or "none"
        errors.append(f"{label} must be one of: {allowed}")
        return None
    return value


def _choices(value: Any, label: str, options: Mapping[str, str], errors: list[str]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{label} must be a list")
        return None
    unknown = [v for v in value if v not in options]
    if unknown:
        errors.append(f"{label}: {', '.join(unknown)} is not one of: {', '.join(options)}")
        return None
    return [v for v in options if v in value]  # known order, no duplicates


def _bool(value: Any, label: str, errors: list[str]) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        errors.append(f"{label}: answer yes or no (true or false)")
        return None
    return value


def _money(value: Any, label: str, errors: list[str]) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        errors.append(f"Enter the {label.lower()} in pounds, like 12.50")
        return None
    text = str(value).replace(",", "").replace("£", "").strip()
    # Decimal() also reads "1_000", "NaN" and non-ASCII digits; people's text must be plain digits.
    if isinstance(value, str) and not _MONEY_TEXT.fullmatch(text):
        errors.append(f"Enter the {label.lower()} in pounds and pence, using numbers only, like 12.50")
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors.append(f"Enter the {label.lower()} in pounds and pence, using numbers only, like 12.50")
        return None
    if amount.is_zero():
        amount = Decimal(0)  # never store "-0.00"
    if not amount.is_finite() or amount < 0:
        errors.append(f"The {label.lower()} must be £0 or more")
        return None
    if amount > MAX_PRICE:
        errors.append(f"The {label.lower()} must be £1,000,000,000 or less")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.append(f"The {label.lower()} can have at most 2 decimal places (pence)")
        return None
    return str(amount.quantize(Decimal("0.01")))


def _items(value: Any, label: str, errors: list[str]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{label} must be a list of short phrases")
        return None
    items = [_CONTROL.sub("", v).strip() for v in value]
    items = [v for v in items if v]
    if len(items) > LIST_MAX_ITEMS:
        errors.append(f"Enter no more than {LIST_MAX_ITEMS} {label.lower()} (there are {len(items)})")
    for number, item in enumerate(items, start=1):
        if _words(item) > LIST_ITEM_MAX_WORDS or len(item) > LIST_ITEM_MAX_CHARS:
            errors.append(f"{label[:-1]} {number} must be {LIST_ITEM_MAX_WORDS} words or fewer")
    return items


def clean_fields(values: Mapping[str, Any], lot: LotSpec) -> tuple[dict[str, Any], Errors]:
    """Check the given service fields (any subset) and return them normalised, with errors by field.

    Limits follow G-Cloud (rule C3): name up to 100 characters; summary up to
    50 words and 500 characters; up to 10 features and 10 benefits of at most
    10 words each; categories from the lot, within its limits; a starting
    price, and a maximum no lower than it; units and intervals from fixed
    lists. Prices exclude VAT. A field given as null is cleared.
    """
    cleaned: dict[str, Any] = {}
    errors: Errors = {}
    for name, value in values.items():
        problems: list[str] = []
        field = FIELDS_BY_NAME.get(name)
        if field is None:
            errors[name] = [f"{name} is not a field of a service"]
            continue
        label = field.label
        result: Any
        match name:
            case "name":
                result = _text(value, label, NAME_MAX_CHARS, problems)
            case "summary":
                result = _text(value, label, SUMMARY_MAX_CHARS, problems)
                if result and _words(result) > SUMMARY_MAX_WORDS:
                    problems.append(f"Summary must be {SUMMARY_MAX_WORDS} words or fewer (it has {_words(result)})")
            case "description":
                result = _text(value, label, DESCRIPTION_MAX_CHARS, problems)
            case "onboarding" | "exit_process":
                result = _text(value, label, TEXT_MAX_CHARS, problems)
            case "features" | "benefits":
                result = _items(value, label, problems)
            case "categories":
                result = _categories(value, lot, problems)
            case "price_min" | "price_max":
                result = _money(value, label, problems)
            case "price_interval":
                result = _choice("" if value is None else value, label, PRICE_INTERVALS, problems)
            case "free_trial" | "education_pricing":
                result = _bool(value, label, problems)
            case _ if name in SINGLE_CHOICES:
                result = _choice(value, label, SINGLE_CHOICES[name], problems)
            case _ if name in MULTIPLE_CHOICES:
                result = _choices(value, label, MULTIPLE_CHOICES[name], problems)
                if name == "exit_data_formats" and result and not OPEN_EXIT_FORMATS & set(result):
                    problems.append("Choose at least one open format (CSV, JSON, XML, ODF or SQL) so the buyer can leave with their data")
            case _:  # pragma: no cover - every field is matched above
                raise AssertionError(name)
        if problems:
            errors[name] = problems
        else:
            cleaned[name] = result
    _check_price_range(cleaned, errors)
    return cleaned, errors


def _categories(value: Any, lot: LotSpec, errors: list[str]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append("Categories must be a list of category names from the lot")
        return None
    chosen = list(dict.fromkeys(value))
    unknown = [v for v in chosen if v not in lot.category_slugs]
    if unknown:
        errors.append(f"{', '.join(unknown[:3])} {'is' if len(unknown) == 1 else 'are'} not a category of {lot.name}")
        return None
    if len(chosen) > lot.max_categories:
        errors.append(f"Choose no more than {lot.max_categories} categories for {lot.name} (you chose {len(chosen)})")
        return None
    return sorted(chosen)


def _check_price_range(cleaned: dict[str, Any], errors: Errors) -> None:
    low, high = cleaned.get("price_min"), cleaned.get("price_max")
    if low is not None and high is not None and Decimal(high) < Decimal(low):
        errors.setdefault("price_max", []).append("The maximum price must be the same as or more than the starting price")
        cleaned.pop("price_max", None)


def missing(data: Mapping[str, Any], lot: LotSpec) -> dict[str, list[str]]:
    """What each section still needs before the service can be published."""
    result: dict[str, list[str]] = {s.key: [] for s in SECTIONS}
    for field in FIELDS:
        value = data.get(field.name)
        if field.required and (value is None or value == "" or value == []):
            result[field.section].append(missing_message(field))
    categories = data.get("categories") or []
    if categories and len(categories) < lot.min_categories:
        result["categories"].append(f"Choose at least {lot.min_categories} categories")
    return result


def missing_message(field: Field) -> str:
    """What to do about a required field that has no answer yet."""
    label = field.label[0].lower() + field.label[1:]
    if field.name in {"categories", "support_channels", "exit_data_formats", "features", "benefits"}:
        return f"Add {label}"
    if field.name in OWN_MISSING_MESSAGES:
        return OWN_MISSING_MESSAGES[field.name]
    if label.startswith(("where ", "how ")):  # a question, not a noun: "Say where buyer data is stored"
        return f"Say {label}"
    if field.name in SINGLE_CHOICES:  # answered with radios: chosen, not typed
        return f"Choose the {label.lower()}"
    return f"Enter the {label.lower()}"


# Where the label does not make a message by the rules above: yes-or-no answers, asked as their question.
OWN_MISSING_MESSAGES = {
    "free_trial": "Say whether there is a free trial or free version",
    "education_pricing": "Say whether there is education pricing",
    "accessibility": "Choose how accessible the service is",
    "onboarding": "Describe the onboarding",
}


def is_complete(data: Mapping[str, Any], lot: LotSpec) -> bool:
    return not any(missing(data, lot).values())


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """Exactly the fields whose values differ between two versions, in form order."""
    names = [f.name for f in FIELDS] + sorted((set(before) | set(after)) - set(FIELDS_BY_NAME))
    changes = []
    for name in names:
        if before.get(name) != after.get(name):
            label = FIELDS_BY_NAME[name].label if name in FIELDS_BY_NAME else name.replace("_", " ").capitalize()
            changes.append(FieldChange(name, label, before.get(name), after.get(name)))
    return changes


def unheld_certifications(claimed: Iterable[str], held: Iterable[str]) -> list[str]:
    """Certifications a service claims that its supplier does not hold a current certificate for."""
    held_set = set(held)
    # Cyber Essentials Plus includes the Cyber Essentials controls.
    if "cyber_essentials_plus" in held_set:
        held_set.add("cyber_essentials")
    return [c for c in claimed if c not in held_set]


def display(name: str, value: Any) -> str:
    """A field's value as a buyer reads it."""
    options = {**SINGLE_CHOICES, **MULTIPLE_CHOICES, "price_interval": PRICE_INTERVALS}.get(name)
    if value is None or value == [] or value == "":
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(options.get(v, v) if options else v for v in value)
    if options:
        return options.get(value, value)
    if name in {"price_min", "price_max"}:
        return f"£{Decimal(value):,.2f}"
    return str(value)


def price_text(data: Mapping[str, Any]) -> str:
    """'£1,200.00 to £2,000.00 a licence a year', the way G-Cloud showed prices."""
    if data.get("price_min") is None:
        return "Price not given"
    text = f"£{Decimal(data['price_min']):,.2f}"
    if data.get("price_max"):
        text += f" to £{Decimal(data['price_max']):,.2f}"
    unit = PRICE_UNITS.get(data.get("price_unit") or "", "")
    interval = PRICE_INTERVALS.get(data.get("price_interval") or "", "")
    if unit:
        text += f" {_per(unit)}"
    if interval:
        text += f" {_per(interval)}"
    return text


def _per(word: str) -> str:
    """'a user', 'an hour', 'an instance', 'every 6 months'."""
    if word[:1].isdigit():
        return f"every {word}"
    return f"{'an' if word[:1] in 'aeio' or word == 'hour' else 'a'} {word}"
