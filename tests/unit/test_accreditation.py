import itertools
from datetime import date, timedelta

import pytest

from app.admin.accreditation import (
    AccreditationAction,
    AccreditationStatus,
    Certificate,
    IllegalTransition,
    add_months,
    allowed_actions,
    certificate_warnings,
    effective_status,
    expiry_date,
    is_in_good_standing,
    next_status,
)
from app.exceptions import DomainError

S = AccreditationStatus
A = AccreditationAction

LEGAL = [
    (S.DRAFT, A.SUBMIT, S.SUBMITTED),
    (S.CHANGES_REQUESTED, A.SUBMIT, S.SUBMITTED),
    (S.SUBMITTED, A.REQUEST_CHANGES, S.CHANGES_REQUESTED),
    (S.SUBMITTED, A.APPROVE, S.ACCREDITED),
    (S.SUBMITTED, A.REJECT, S.REJECTED),
    (S.ACCREDITED, A.SUSPEND, S.SUSPENDED),
    (S.SUSPENDED, A.REINSTATE, S.ACCREDITED),
    (S.ACCREDITED, A.EXPIRE, S.EXPIRED),
    (S.SUSPENDED, A.EXPIRE, S.EXPIRED),
    (S.REJECTED, A.REAPPLY, S.DRAFT),
    (S.EXPIRED, A.REAPPLY, S.DRAFT),
]
ILLEGAL = sorted(set(itertools.product(S, A)) - {(status, action) for status, action, _ in LEGAL})


@pytest.mark.parametrize(("current", "action", "expected"), LEGAL)
def test_legal_transition_moves_to_the_next_status(
    current: AccreditationStatus, action: AccreditationAction, expected: AccreditationStatus
) -> None:
    assert next_status(current, action) is expected
    assert action in allowed_actions(current)


@pytest.mark.parametrize(("current", "action"), ILLEGAL)
def test_every_other_transition_is_refused(current: AccreditationStatus, action: AccreditationAction) -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(current, action)
    assert caught.value.current is current
    assert caught.value.action is action
    assert caught.value.message.startswith("An application that is ")
    assert action not in allowed_actions(current)


def test_illegal_transition_message_reads_as_an_admin_would_say_it() -> None:
    with pytest.raises(DomainError, match="^An application that is draft cannot be approved$"):
        next_status(S.DRAFT, A.APPROVE)
    with pytest.raises(IllegalTransition, match="^An application that is waiting for changes cannot be rejected$"):
        next_status(S.CHANGES_REQUESTED, A.REJECT)


def test_the_tables_cover_every_pair() -> None:
    assert len(LEGAL) + len(ILLEGAL) == len(S) * len(A) == 56


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (S.DRAFT, {A.SUBMIT}),
        (S.SUBMITTED, {A.REQUEST_CHANGES, A.APPROVE, A.REJECT}),
        (S.CHANGES_REQUESTED, {A.SUBMIT}),
        (S.ACCREDITED, {A.SUSPEND, A.EXPIRE}),
        (S.SUSPENDED, {A.REINSTATE, A.EXPIRE}),
        (S.REJECTED, {A.REAPPLY}),
        (S.EXPIRED, {A.REAPPLY}),
    ],
)
def test_allowed_actions_per_status(status: AccreditationStatus, actions: set[AccreditationAction]) -> None:
    assert allowed_actions(status) == frozenset(actions)


def test_labels_and_values() -> None:
    assert [status.label for status in S] == [
        "Draft", "Submitted", "Changes requested", "Accredited", "Rejected", "Suspended", "Expired",
    ]
    assert A.REQUEST_CHANGES.value == "request_changes"
    assert A.REQUEST_CHANGES.label == "Request changes"
    assert S("changes_requested") is S.CHANGES_REQUESTED


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 6, 15), 12, date(2027, 6, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_expiry_date_is_the_accreditation_period_after_approval() -> None:
    assert expiry_date(date(2026, 6, 1), 12) == date(2027, 6, 1)
    assert expiry_date(date(2027, 1, 31), 1) == date(2027, 2, 28)
    with pytest.raises(ValueError):
        expiry_date(date(2026, 6, 1), 0)


EXPIRES_ON = date(2027, 6, 1)


@pytest.mark.parametrize("status", [S.ACCREDITED, S.SUSPENDED])
def test_accreditation_lapses_on_its_expiry_date_not_the_day_before(status: AccreditationStatus) -> None:
    assert effective_status(status, EXPIRES_ON, date(2027, 5, 31)) is status
    assert effective_status(status, EXPIRES_ON, EXPIRES_ON) is S.EXPIRED
    assert effective_status(status, EXPIRES_ON, date(2028, 1, 1)) is S.EXPIRED


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.REJECTED, S.EXPIRED])
def test_expiry_date_does_not_change_other_statuses(status: AccreditationStatus) -> None:
    assert effective_status(status, EXPIRES_ON, date(2030, 1, 1)) is status


