import re

import pytest

from app.suppliers.declarations import (
    DISCRETIONARY_GROUNDS,
    GROUNDS,
    GROUNDS_BY_KEY,
    MANDATORY_GROUNDS,
    DeclarationProblem,
    Ground,
    check_declarations,
    mandatory_exclusions,
)

ALL_NO: dict[str, bool | None] = {ground.key: False for ground in GROUNDS}
EXPLAIN = "Explain what happened and what you have done to stop it happening again"
GOOD_EXPLANATION = "A late VAT return in 2024; we now use an accountant and file quarterly."


def test_regulation_57_grounds_are_all_listed_once() -> None:
    assert len(MANDATORY_GROUNDS) == 6
    assert len(DISCRETIONARY_GROUNDS) == 13
    assert GROUNDS == MANDATORY_GROUNDS + DISCRETIONARY_GROUNDS
    assert len(GROUNDS_BY_KEY) == len(GROUNDS)
    assert {"conspiracy", "corruption_bribery", "fraud", "terrorism", "money_laundering", "modern_slavery"} == {
        ground.key for ground in MANDATORY_GROUNDS
    }


@pytest.mark.parametrize("ground", GROUNDS, ids=lambda ground: ground.key)
def test_each_ground_is_a_plain_yes_no_question_with_its_look_back_period(ground: Ground) -> None:
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", ground.key)
    assert ground.question.endswith("?")
    assert "represents, supervises or controls it" in ground.question
    assert ground.name and ground.hint
    years = 5 if ground.mandatory else 3
    assert ground.lookback_years == years
    assert ground.question.startswith(f"In the last {years} years, has your organisation")


def test_all_no_answers_are_complete_and_exclude_nobody() -> None:
    assert check_declarations(ALL_NO, {}) == []
    assert mandatory_exclusions(ALL_NO) == []


def test_every_unanswered_ground_is_reported_by_name() -> None:
    problems = check_declarations({}, {})
    assert [problem.key for problem in problems] == [ground.key for ground in GROUNDS]
    assert problems[0] == DeclarationProblem("conspiracy", "Answer yes or no: Conspiracy or organised crime")


def test_an_explicit_none_counts_as_unanswered() -> None:
    answers = ALL_NO | {"fraud": None}
    assert check_declarations(answers, {}) == [DeclarationProblem("fraud", "Answer yes or no: Fraud")]


def test_discretionary_yes_needs_an_explanation_of_at_least_twenty_characters() -> None:
    answers = ALL_NO | {"tax_social_security": True}
    expected = [DeclarationProblem("tax_social_security", EXPLAIN)]
    assert check_declarations(answers, {}) == expected
    assert check_declarations(answers, {"tax_social_security": "   Paid late.        "}) == expected
    assert check_declarations(answers, {"tax_social_security": "x" * 19}) == expected
    assert check_declarations(answers, {"tax_social_security": "x" * 20}) == []
    assert check_declarations(answers, {"tax_social_security": GOOD_EXPLANATION}) == []


def test_explanation_is_not_needed_for_a_no() -> None:
    assert check_declarations(ALL_NO, {"insolvency": ""}) == []


def test_mandatory_yes_is_complete_but_excludes_the_supplier() -> None:
    answers = ALL_NO | {"fraud": True, "modern_slavery": True, "insolvency": True}
    assert check_declarations(answers, {"insolvency": GOOD_EXPLANATION}) == []
    assert mandatory_exclusions(answers) == [GROUNDS_BY_KEY["fraud"], GROUNDS_BY_KEY["modern_slavery"]]


def test_discretionary_yes_never_excludes_on_its_own() -> None:
    answers = {ground.key: True for ground in DISCRETIONARY_GROUNDS}
    assert mandatory_exclusions(answers) == []


def test_unknown_answer_keys_are_ignored() -> None:
    assert check_declarations(ALL_NO | {"not_a_ground": True}, {}) == []
