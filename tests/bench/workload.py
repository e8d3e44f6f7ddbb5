"""The benchmark's query mix: fixed by a seed, with words taken from the seeded services themselves.

Each query takes one to three words from a random service's name, summary and
features (so queries find things); half of them also carry one to three
filters, whose values come from that same service three times in four and
from all values otherwise (so some filtered queries find nothing, as buyers'
do). Queries are written to JSON so every process of a run sees the same mix.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from whoosh.analysis import STOP_WORDS

from app.search.index import CERTIFICATIONS, DATA_LOCATIONS, LOTS, ORG_TYPES, SearchQuery, ServiceDocument

FILTER_KINDS = ("lot", "category", "org_type", "data_location", "certification", "free_trial", "price_max")
PRICE_STEPS_PENCE = (1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000)
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@dataclass(frozen=True)
class Sample:
    """What the mix needs from one service: its words and its filter values."""

    words: tuple[str, ...]
    lot: str
    categories: tuple[str, ...]
    org_types: tuple[str, ...]
    data_location: str
    certifications: tuple[str, ...]
    free_trial: bool
    price_pence: int

    @classmethod
    def of(cls, doc: ServiceDocument) -> Sample:
        text = " ".join([doc.name, doc.summary, *doc.features])
        words = tuple(dict.fromkeys(w.lower() for w in _WORD.findall(text) if w.lower() not in STOP_WORDS))
        return cls(
            words, doc.lot, doc.categories, doc.org_types, doc.data_location, doc.certifications,
            doc.free_trial, doc.price_pence,
        )


@dataclass(frozen=True)
class BenchQuery:
    words: tuple[str, ...]
    lot: str | None = None
    categories: tuple[str, ...] = ()
    org_types: tuple[str, ...] = ()
    data_location: str | None = None
    certifications: tuple[str, ...] = ()
    free_trial: bool = False
    price_max_pence: int | None = None

    @property
    def filter_count(self) -> int:
        chosen = (self.lot, self.categories, self.org_types, self.data_location, self.certifications, self.free_trial)
        return sum(bool(v) for v in chosen) + (self.price_max_pence is not None)

    def search_query(self, today: date) -> SearchQuery:
        return SearchQuery(
            q=" ".join(self.words), lot=self.lot, categories=self.categories, org_types=self.org_types,
            data_location=self.data_location, certifications=self.certifications, free_trial=self.free_trial,
            price_max_pence=self.price_max_pence, today=today,
        )

    def url(self, path: str) -> str:
        """The search page address a buyer would have after ticking these filters."""
        params: list[tuple[str, str]] = [("q", " ".join(self.words))]
        if self.lot:
            params.append(("lot", self.lot))
        params += [("category", c) for c in self.categories]
        params += [("org_type", o) for o in self.org_types]
        if self.data_location:
            params.append(("data_location", self.data_location))
        params += [("certification", c) for c in self.certifications]
        if self.free_trial:
            params.append(("free_trial", "1"))
        if self.price_max_pence is not None:
            params.append(("price_max", str(self.price_max_pence // 100)))
        return f"{path}?{urlencode(params)}"


def make_queries(samples: Sequence[Sample], all_categories: Sequence[str], count: int, seed: int) -> list[BenchQuery]:
    rng = random.Random(seed)
    usable = [s for s in samples if s.words]
    queries = []
    for n in range(count):
        sample = rng.choice(usable)
        words = tuple(rng.sample(sample.words, min(len(sample.words), rng.randint(1, 3))))
        values: dict[str, object] = {}
        if n % 2 == 1:
            for kind in rng.sample(FILTER_KINDS, rng.randint(1, 3)):
                own = rng.random() < 0.75
                values.update(_filter(kind, sample, own, all_categories, rng))
        queries.append(BenchQuery(words=words, **values))  # type: ignore[arg-type]
    return queries


def _filter(
    kind: str, sample: Sample, own: bool, all_categories: Sequence[str], rng: random.Random
) -> dict[str, object]:
    if kind == "lot":
        return {"lot": sample.lot if own else rng.choice(LOTS)}
    if kind == "category":
        return {"categories": (rng.choice(sample.categories if own and sample.categories else all_categories),)}
    if kind == "org_type":
        return {"org_types": (rng.choice(sample.org_types if own and sample.org_types else ORG_TYPES),)}
    if kind == "data_location":
        return {"data_location": sample.data_location if own else rng.choice(DATA_LOCATIONS)}
    if kind == "certification":
        pool = sample.certifications if own and sample.certifications else CERTIFICATIONS
        return {"certifications": (rng.choice(pool),)}
    if kind == "free_trial":
        return {"free_trial": True}
    steps = [p for p in PRICE_STEPS_PENCE if p >= sample.price_pence] if own else list(PRICE_STEPS_PENCE)
    return {"price_max_pence": rng.choice(steps or [PRICE_STEPS_PENCE[-1]])}


def save(queries: Iterable[BenchQuery], path: Path) -> None:
    path.write_text(json.dumps([asdict(q) for q in queries]))


def load(path: Path) -> list[BenchQuery]:
    result = []
    for raw in json.loads(path.read_text()):
        for key in ("words", "categories", "org_types", "certifications"):
            raw[key] = tuple(raw[key])
        result.append(BenchQuery(**raw))
    return result


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 of 500 values is the 250th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]
