"""Search parameters: the query string of /services and /api/v1/services, read into a SearchQuery and back.

Pure functions over plain values. Unknown or malformed values are ignored, never
errors: a buyer who edits a URL by hand, or follows an old link, still gets a
results page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Protocol

from app.search.index import CERTIFICATIONS, DATA_LOCATIONS, LOTS, ORG_TYPES, SORTS, SearchQuery

# The engine reads at most this many characters of the keywords; keeping no more
# here means the page never echoes a 5,000-character query back.
MAX_Q_CHARS = 200
MAX_CATEGORIES = 50
MAX_SLUG_CHARS = 100
# A page this far along is past the end of any catalogue (and is answered 404).
MAX_PAGE = 10**6
# Pounds with at most two decimal places; digits are ASCII only ("١٢" is not a price).
_MONEY = re.compile(r"([0-9]{1,10})(?:\.([0-9]{0,2}))?|\.([0-9]{1,2})", re.ASCII)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)
_PAGE = re.compile(r"[0-9]{1,12}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Args(Protocol):
    """What a request's query string offers (werkzeug's MultiDict does)."""

    def getlist(self, key: str) -> list[Any]: ...


def _values(args: Args, name: str) -> list[str]:
    return [value.strip() for value in args.getlist(name) if isinstance(value, str)]


def _first_of(args: Args, name: str, allowed: Iterable[str]) -> str | None:
    allowed = tuple(allowed)
    return next((value for value in _values(args, name) if value in allowed), None)


def _all_of(args: Args, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    chosen = set(_values(args, name))
    return tuple(value for value in allowed if value in chosen)  # a fixed order: one URL per filter set


def parse_keywords(raw: str) -> str:
    """The search box text as kept: control characters become spaces, spaces are trimmed, 200 characters at most."""
    return _CONTROL.sub(" ", raw)[:MAX_Q_CHARS].strip()


def parse_price(raw: str) -> int | None:
    """A price in pounds ("25", "25.5", "£1,250.00") as whole pence, or None if it is not one."""
    text = raw.strip().removeprefix("£").replace(",", "").strip()
    match = _MONEY.fullmatch(text)
    if not match:
        return None
    pounds, pence, pence_only = match.groups()
    if pence_only is not None:
        return int(pence_only.ljust(2, "0"))
    return int(pounds) * 100 + int((pence or "").ljust(2, "0"))


def parse_page(raw: str) -> int:
    text = raw.strip()
    if not _PAGE.fullmatch(text):
        return 1
    return min(max(int(text), 1), MAX_PAGE)


def parse_categories(values: Iterable[str]) -> tuple[str, ...]:
    """Slug-shaped values, without repeats; a slug no lot has simply matches nothing."""
    kept: dict[str, None] = {}
    for value in values:
        if len(value) <= MAX_SLUG_CHARS and _SLUG.fullmatch(value):
            kept[value] = None
    return tuple(kept)[:MAX_CATEGORIES]


def parse_search_args(args: Args) -> SearchQuery:
    """The search a query string asks for (see the interface: q, lot, category, org_type, data_location,
    certification, free_trial, price_max, sort, page); what is not understood is left out."""
    q = next(iter(_values(args, "q")), "")
    prices = [p for p in (parse_price(v) for v in _values(args, "price_max")) if p is not None]
    pages = _values(args, "page")
    return SearchQuery(
        q=parse_keywords(q),
        lot=_first_of(args, "lot", LOTS),
        categories=parse_categories(_values(args, "category")),
        org_types=_all_of(args, "org_type", ORG_TYPES),
        data_location=_first_of(args, "data_location", DATA_LOCATIONS),
        certifications=_all_of(args, "certification", CERTIFICATIONS),
        free_trial="1" in _values(args, "free_trial"),
        price_max_pence=prices[0] if prices else None,
        sort=_first_of(args, "sort", SORTS) or "relevance",
        page=parse_page(pages[0]) if pages else 1,
    )


def format_pence(pence: int) -> str:
    """Whole pence as the pounds a buyer would type: 2500 -> "25", 2550 -> "25.50"."""
    pounds, rest = divmod(pence, 100)
    return f"{pounds}.{rest:02d}" if rest else str(pounds)


def search_args(query: SearchQuery, **changes: Any) -> list[tuple[str, str]]:
    """The query string of a search (with ``changes`` applied), in a fixed order and without defaults,
    so links that keep the filters are short and one search has one URL."""
    if changes:
        query = replace(query, **changes)
    args: list[tuple[str, str]] = []
    if query.q:
        args.append(("q", query.q))
    if query.lot:
        args.append(("lot", query.lot))
    args += [("category", c) for c in query.categories]
    args += [("org_type", o) for o in query.org_types]
    if query.data_location:
        args.append(("data_location", query.data_location))
    args += [("certification", c) for c in query.certifications]
    if query.free_trial:
        args.append(("free_trial", "1"))
    if query.price_max_pence is not None:
        args.append(("price_max", format_pence(query.price_max_pence)))
    if query.sort != "relevance":
        args.append(("sort", query.sort))
    if query.page > 1:
        args.append(("page", str(query.page)))
    return args
