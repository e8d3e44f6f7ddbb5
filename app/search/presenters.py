"""Search results as buyers read them: the sentence, the cards, the filters with counts, and the links.

``SearchResults`` shapes one page of search (a ``SearchPage`` from the index and
the rows the view loaded from the database) for the HTML page and the JSON API,
in the manner of the Digital Marketplace's presenter of the same name. It
builds links from the search parameters alone, so it needs no request.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from math import ceil
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from app.catalogue import rules
from app.catalogue.models import Service, ServiceVersion
from app.search.index import CERTIFICATIONS, DATA_LOCATIONS, LOTS, SearchPage, SearchQuery
from app.search.params import format_pence, search_args
from app.suppliers.presenters import Badge, badges

# The order buyers read organisation types in (not the order of the index's list).
ORG_TYPE_LABELS = {
    "sme": "SME",
    "large": "Large organisation",
    "mutual": "Public service mutual",
    "social_enterprise": "Social enterprise",
    "vcse": "VCSE",
}
# Shorter words for the sentence under the search box: "filtered by: Mutual".
ORG_TYPE_SHORT_LABELS = {**ORG_TYPE_LABELS, "mutual": "Mutual"}
# "At least" semantics: each option also counts the stricter locations.
DATA_LOCATION_LABELS = {"uk": "UK only", "eea": "UK or EEA", "other": "Anywhere"}
CERTIFICATION_LABELS = {value: rules.CERTIFICATIONS[value] for value in CERTIFICATIONS}
SORT_LABELS = {
    "relevance": "Relevance",
    "price_asc": "Price low to high",
    "price_desc": "Price high to low",
    "name": "Name",
    "updated": "Recently updated",
}
ORG_TYPE_BADGES = frozenset(ORG_TYPE_LABELS)
_MARK = re.compile(r"</?mark>")

assert set(DATA_LOCATION_LABELS) == set(DATA_LOCATIONS)


# What the catalogue calls things (loaded once per request from the framework's lots).


@dataclass(frozen=True)
class CategoryGroupTerms:
    slug: str
    name: str
    categories: tuple[tuple[str, str], ...]  # (slug, name), in the group's order


@dataclass(frozen=True)
class LotTerms:
    slug: str
    name: str
    categories: tuple[tuple[str, str], ...]  # (slug, name), by name
    groups: tuple[CategoryGroupTerms, ...] = ()


@dataclass(frozen=True)
class CatalogueTerms:
    lots: tuple[LotTerms, ...]

    def lot(self, slug: str | None) -> LotTerms | None:
        return next((lot for lot in self.lots if lot.slug == slug), None)

    def category_name(self, slug: str, lot: str | None = None) -> str:
        """A category's name, from the chosen lot first (the same slug can name a category in two lots)."""
        ordered = sorted(self.lots, key=lambda terms: terms.slug != lot)
        for terms in ordered:
            for category_slug, name in terms.categories:
                if category_slug == slug:
                    return name
        return slug


# What the page shows.


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool
    # A category listed in more than one group of the tree is answered by its first
    # checkbox only; the others name that group (so unticking one box is enough).
    chosen_under: str | None = None

    @property
    def text(self) -> str:
        return f"{self.label} ({self.count})"


@dataclass(frozen=True)
class OptionGroup:
    """A group of the category tree (cloud software), with its options."""

    slug: str
    name: str
    options: list[FacetOption]

    @property
    def has_checked(self) -> bool:
        return any(option.checked for option in self.options)


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter: lot, category, org_type, data_location, certification
    label: str
    options: list[FacetOption]
    groups: list[OptionGroup] = field(default_factory=list)  # categories of a lot that has a tree

    def counts(self) -> dict[str, int]:
        return {option.value: option.count for option in self.options}


@dataclass(frozen=True)
class ChosenFilter:
    """A filter in force, with the link that removes just it."""

    label: str
    remove_url: str