def test_accreditation_without_an_expiry_date_never_lapses_by_date() -> None:
    assert effective_status(S.ACCREDITED, None, date(2099, 1, 1)) is S.ACCREDITED


def test_good_standing_means_accredited_not_suspended_and_not_past_expiry() -> None:
    assert is_in_good_standing(S.ACCREDITED, EXPIRES_ON, date(2027, 5, 31))
    assert not is_in_good_standing(S.ACCREDITED, EXPIRES_ON, EXPIRES_ON)
    assert not is_in_good_standing(S.SUSPENDED, EXPIRES_ON, date(2027, 1, 1))
    assert not is_in_good_standing(S.SUBMITTED, None, date(2027, 1, 1))
    assert is_in_good_standing(S.ACCREDITED, None, date(2027, 1, 1))


TODAY = date(2026, 6, 15)


def certificate(kind: str, expires_on: date) -> Certificate:
    return Certificate(kind=kind, number="ABC-123", issuer="IASME", expires_on=expires_on)


def test_expired_certificate_is_reported() -> None:
    warnings = certificate_warnings([certificate("cyber_essentials", date(2026, 3, 1))], EXPIRES_ON, TODAY)
    assert warnings == [
        "Your Cyber Essentials certificate expired on 1 March 2026: renew it and upload the new certificate"
    ]


def test_certificate_expiring_before_the_accreditation_is_reported() -> None:
    warnings = certificate_warnings([certificate("iso27001", date(2027, 3, 1))], EXPIRES_ON, TODAY)
    assert warnings == [
        "Your ISO/IEC 27001 certificate expires on 1 March 2027, before your accreditation ends on 31 May 2027: "
        "renew it and upload the new certificate"
    ]


def test_certificate_is_valid_through_its_expiry_date() -> None:
    assert certificate_warnings([certificate("cyber_essentials", TODAY)], None, TODAY) == []
    assert len(certificate_warnings([certificate("cyber_essentials", date(2026, 6, 14))], None, TODAY)) == 1


def test_certificates_lasting_as_long_as_the_accreditation_need_no_warning() -> None:
    certificates = [certificate("cyber_essentials_plus", EXPIRES_ON), certificate("iso27001", date(2028, 1, 1))]
    assert certificate_warnings(certificates, EXPIRES_ON, TODAY) == []


def test_a_certificate_valid_through_the_accreditations_last_day_needs_no_warning() -> None:
    last_day = EXPIRES_ON - timedelta(days=1)  # the accreditation's expires_on is its first day no longer valid
    assert certificate_warnings([certificate("cyber_essentials", last_day)], EXPIRES_ON, TODAY) == []
    assert len(certificate_warnings([certificate("cyber_essentials", last_day - timedelta(days=1))], EXPIRES_ON, TODAY)) == 1


def test_one_warning_per_problem_certificate_in_order() -> None:
    certificates = [
        certificate("cyber_essentials", date(2026, 1, 10)),
        certificate("cyber_essentials_plus", date(2027, 12, 31)),
        certificate("iso27001", date(2026, 12, 25)),
    ]
    warnings = certificate_warnings(certificates, EXPIRES_ON, TODAY)
    assert [warning.split(" certificate")[0] for warning in warnings] == ["Your Cyber Essentials", "Your ISO/IEC 27001"]
    assert "25 December 2026" in warnings[1]


def test_without_an_accreditation_end_only_expired_certificates_are_reported() -> None:
    certificates = [certificate("cyber_essentials", date(2026, 7, 1)), certificate("iso27001", date(2026, 1, 1))]
    assert len(certificate_warnings(certificates, None, TODAY)) == 1


def test_unknown_certificate_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        certificate("soc2", TODAY)
