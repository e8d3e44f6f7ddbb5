import pytest

from app.exceptions import DomainError
from app.suppliers.identifiers import (
    IdentifierError,
    normalise_companies_house_number,
    normalise_duns,
    normalise_vat_number,
    other_registration_number,
)

VAT_FORMAT = "Enter a UK VAT number of 9 digits, like GB123456789"
VAT_CHECK_DIGITS = "This VAT number's check digits are wrong: check you copied it correctly"
COMPANIES_HOUSE = "Enter a Companies House number of 8 characters, like 01234567 or SC123456"
DUNS = "Enter a DUNS number of 9 digits, like 123456789"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("GB980780684", "GB980780684"),  # HMRC's own VAT number
        ("GB 980 7806 84", "GB980780684"),
        ("980780684", "GB980780684"),
        ("gb980-780-684", "GB980780684"),
        ("  980.7806.84 ", "GB980780684"),
        ("GB980780684001", "GB980780684001"),  # 12 digits: a branch trader
        ("GBGD001", "GBGD001"),  # government department
        ("GD499", "GBGD499"),
        ("HA500", "GBHA500"),  # health authority
        ("XI980780684", "XI980780684"),  # Northern Ireland prefix is kept
        ("xi 980 7806 84", "XI980780684"),
    ],
)
def test_valid_vat_numbers_are_stored_compactly_with_their_prefix(typed: str, stored: str) -> None:
    assert normalise_vat_number(typed) == stored


@pytest.mark.parametrize("typed", ["GB980780685", "980780683", "802311781", "GB980780685001"])
def test_vat_number_with_wrong_check_digits_says_so(typed: str) -> None:
    with pytest.raises(IdentifierError, match="check digits are wrong") as caught:
        normalise_vat_number(typed)
    assert caught.value.message == VAT_CHECK_DIGITS


@pytest.mark.parametrize(
    "typed",
    ["", "GB", "98078068", "9807806841", "GB98078068A", "ABCDEFGHI", "GD500", "HA499", "GDABC", "DE980780684"],
)
def test_vat_number_of_the_wrong_shape_asks_for_nine_digits(typed: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        normalise_vat_number(typed)
    assert caught.value.message == VAT_FORMAT


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01234567", "01234567"),
        ("SC123456", "SC123456"),  # Scotland
        ("sc123456", "SC123456"),
        ("OC301234", "OC301234"),  # LLP
        ("NI 012345", "NI012345"),
        ("123456", "00123456"),  # Companies House pads short numbers with zeros
        ("1234567", "01234567"),
        ("R1234567", "R1234567"),  # old Northern Ireland numbering
    ],
)
def test_valid_companies_house_numbers_are_normalised(typed: str, stored: str) -> None:
    assert normalise_companies_house_number(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "1234567890", "123456789", "S1234567", "SC12345", "SC1234567", "12-345678", "R123456", "SCX23456"],
)
def test_invalid_companies_house_numbers_say_how_to_fix_them(typed: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        normalise_companies_house_number(typed)
    assert caught.value.message == COMPANIES_HOUSE


@pytest.mark.parametrize(("typed", "stored"), [("123456789", "123456789"), ("12-345-6789", "123456789"),
                                               (" 12 345 6789 ", "123456789")])
def test_valid_duns_numbers_are_digits_only(typed: str, stored: str) -> None:
    assert normalise_duns(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345678", "1234567890", "12345678A", "12.345.6789", "１２３４５６７８９"])
def test_invalid_duns_numbers_ask_for_nine_digits(typed: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        normalise_duns(typed)
    assert caught.value.message == DUNS


def test_other_registration_number_is_trimmed_and_limited_to_255_characters() -> None:
    assert other_registration_number("  Charity 1234567 ") == "Charity 1234567"
    assert other_registration_number("x" * 255) == "x" * 255
    with pytest.raises(IdentifierError, match="255 characters or fewer"):
        other_registration_number("x" * 256)
    with pytest.raises(IdentifierError, match="Enter your registration number"):
        other_registration_number("   ")


def test_identifier_errors_are_domain_errors_without_a_field_until_the_form_sets_one() -> None:
    with pytest.raises(DomainError) as caught:
        normalise_duns("nope")
    assert caught.value.field is None