@dataclass(frozen=True)
class ResultCard:
    id: int
    name: str
    name_html: Markup
    summary: str
    summary_html: Markup
    supplier_id: int
    supplier_name: str
    supplier_url: str
    organisation_type: str | None
    sme: bool
    badges: list[Badge]
    lot: str
    lot_name: str
    price_text: str
    price: dict[str, Any]
    url: str


@dataclass(frozen=True)
class Suggestion:
    text: str
    url: str


@dataclass(frozen=True)
class SortOption:
    value: str
    label: str
    selected: bool


def _safe_highlight(highlight: str | None, text: str) -> Markup:
    """The engine's highlight (escaped text with <mark> around matched words) if it is of this very text;
    otherwise the text escaped, so a card never shows words from an older version than the database's."""
    if highlight is not None and html.unescape(_MARK.sub("", highlight)) == text:
        return Markup(highlight)  # escaped by the engine: only <mark> tags are markup
    return Markup.escape(text)


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


class SearchResults:
    """One page of search results, shaped for people (the HTML page) and programs (the JSON API)."""

    def __init__(
        self,
        query: SearchQuery,
        page: SearchPage,
        rows: Mapping[int, tuple[Service, ServiceVersion]],
        terms: CatalogueTerms,
        *,
        today: date,
        base_url: str = "/services",
        service_url: Callable[[int], str] = lambda service_id: f"/services/{service_id}",
        supplier_url: Callable[[int], str] = lambda supplier_id: f"/suppliers/{supplier_id}",
    ) -> None:
        self.query = query
        self.page = page
        self.terms = terms
        self.today = today
        self.base_url = base_url
        self.service_url = service_url
        self.supplier_url = supplier_url
        # Hits whose service the database no longer shows (changed since it was indexed) are left out.
        self.cards = [self._card(hit.id, hit.highlights, rows[hit.id]) for hit in page.hits if hit.id in rows]
        skipped = len(page.hits) - len(self.cards)
        self.total = max(page.total - skipped, 0)
        self.lot = terms.lot(query.lot)

    # Paging

    @property
    def per_page(self) -> int:
        return self.query.per_page

    @property
    def last_page(self) -> int:
        return max(1, ceil(self.page.total / self.query.per_page))

    @property
    def is_past_end(self) -> bool:
        """A page after the last one (page 1 always exists, even with nothing on it)."""
        return self.query.page > self.last_page

    def url(self, **changes: Any) -> str:
        args = search_args(self.query, **changes)
        return f"{self.base_url}?{urlencode(args)}" if args else self.base_url

    def pagination(self) -> dict[str, Any] | None:
        """The parameters of the GOV.UK pagination component, every link keeping the search and its filters."""
        current, last = self.query.page, self.last_page
        if last <= 1:
            return None
        params: dict[str, Any] = {}
        if current > 1:
            params["previous"] = {"href": self.url(page=current - 1)}
        if current < last:
            params["next"] = {"href": self.url(page=current + 1)}
        items: list[dict[str, Any]] = []
        for number in range(1, last + 1):
            if number in (1, last) or abs(number - current) <= 2:
                items.append({"number": number, "href": self.url(page=number), "current": number == current})
            elif abs(number - current) == 3:
                items.append({"ellipsis": True})
        params["items"] = items
        return params

    # The sentence and the filters in force

    @property
    def summary(self) -> str:
        """'34 services found for ‘case management’ in Cloud software, filtered by: Mutual'."""
        text = f"{_count(self.total, 'service', 'services')} found"
        if self.query.q:
            text += f" for ‘{self.query.q}’"
        text += f" in {self.lot.name}" if self.lot else " in all lots"
        labels = [chosen.label for chosen in self.chosen_filters(include_lot=False)]
        if labels:
            text += ", filtered by: " + ", ".join(labels)
        return text

    def _ordered_categories(self) -> list[str]:
        """The chosen categories in the order the filter lists them: the lot's order, then by name."""
        position = {slug: number for number, (slug, _) in enumerate(self.lot.categories)} if self.lot else {}
        return sorted(
            self.query.categories,
            key=lambda slug: (
                position.get(slug, len(position)), self.terms.category_name(slug, self.query.lot).casefold(), slug
            ),
        )

    def chosen_filters(self, *, include_lot: bool = True) -> list[ChosenFilter]:
        """Every filter in force, in a fixed order, each with a link that removes only it."""
        q = self.query
        chosen: list[ChosenFilter] = []
        if include_lot and self.lot:
            chosen.append(ChosenFilter(self.lot.name, self.url(lot=None, page=1)))
        for slug in self._ordered_categories():
            others = tuple(c for c in q.categories if c != slug)
            chosen.append(ChosenFilter(self.terms.category_name(slug, q.lot), self.url(categories=others, page=1)))
        for value in ORG_TYPE_LABELS:
            if value in q.org_types:
                others = tuple(o for o in q.org_types if o != value)
                chosen.append(ChosenFilter(ORG_TYPE_SHORT_LABELS[value], self.url(org_types=others, page=1)))
        if q.data_location:
            chosen.append(ChosenFilter(DATA_LOCATION_LABELS[q.data_location], self.url(data_location=None, page=1)))
        for value in CERTIFICATIONS:
            if value in q.certifications:
                others = tuple(c for c in q.certifications if c != value)
                chosen.append(ChosenFilter(CERTIFICATION_LABELS[value], self.url(certifications=others, page=1)))
        if q.free_trial:
            chosen.append(ChosenFilter("Free trial", self.url(free_trial=False, page=1)))
        if q.price_max_pence is not None:
            label = f"Starting price up to £{Decimal(q.price_max_pence) / 100:,.2f}"
            chosen.append(ChosenFilter(label, self.url(price_max_pence=None, page=1)))
        return chosen

    @property
    def clear_url(self) -> str:
        """Every filter removed; the keywords and the order kept."""
        args = search_args(SearchQuery(q=self.query.q, sort=self.query.sort))
        return f"{self.base_url}?{urlencode(args)}" if args else self.base_url

    @property
    def suggestion(self) -> Suggestion | None:
        if not self.page.suggestion:
            return None
        return Suggestion(self.page.suggestion, self.url(q=self.page.suggestion, page=1))

    @property
    def price_max(self) -> str:
        """The price filter as the buyer typed it, for the input box."""
        return format_pence(self.query.price_max_pence) if self.query.price_max_pence is not None else ""

    def sort_options(self) -> list[SortOption]:
        return [SortOption(value, label, value == self.query.sort) for value, label in SORT_LABELS.items()]

    # Facets

    def _counts(self, name: str) -> dict[str, int]:
        return self.page.facets.get(name, {})

    def facets(self) -> list[Facet]:
        return [self.lot_facet(), self.category_facet(), self.org_type_facet(), self.data_location_facet(),
                self.certification_facet()]

    def lot_facet(self) -> Facet:
        counts = self._counts("lot")
        options = []
        for slug in LOTS:
            terms = self.terms.lot(slug)
            name = terms.name if terms else slug
            options.append(FacetOption(slug, name, counts.get(slug, 0), self.query.lot == slug))
        return Facet("lot", "Lot", options)

    @property
    def all_lots_count(self) -> int:
        """How many services all lots together would give (every service is in exactly one lot)."""
        return sum(self._counts("lot").get(slug, 0) for slug in LOTS)

    def category_facet(self) -> Facet:
        """The chosen lot's categories (grouped by the category tree where the lot has one);
        with no lot, every category that has services, by name."""
        counts = self._counts("category")
        chosen = set(self.query.categories)
        lot = self.lot
        if lot is None:
            known = {slug for terms in self.terms.lots for slug, _ in terms.categories}
            # A chosen category stays listed at 0, so it can be unticked.
            slugs = {slug for slug, count in counts.items() if count > 0} | (chosen & known)
            named = [(self.terms.category_name(slug), slug) for slug in slugs]
            named.sort(key=lambda pair: (pair[0].casefold(), pair[1]))
            options = [FacetOption(slug, name, counts.get(slug, 0), slug in chosen) for name, slug in named]
            return Facet("category", "Category", options)
        options = [FacetOption(slug, name, counts.get(slug, 0), slug in chosen) for slug, name in lot.categories]
        groups: list[OptionGroup] = []
        first_group: dict[str, str] = {}
        for group in lot.groups:
            group_options = []
            for slug, name in group.categories:
                earlier = first_group.setdefault(slug, group.name)
                under = earlier if earlier != group.name else None
                group_options.append(FacetOption(slug, name, counts.get(slug, 0), slug in chosen, chosen_under=under))
            groups.append(OptionGroup(group.slug, group.name, group_options))
        return Facet("category", "Category", options, groups)

    def org_type_facet(self) -> Facet:
        counts = self._counts("org_type")
        options = [
            FacetOption(value, label, counts.get(value, 0), value in self.query.org_types)
            for value, label in ORG_TYPE_LABELS.items()
        ]
        return Facet("org_type", "Type of organisation", options)

    def data_location_facet(self) -> Facet:
        counts = self._counts("data_location")
        options = [
            FacetOption(value, label, counts.get(value, 0), self.query.data_location == value)
            for value, label in DATA_LOCATION_LABELS.items()
        ]
        return Facet("data_location", "Where data is kept", options)

    def certification_facet(self) -> Facet:
        counts = self._counts("certification")
        options = [
            FacetOption(value, label, counts.get(value, 0), value in self.query.certifications)
            for value, label in CERTIFICATION_LABELS.items()
        ]
        return Facet("certification", "Certifications", options)

    # Cards

    def _card(self, service_id: int, highlights: Mapping[str, str], row: tuple[Service, ServiceVersion]) -> ResultCard:
        service, version = row
        data = version.data
        org = service.organisation
        name, summary = str(data.get("name") or service.name), str(data.get("summary") or "")
        return ResultCard(
            id=service_id,
            name=name,
            name_html=_safe_highlight(highlights.get("name"), name),
            summary=summary,
            summary_html=_safe_highlight(highlights.get("summary"), summary),
            supplier_id=org.id,
            supplier_name=org.name,
            supplier_url=self.supplier_url(org.id),
            organisation_type=org.organisation_type,
            sme=org.is_sme,
            badges=[badge for badge in badges(org, self.today) if badge.key in ORG_TYPE_BADGES],
            lot=service.lot.slug,
            lot_name=service.lot.name,
            price_text=rules.price_text(data),
            price={
                "min": data.get("price_min"),
                "max": data.get("price_max"),
                "unit": data.get("price_unit"),
                "interval": data.get("price_interval"),
            },
            url=self.service_url(service_id),
        )

    # The JSON API

    def as_json(self) -> dict[str, Any]:
        """The answer of GET /api/v1/services (its shape is part of the stable interface)."""
        return {
            "total": self.total,
            "page": self.query.page,
            "per_page": self.query.per_page,
            "results": [
                {
                    "id": card.id,
                    "name": card.name,
                    "supplier": {
                        "id": card.supplier_id,
                        "name": card.supplier_name,
                        "organisation_type": card.organisation_type,
                        "sme": card.sme,
                    },
                    "lot": card.lot,
                    "summary": card.summary,
                    "price": card.price,
                    "url": card.url,
                    "highlights": {"name": str(card.name_html), "summary": str(card.summary_html)},
                }
                for card in self.cards
            ],
            "facets": {facet.name: facet.counts() for facet in self.facets()},
        }

