"""Who awarded contracts go to: the share of value and of contracts won by SMEs, mutuals and VCSEs.

The dashboard metric is the direct SME share: award value to SMEs divided by
all award value (domain rule R2.3), set against the target of 33% of central
government spend with SMEs. A supplier's size and flags are those recorded at
award (rule C4), so a supplier that grows later does not rewrite the past.

The groups overlap: an SME that is also a public service mutual counts in both
shares. A contract ended early at a break counts at the value it was awarded
at, because the share measures what was awarded, not what was spent.

Pure functions over ``AwardRecord`` values: no Flask, no session.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.transparency.records import AwardRecord

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, for example 2026 Q3 (1 July to 30 September 2026)."""

    year: int
    number: int  # 1 to 4

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"A quarter is numbered 1 to 4, not {self.number}")

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.number}"

    @property
    def key(self) -> str:
        """The quarter as written in a web address, for example ``2026-Q3``."""
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def __str__(self) -> str:
        return self.label


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from `first` to `last`, both included, in order (none if `last` is before `first`)."""
    quarters = []
    quarter = first
    while quarter <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_QUARTER = re.compile(r"^\s*(?:(\d{4})\s*[-/ ]?\s*Q([1-4])|Q([1-4])\s*[-/ ]?\s*(\d{4}))\s*$", re.IGNORECASE)


def parse_period(text: str) -> tuple[Quarter, Quarter]:
    """The first and last quarter of a year ("2026") or of one quarter ("2026 Q3", "2026-Q3", "Q3 2026").
    Raises ValueError for anything else."""
    if match := _YEAR.match(text):
        year = int(match.group(1))
        return Quarter(year, 1), Quarter(year, 4)
    if match := _QUARTER.match(text):
        year = int(match.group(1) or match.group(4))
        quarter = Quarter(year, int(match.group(2) or match.group(3)))
        return quarter, quarter
    raise ValueError(f"{text!r} is not a year or a quarter")


def period_key(text: str) -> str:
    """A year or quarter written the one way the filter form writes it ("2026", "2026-Q3")."""
    first, last = parse_period(text)
    return str(first.year) if (first.number, last.number) == (1, 4) else first.key


# Supplier groups the filter can choose and the shares count, each a test on the award as recorded.
SUPPLIER_TYPES: dict[str, tuple[str, Callable[[AwardRecord], bool]]] = {
    "sme": ("SME", lambda award: award.is_sme),
    "mutual": ("Public service mutual", lambda award: award.is_mutual),
    "vcse": ("VCSE or social enterprise", lambda award: award.is_vcse_or_social_enterprise),
    "large": ("Large", lambda award: award.supplier_size == "large"),
}


@dataclass(frozen=True)
class AwardFilter:
    """What a reader narrowed the awards to; empty fields narrow nothing."""

    buyer: str = ""  # part of the buying organisation's name, in any case
    supplier_type: str = ""  # a key of SUPPLIER_TYPES
    lot: str = ""  # a lot slug
    awarded_from: Quarter | None = None
    awarded_to: Quarter | None = None

    @property
    def is_empty(self) -> bool:
        return self == AwardFilter()

    def matches(self, award: AwardRecord) -> bool:
        if self.buyer and self.buyer.casefold() not in award.buyer_organisation.casefold():
            return False
        if self.supplier_type and not SUPPLIER_TYPES[self.supplier_type][1](award):
            return False
        if self.lot and award.lot_slug != self.lot:
            return False
        quarter = Quarter.of(award.awarded_at.date())
        if self.awarded_from is not None and quarter < self.awarded_from:
            return False
        return self.awarded_to is None or quarter <= self.awarded_to


def filter_awards(awards: Iterable[AwardRecord], criteria: AwardFilter) -> list[AwardRecord]:
    """The awards a reader asked for, in the order given."""
    return [award for award in awards if criteria.matches(award)]


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a percentage of `whole`, unrounded; None when there is no whole to share."""
    if whole == ZERO:
        return None
    return part * HUNDRED / whole


def format_percent(percent: Decimal | None, places: int = 1) -> str:
    """A percentage as shown to readers: "33.3%" (half up), or "" when there is none."""
    if percent is None:
        return ""
    rounded = percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:.{places}f}"
    return f"{text}%"


@dataclass(frozen=True)
class Share:
    """The part of a period's awards that went to one group of suppliers."""

    value: Decimal
    count: int
    total_value: Decimal
    total_count: int

    @property
    def value_percent(self) -> Decimal | None:
        """Award value to the group as a percentage of all award value (None with no award value)."""
        return percent_of(self.value, self.total_value)

    @property
    def count_percent(self) -> Decimal | None:
        """Contracts won by the group as a percentage of all contracts (None with no contracts)."""
        return percent_of(Decimal(self.count), Decimal(self.total_count))

    def meets(self, target_percent: Decimal | int) -> bool:
        """Whether the share of value reaches a target, judged on the exact figure, not the rounded one."""
        percent = self.value_percent
        return percent is not None and percent >= Decimal(target_percent)


@dataclass(frozen=True)
class PeriodShares:
    """Awards in one period (a quarter, or all of them) and the shares going to each group."""

    label: str
    total_value: Decimal
    total_count: int
    sme: Share
    mutual: Share
    vcse: Share  # voluntary, community and social enterprises, and other social enterprises
    quarter: Quarter | None = None  # None for the overall figures

    @property
    def is_empty(self) -> bool:
        return self.total_count == 0


@dataclass(frozen=True)
class AwardShares:
    """The shares over all the awards given, and per calendar quarter of award with empty quarters kept."""

    overall: PeriodShares
    quarters: tuple[PeriodShares, ...]


def period_shares(awards: Sequence[AwardRecord], label: str, quarter: Quarter | None = None) -> PeriodShares:
    """Sum the awards and the SME, mutual and VCSE shares of them (the groups overlap)."""
    total_value = sum((award.value for award in awards), ZERO)
    total_count = len(awards)

    def share(test: Callable[[AwardRecord], bool]) -> Share:
        won = [award for award in awards if test(award)]
        return Share(sum((award.value for award in won), ZERO), len(won), total_value, total_count)

    return PeriodShares(
        label=label,
        total_value=total_value,
        total_count=total_count,
        sme=share(SUPPLIER_TYPES["sme"][1]),
        mutual=share(SUPPLIER_TYPES["mutual"][1]),
        vcse=share(SUPPLIER_TYPES["vcse"][1]),
        quarter=quarter,
    )


def award_shares(
    awards: Iterable[AwardRecord], *, first: Quarter | None = None, last: Quarter | None = None
) -> AwardShares:
    """Shares overall and per quarter of award. The quarters run from `first` to `last` when given, otherwise
    from the quarter of the earliest award to that of the latest; a quarter with no awards is kept, so a
    chart over time shows the gap. Overall figures cover the same quarters."""
    by_quarter: dict[Quarter, list[AwardRecord]] = {}
    for award in awards:
        by_quarter.setdefault(Quarter.of(award.awarded_at.date()), []).append(award)
    if by_quarter:
        first = first or min(by_quarter)
        last = last or max(by_quarter)
    quarters = quarters_between(first, last) if first is not None and last is not None else []
    counted = [award for quarter in quarters for award in by_quarter.get(quarter, [])]
    return AwardShares(
        overall=period_shares(counted, "All awards"),
        quarters=tuple(period_shares(by_quarter.get(q, []), q.label, q) for q in quarters),
    )
