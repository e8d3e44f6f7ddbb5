"""Exclusion grounds a supplier declares against (R4.11, PCR 2015 regulation 57).

The grounds are data: each is a plain yes/no question. A "yes" to a mandatory
ground (looking back 5 years) means the supplier cannot be accredited. A "yes"
to a discretionary ground (looking back 3 years) must be explained, and an
admin decides whether the supplier has done enough to put things right.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MANDATORY_LOOKBACK_YEARS = 5
DISCRETIONARY_LOOKBACK_YEARS = 3
MIN_EXPLANATION_CHARS = 20

_WHO = "your organisation, or anyone who represents, supervises or controls it,"
_MANDATORY = f"In the last {MANDATORY_LOOKBACK_YEARS} years, has {_WHO}"
_DISCRETIONARY = f"In the last {DISCRETIONARY_LOOKBACK_YEARS} years, has {_WHO}"


@dataclass(frozen=True, kw_only=True)
class Ground:
    """One exclusion ground: a yes/no question where "no" is the answer that passes."""

    key: str
    name: str
    question: str
    mandatory: bool
    hint: str

    @property
    def lookback_years(self) -> int:
        """How many years back the supplier must consider: 5 for mandatory grounds, 3 for discretionary ones."""
        return MANDATORY_LOOKBACK_YEARS if self.mandatory else DISCRETIONARY_LOOKBACK_YEARS


def _mandatory(key: str, name: str, question: str, hint: str) -> Ground:
    return Ground(key=key, name=name, question=f"{_MANDATORY} {question}", mandatory=True, hint=hint)


def _discretionary(key: str, name: str, question: str, hint: str) -> Ground:
    return Ground(key=key, name=name, question=f"{_DISCRETIONARY} {question}", mandatory=False, hint=hint)


MANDATORY_GROUNDS: tuple[Ground, ...] = (
    _mandatory(
        "conspiracy",
        "Conspiracy or organised crime",
        "been convicted of conspiracy or of taking part in the activities of an organised crime group?",
        "Includes conspiracy to commit any of the offences in this list.",
    ),
    _mandatory(
        "corruption_bribery",
        "Corruption or bribery",
        "been convicted of corruption or bribery?",
        "Includes offences under the Bribery Act 2010 and earlier corruption laws.",
    ),
    _mandatory(
        "fraud",
        "Fraud",
        "been convicted of fraud?",
        "Includes cheating the public revenue and fraud against public funds.",
    ),
    _mandatory(
        "terrorism",
        "Terrorism",
        "been convicted of a terrorist offence or an offence linked to terrorist activities?",
        "Includes inciting, aiding or attempting a terrorist offence.",
    ),
    _mandatory(
        "money_laundering",
        "Money laundering or terrorist financing",
        "been convicted of money laundering or terrorist financing?",
        "Includes offences under the Proceeds of Crime Act 2002 and the Terrorism Act 2000.",
    ),
    _mandatory(
        "modern_slavery",
        "Modern slavery or human trafficking",
        "been convicted of slavery, servitude, forced labour or human trafficking?",
        "Offences under sections 1, 2 or 4 of the Modern Slavery Act 2015, or the same offences abroad.",
    ),
)

DISCRETIONARY_GROUNDS: tuple[Ground, ...] = (
    _discretionary(
        "tax_social_security",
        "Tax or social security breach",
        "failed to pay taxes or social security contributions it owed?",
        "Answer yes if a court or tax authority decided you owed them, even if you have since paid.",
    ),
    _discretionary(
        "environmental_social_labour_law",
        "Environmental, social or labour law",
        "broken environmental, social or labour law?",
        "For example rules on pay, working hours, health and safety, discrimination or pollution.",
    ),
    _discretionary(
        "insolvency",
        "Insolvency or bankruptcy",
        "been bankrupt or insolvent, been wound up or in administration, or made an arrangement with creditors?",
        "Includes a voluntary arrangement and having business activities suspended.",
    ),
    _discretionary(
        "grave_professional_misconduct",
        "Grave professional misconduct",
        "been guilty of grave professional misconduct that puts its integrity in question?",
        "For example being struck off or disciplined by a professional body.",
    ),
    _discretionary(
        "distorting_competition",
        "Distorting competition",
        "made an agreement with other organisations to distort competition?",
        "For example price fixing, bid rigging or sharing out customers or markets.",
    ),
    _discretionary(
        "conflict_of_interest",
        "Conflict of interest",
        "had a conflict of interest in a public procurement that could not be resolved in any other way?",
        "A conflict of interest under regulation 24 of the Public Contracts Regulations 2015.",
    ),
    _discretionary(
        "prior_involvement",
        "Prior involvement in the procurement",
        "helped prepare a public procurement in a way that gave it an unfair advantage when bidding?",
        "Prior involvement under regulation 41 of the Public Contracts Regulations 2015.",
    ),
    _discretionary(
        "contract_deficiencies",
        "Deficiencies on a previous contract",
        "performed a public contract so badly, significantly or persistently, "
        "that it was ended early or led to damages or a similar penalty?",
        "Answer yes if a main requirement of the contract was not met.",
    ),
    _discretionary(
        "misrepresentation",
        "Misrepresentation",
        "seriously misrepresented itself when giving information a buyer needed "
        "to check whether to exclude or select it?",
        "For example a false answer in a previous declaration like this one.",
    ),
    _discretionary(
        "withholding_documents",
        "Withholding supporting documents",
        "withheld information, or failed to provide supporting documents a buyer asked for?",
        "Documents asked for under regulation 59 of the Public Contracts Regulations 2015.",
    ),
    _discretionary(
        "undue_influence",
        "Undue influence on decision-making",
        "tried to improperly influence a buyer's decisions, or to get confidential information "
        "that would give it an unfair advantage?",
        "Includes approaching evaluators or officials outside the procurement process.",
    ),
    _discretionary(
        "misleading_information",
        "Misleading information",
        "carelessly given a buyer misleading information that could affect decisions on exclusion, "
        "selection or award?",
        "Answer yes even if the mistake was not deliberate.",
    ),
    _discretionary(
        "incorrect_tax_returns",
        "Incorrect tax returns or tax avoidance",
        "submitted a tax return found to be incorrect, or had tax arrangements defeated "
        "under the General Anti-Abuse Rule (GAAR) or a similar rule?",
        "Includes penalties for incorrect returns and arrangements defeated under a targeted anti-avoidance rule.",
    ),
)

GROUNDS: tuple[Ground, ...] = MANDATORY_GROUNDS + DISCRETIONARY_GROUNDS
GROUNDS_BY_KEY: dict[str, Ground] = {ground.key: ground for ground in GROUNDS}


@dataclass(frozen=True)
class DeclarationProblem:
    """Something the supplier must fix before the declaration is complete, tied to a ground's key."""

    key: str
    message: str


def check_declarations(answers: Mapping[str, bool | None], explanations: Mapping[str, str]) -> list[DeclarationProblem]:
    """Check the declaration is complete: every ground answered yes or no, and every discretionary "yes"
    explained in at least 20 characters (what happened and what was done to stop it happening again)."""
    problems: list[DeclarationProblem] = []
    for ground in GROUNDS:
        answer = answers.get(ground.key)
        if answer is None:
            problems.append(DeclarationProblem(ground.key, f"Answer yes or no: {ground.name}"))
        elif answer and not ground.mandatory:
            explanation = (explanations.get(ground.key) or "").strip()
            if len(explanation) < MIN_EXPLANATION_CHARS:
                problems.append(
                    DeclarationProblem(
                        ground.key, "Explain what happened and what you have done to stop it happening again"
                    )
                )
    return problems


def mandatory_exclusions(answers: Mapping[str, bool | None]) -> list[Ground]:
    """The mandatory grounds the supplier answered "yes" to: any one of them means it cannot be accredited."""
    return [ground for ground in MANDATORY_GROUNDS if answers.get(ground.key) is True]
