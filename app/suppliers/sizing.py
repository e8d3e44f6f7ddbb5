"""SME size from staff headcount and finances (EU Recommendation 2003/361, rule C4).

A supplier does not choose its size: we compute it. A size class applies when
staff headcount is below its ceiling and *either* annual turnover *or* the
balance sheet total is within its financial ceiling. The smallest class that
applies wins; an organisation that fits none is large.

The ceilings are in euros, but suppliers enter pounds, so money is converted
with a configurable rate before it is compared.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class Size(enum.StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def label(self) -> str:
        """The size as shown to suppliers and buyers, for example "Micro"."""
        return self.value.capitalize()

    @property
    def is_sme(self) -> bool:
        """Micro, small and medium organisations are SMEs; large ones are not."""
        return self is not Size.LARGE


@dataclass(frozen=True)
class SizeLimits:
    """The EU 2003/361 ceilings: staff ceilings are exclusive, money ceilings (in euros) inclusive."""

    micro_staff: int = 10
    small_staff: int = 50
    medium_staff: int = 250
    micro_turnover_eur: Decimal = Decimal("2000000")
    micro_balance_sheet_eur: Decimal = Decimal("2000000")
    small_turnover_eur: Decimal = Decimal("10000000")
    small_balance_sheet_eur: Decimal = Decimal("10000000")
    medium_turnover_eur: Decimal = Decimal("50000000")
    medium_balance_sheet_eur: Decimal = Decimal("43000000")
    eur_per_gbp: Decimal = Decimal("1.15")

    def ceilings(self, size: Size) -> tuple[int, Decimal, Decimal]:
        """Return (staff ceiling, turnover ceiling in euros, balance sheet ceiling in euros) for an SME size."""
        match size:
            case Size.MICRO:
                return self.micro_staff, self.micro_turnover_eur, self.micro_balance_sheet_eur
            case Size.SMALL:
                return self.small_staff, self.small_turnover_eur, self.small_balance_sheet_eur
            case Size.MEDIUM:
                return self.medium_staff, self.medium_turnover_eur, self.medium_balance_sheet_eur
            case _:
                raise ValueError("A large organisation has no ceilings.")


DEFAULT_LIMITS = SizeLimits()

_SME_SIZES = (Size.MICRO, Size.SMALL, Size.MEDIUM)


@dataclass(frozen=True)
class SizeResult:
    """The computed size and a sentence telling the supplier why."""

    size: Size
    reason: str


def compute_size(
    headcount: int,
    turnover_gbp: Decimal,
    balance_sheet_gbp: Decimal,
    limits: SizeLimits = DEFAULT_LIMITS,
) -> SizeResult:
    """Work out a supplier's size: the smallest class whose staff ceiling it is under and whose
    turnover or balance sheet ceiling it is within; otherwise it is large (EU 2003/361)."""
    if headcount < 0:
        raise ValueError("Staff headcount cannot be negative.")
    if turnover_gbp < 0:
        raise ValueError("Turnover cannot be negative.")
    if balance_sheet_gbp < 0:
        raise ValueError("Balance sheet total cannot be negative.")

    turnover_eur = turnover_gbp * limits.eur_per_gbp
    balance_sheet_eur = balance_sheet_gbp * limits.eur_per_gbp
    # Sizes the headcount allows but the money tests ruled out, so the reason can say why.
    skipped: list[Size] = []
    for size in _SME_SIZES:
        staff_ceiling, turnover_ceiling, balance_ceiling = limits.ceilings(size)
        if headcount >= staff_ceiling:
            continue
        turnover_ok = turnover_eur <= turnover_ceiling
        balance_ok = balance_sheet_eur <= balance_ceiling
        if not (turnover_ok or balance_ok):
            skipped.append(size)
            continue
        reason = f"{size.label}: {_staff(headcount)} is fewer than {staff_ceiling}, and "
        if turnover_ok:
            reason += f"{_turnover(turnover_gbp)} is within {_limit(turnover_ceiling, limits)}."
        else:
            reason += (
                f"although {_turnover(turnover_gbp)} is over {_limit(turnover_ceiling, limits)}, "
                f"{_balance_sheet(balance_sheet_gbp)} is within {_limit(balance_ceiling, limits)}."
            )
        if skipped:
            reason += " " + _why_not_smaller(skipped, limits)
        return SizeResult(size, reason)

    medium_staff, medium_turnover, medium_balance = limits.ceilings(Size.MEDIUM)
    if headcount >= medium_staff:
        reason = f"Large: {_staff(headcount)} is {medium_staff} or more."
    else:
        reason = (
            f"Large: {_turnover(turnover_gbp)} is over {_limit(medium_turnover, limits)} "
            f"and {_balance_sheet(balance_sheet_gbp)} is over {_limit(medium_balance, limits)} "
            f"for a medium-sized organisation."
        )
    return SizeResult(Size.LARGE, reason)


def _why_not_smaller(skipped: list[Size], limits: SizeLimits) -> str:
    """Explain why sizes the headcount allows were passed over: the money tests failed for each of them."""
    nearest = skipped[-1]
    _, turnover_ceiling, balance_ceiling = limits.ceilings(nearest)
    if turnover_ceiling == balance_ceiling:
        limit = f"limit of {_in_both_currencies(turnover_ceiling, limits)}"
    else:
        limit = f"limits of {_euros(turnover_ceiling)} and {_euros(balance_ceiling)}"
    names = " or ".join(size.value for size in skipped)
    return f"It is not {names}: turnover and balance sheet total are both over the {nearest.value} {limit}."


def _staff(headcount: int) -> str:
    return f"{headcount} staff"


def _turnover(turnover_gbp: Decimal) -> str:
    return f"turnover of {_pounds(turnover_gbp)}"


def _balance_sheet(balance_sheet_gbp: Decimal) -> str:
    return f"the balance sheet total of {_pounds(balance_sheet_gbp)}"


def _limit(ceiling_eur: Decimal, limits: SizeLimits) -> str:
    return f"the {_in_both_currencies(ceiling_eur, limits)} limit"


def _in_both_currencies(ceiling_eur: Decimal, limits: SizeLimits) -> str:
    """A euro ceiling with its value in pounds, for example "€10m (about £8,695,652)"."""
    in_pounds = (ceiling_eur / limits.eur_per_gbp).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{_euros(ceiling_eur)} (about £{in_pounds:,.0f})"


def _euros(amount: Decimal) -> str:
    millions = amount / Decimal("1000000")
    if millions == millions.to_integral_value():
        return f"€{millions:.0f}m"
    return f"€{amount:,.0f}"


def _pounds(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"
