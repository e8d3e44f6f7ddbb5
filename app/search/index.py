"""The search interface the rest of the app sees: plain dataclasses and a small protocol.

Search is derived data: the database is the truth, and the index can always
be rebuilt from it. Only ``whoosh_index.py`` knows which engine is behind this.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

PER_PAGE = 30
LOTS = ("cloud-hosting", "cloud-software", "cloud-support")
ORG_TYPES = ("sme", "mutual", "social_enterprise", "vcse", "large")
DATA_LOCATIONS = ("uk", "eea", "other")
CERTIFICATIONS = ("cyber_essentials", "cyber_essentials_plus", "iso27001")
SORTS = ("relevance", "price_asc", "price_desc", "name", "updated")
# "At least" semantics: a buyer who accepts the EEA also accepts data kept in the UK,
# and one who accepts anywhere accepts all three.
LOCATIONS_ACCEPTED = {"uk": ("uk",), "eea": ("uk", "eea"), "other": ("uk", "eea", "other")}


@dataclass(frozen=True)
class ServiceDocument:
    """What the index holds about one visible service (built from its current published version)."""

    id: int
    version: int
    lot: str
    lot_name: str
    name: str
    summary: str
    description: str
    features: tuple[str, ...]
    benefits: tuple[str, ...]
    categories: tuple[str, ...]
    category_names: tuple[str, ...]
    supplier_id: int
    supplier_name: str
    org_types: tuple[str, ...]
    data_location: str
    certifications: tuple[str, ...]
    free_trial: bool
    price_pence: int
    updated: datetime
    # The supplier's accreditation expiry: the service drops out of results on that
    # day even if nothing has written to the index (rule C1, lapsing without a job).
    visible_until: date | None = None


@dataclass(frozen=True)
class IndexChange:
    """Put ``document`` in the index, or remove ``service_id`` when document is None."""

    service_id: int
    document: ServiceDocument | None


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    lot: str | None = None
    categories: tuple[str, ...] = ()
    org_types: tuple[str, ...] = ()
    data_location: str | None = None
    certifications: tuple[str, ...] = ()
    free_trial: bool = False
    price_max_pence: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE
    today: date | None = None


@dataclass(frozen=True)
class SearchHit:
    id: int
    score: float
    # Field name to HTML: the text with matched words in <mark>, everything else escaped.
    highlights: dict[str, str]


@dataclass
class SearchPage:
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    words: tuple[str, ...] = ()


class SearchIndex(Protocol):
    def apply(self, changes: Iterable[IndexChange]) -> None: ...

    def search(self, query: SearchQuery) -> SearchPage: ...

    def rebuild(self, documents: Iterable[ServiceDocument], *, total: int | None = None) -> None: ...

    def indexed_versions(self, today: date | None = None) -> Iterator[tuple[int, int]]: ...
