import pytest

from app.auth.domains import DomainFormatError, covering_domain, is_buyer_email_allowed, normalise_domain


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("a@gov.uk", True),
        ("a@council.gov.uk", True),
        ("a@deep.council.gov.uk", True),
        ("A@Council.GOV.UK", True),
        ("a@notgov.uk", False),
        ("a@gov.uk.evil.com", False),
        ("a@example.com", False),
        ("a@nhs.net", False),
    ],
)
def test_buyer_email_allowed_by_suffix_match_on_whole_labels(email: str, allowed: bool) -> None:
    assert is_buyer_email_allowed(email, ["gov.uk", "nhs.uk"]) is allowed


def test_covering_domain_names_the_entry_that_already_allows_a_subdomain() -> None:
    assert covering_domain("council.gov.uk", ["nhs.uk", "gov.uk"]) == "gov.uk"
    assert covering_domain("gov.uk", ["council.gov.uk"]) is None


@pytest.mark.parametrize("typed", ["@Council.Gov.UK", ".council.gov.uk", " council.gov.uk. "])
def test_normalise_domain_accepts_what_admins_type(typed: str) -> None:
    assert normalise_domain(typed) == "council.gov.uk"


@pytest.mark.parametrize("bad", ["", "uk", "https://gov.uk", "gov..uk", "-gov.uk", "gov_uk.com", "a b.uk"])
def test_normalise_domain_refuses_what_is_not_a_domain(bad: str) -> None:
    with pytest.raises(DomainFormatError):
        normalise_domain(bad)
