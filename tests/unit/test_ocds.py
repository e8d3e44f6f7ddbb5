"""The OCDS release package built from hand-made award records: shape, codelists and the schema (R5.1-R5.9)."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.transparency import ocds
from app.transparency.records import AwardRecord
from tests.ocds_support import assert_valid_package, codelist, codelist_errors, schema_errors

PREFIX = "ocds-test01"
PUBLICATION = ocds.Publication(
    ocid_prefix=PREFIX,
    package_uri="https://cloudstore.example/api/v1/transparency/ocds",
    publisher_uri="https://cloudstore.example/",
    publication_policy="https://cloudstore.example/transparency",
)
PUBLISHED = datetime(2027, 6, 1, 9, 30, 15, 123456)


def award(**overrides: Any) -> AwardRecord:
    """A 24-month contract from 4 January 2027 with a break after 12 months, running, awarded to a small company."""
    values: dict[str, Any] = {
        "contract_id": 42,
        "reference": "CS-000042",
        "buyer_organisation": "Department for Testing",
        "supplier_id": 7,
        "supplier_name": "Riverside Hosting Ltd",
        "companies_house_number": "01234567",
        "supplier_size": "small",
        "is_mutual": False,
        "is_vcse": False,
        "is_social_enterprise": False,
        "service_id": 3,
        "service_name": "Managed Postgres",
        "service_version": 2,
        "lot_slug": "cloud-hosting",
        "lot_name": "Cloud hosting",
        "value": Decimal("24000.00"),
        "pricing_model": "pay_as_you_go",
        "awarded_at": datetime(2026, 12, 1, 14, 5, 9, 500000),
        "start_date": date(2027, 1, 4),
        "initial_end_date": date(2029, 1, 4),
        "end_date": date(2029, 1, 4),
        "max_extent_date": date(2029, 1, 4),
        "break_dates": (date(2028, 1, 4),),
        "status": "active",
        "terminated_at_break": None,
        "framework_name": "Cloudstore 1",
        "framework_ocid": "ocds-cs0001-cloudstore-1",
    }
    values.update(overrides)
    return AwardRecord(**values)


def release_of(record: AwardRecord) -> dict[str, Any]:
    package = ocds.release_package([record], PUBLICATION, published=PUBLISHED)
    assert_valid_package(package)
    (release,) = package["releases"]
    return release  # type: ignore[no-any-return]


def supplier_party(release: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in release["parties"] if "supplier" in p["roles"])


def test_package_carries_the_publishing_metadata_contracts_finder_sends() -> None:
    package = ocds.release_package([award()], PUBLICATION, published=PUBLISHED)
    assert_valid_package(package)
    assert package["version"] == "1.1"
    assert package["uri"] == PUBLICATION.package_uri
    assert package["publishedDate"] == "2027-06-01T09:30:15Z"
    assert package["publisher"] == {"name": "Cloudstore", "uri": "https://cloudstore.example/"}
    assert package["license"] == "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert package["publicationPolicy"] == "https://cloudstore.example/transparency"


def test_publisher_scheme_and_uid_are_sent_when_known() -> None:
    publication = replace(PUBLICATION, publisher_scheme="GB-GOR", publisher_uid="PB123")
    package = ocds.release_package([], publication, published=PUBLISHED)
    assert_valid_package(package)
    assert package["publisher"]["scheme"] == "GB-GOR"
    assert package["publisher"]["uid"] == "PB123"
    assert package["releases"] == []


def test_plain_active_contract_is_one_award_and_one_contract() -> None:
    release = release_of(award())
    assert release["ocid"] == "ocds-test01-cs-000042"
    assert release["id"].startswith("ocds-test01-cs-000042-")
    assert release["date"] == "2026-12-01T14:05:09Z"
    assert release["tag"] == ["award", "contract"]
    assert release["initiationType"] == "tender"
    (award_,) = release["awards"]
    (contract,) = release["contracts"]
    assert award_["status"] == "active"
    assert award_["date"] == "2026-12-01T14:05:09Z"
    assert award_["value"] == {"amount": 24000, "currency": "GBP"}
    assert award_["suppliers"] == [{"id": "GB-COH-01234567", "name": "Riverside Hosting Ltd"}]
    assert award_["contractPeriod"] == {
        "startDate": "2027-01-04T00:00:00Z",
        "endDate": "2029-01-04T00:00:00Z",
        "maxExtentDate": "2029-01-04T00:00:00Z",
    }
    assert contract["id"] == "CS-000042"
    assert contract["awardID"] == award_["id"]
    assert contract["status"] == "active"
    assert contract["value"] == {"amount": 24000, "currency": "GBP"}
    assert contract["dateSigned"] == "2026-12-01T14:05:09Z"
    assert contract["period"] == award_["contractPeriod"]


def test_amounts_are_json_numbers_keeping_pence() -> None:
    release = release_of(award(value=Decimal("1234.56")))
    amount = release["contracts"][0]["value"]["amount"]
    assert isinstance(amount, float) and amount == 1234.56


def test_call_off_points_to_its_framework_and_says_how_it_was_bought() -> None:
    release = release_of(award())
    assert release["relatedProcesses"] == [
        {
            "id": "1",
            "relationship": ["framework"],
            "title": "Cloudstore 1",
            "scheme": "ocid",
            "identifier": "ocds-cs0001-cloudstore-1",
        }
    ]
    tender = release["tender"]
    assert tender["procurementMethod"] == "open"
    assert tender["procurementMethodDetails"] == "Call-off from a framework agreement (direct award)"
    assert tender["items"][0]["classification"] == {
        "scheme": "CPV",
        "id": "72400000",
        "description": "Internet services",
    }


@pytest.mark.parametrize(
    ("lot", "cpv"),
    [
        ("cloud-hosting", "72400000"),
        ("cloud-software", "48000000"),
        ("cloud-support", "72000000"),
        ("new-lot", "72000000"),
    ],
)
def test_each_lot_has_a_fixed_cpv_code(lot: str, cpv: str) -> None:
    assert ocds.cpv_for(lot).code == cpv
    assert release_of(award(lot_slug=lot))["tender"]["items"][0]["classification"]["id"] == cpv


def test_buyer_is_named_by_organisation_only() -> None:
    release = release_of(award(buyer_organisation="Ministry of Tests & Trials"))
    buyer = next(p for p in release["parties"] if "buyer" in p["roles"])
    # partyRole.csv: an organisation that is buyer and procuring entity has the role "buyer" only.
    assert buyer == {"id": "buyer-ministry-of-tests-trials", "name": "Ministry of Tests & Trials", "roles": ["buyer"]}
    assert release["buyer"] == {"id": buyer["id"], "name": buyer["name"]}


def test_extensions_show_in_the_maximum_extent_and_a_taken_one_in_the_contract_period() -> None:
    record = award(
        initial_end_date=date(2029, 1, 4),
        end_date=date(2030, 1, 4),  # one 12-month extension taken
        max_extent_date=date(2031, 1, 4),  # 24 + 12 + 12 months
    )
    release = release_of(record)
    assert release["awards"][0]["contractPeriod"]["endDate"] == "2029-01-04T00:00:00Z"
    assert release["awards"][0]["contractPeriod"]["maxExtentDate"] == "2031-01-04T00:00:00Z"
    assert release["contracts"][0]["period"] == {
        "startDate": "2027-01-04T00:00:00Z",
        "endDate": "2030-01-04T00:00:00Z",
        "maxExtentDate": "2031-01-04T00:00:00Z",
    }
    assert release["tag"] == ["award", "contract"]
    assert release["contracts"][0]["status"] == "active"


def test_contract_ended_at_a_break_is_a_terminated_contract_with_a_termination_tag() -> None:
    record = award(status="ended", terminated_at_break=date(2028, 1, 4), end_date=date(2028, 1, 4))
    release = release_of(record)
    assert release["tag"] == ["award", "contract", "contractTermination"]
    assert release["contracts"][0]["status"] == "terminated"
    assert release["contracts"][0]["period"]["endDate"] == "2028-01-04T00:00:00Z"
    # The release is dated by its latest event: the contract's end.
    assert release["date"] == "2028-01-04T00:00:00Z"


def test_break_exercised_but_not_yet_reached_is_tagged_and_still_active() -> None:
    record = award(status="ending", terminated_at_break=date(2028, 1, 4), end_date=date(2028, 1, 4))
    release = release_of(record)
    assert release["tag"] == ["award", "contract", "contractTermination"]
    assert release["contracts"][0]["status"] == "active"
    assert release["date"] == "2026-12-01T14:05:09Z"


def test_contract_that_ran_its_term_is_terminated() -> None:
    release = release_of(award(status="expired"))
    assert release["tag"] == ["award", "contract", "contractTermination"]
    assert release["contracts"][0]["status"] == "terminated"
    assert release["date"] == "2029-01-04T00:00:00Z"


def test_supplier_with_a_companies_house_number_is_identified_by_it() -> None:
    supplier = supplier_party(release_of(award()))
    assert supplier["id"] == "GB-COH-01234567"
    assert supplier["identifier"] == {"scheme": "GB-COH", "id": "01234567", "legalName": "Riverside Hosting Ltd"}
    assert supplier["roles"] == ["supplier"]


def test_supplier_without_a_companies_house_number_has_a_local_id_and_no_identifier() -> None:
    release = release_of(award(companies_house_number=None))
    supplier = supplier_party(release)
    assert supplier["id"] == "supplier-7"
    assert "identifier" not in supplier
    assert release["awards"][0]["suppliers"] == [{"id": "supplier-7", "name": "Riverside Hosting Ltd"}]


@pytest.mark.parametrize("size", ["micro", "small", "medium", "large"])
def test_supplier_scale_is_its_size_at_award(size: str) -> None:
    scale = supplier_party(release_of(award(supplier_size=size)))["details"]["scale"]
    assert scale == size
    assert scale in codelist("partyScale")


def test_unknown_size_gives_no_scale() -> None:
    assert "scale" not in supplier_party(release_of(award(supplier_size=None)))["details"]


@pytest.mark.parametrize(
    ("flags", "vcse", "mutual"),
    [
        ({}, False, False),
        ({"is_vcse": True}, True, False),
        ({"is_social_enterprise": True}, True, False),
        ({"is_mutual": True}, False, True),
    ],
)
def test_supplier_details_say_whether_it_is_a_vcse_or_a_public_service_mutual(
    flags: dict[str, bool], vcse: bool, mutual: bool
) -> None:
    details = supplier_party(release_of(award(**flags)))["details"]
    assert details["vcse"] is vcse
    assert details["publicServiceMutual"] is mutual


def test_release_id_is_stable_and_changes_when_a_published_fact_changes() -> None:
    record = award()
    first, again = ocds.release(record, ocid_prefix=PREFIX), ocds.release(record, ocid_prefix=PREFIX)
    assert first["id"] == again["id"]
    extended = ocds.release(
        replace(record, end_date=date(2030, 1, 4), max_extent_date=date(2030, 1, 4)), ocid_prefix=PREFIX
    )
    ended = ocds.release(replace(record, status="ending", terminated_at_break=date(2028, 1, 4)), ocid_prefix=PREFIX)
    assert len({first["id"], extended["id"], ended["id"]}) == 3
    assert "#" not in first["id"]


def test_releases_keep_the_given_order_and_have_distinct_ocids() -> None:
    records = [award(contract_id=n, reference=f"CS-{n:06d}") for n in (9, 3, 5)]
    package = ocds.release_package(records, PUBLICATION, published=PUBLISHED)
    assert_valid_package(package)
    assert [r["ocid"] for r in package["releases"]] == [f"ocds-test01-cs-{n:06d}" for n in (9, 3, 5)]


def test_the_checks_reject_what_the_schema_and_codelists_forbid() -> None:
    """The local schema is really used: a broken release fails it, and a code outside a codelist is caught."""
    package = ocds.release_package([award()], PUBLICATION, published=PUBLISHED)
    broken = copy.deepcopy(package)
    del broken["releases"][0]["ocid"]
    broken["releases"][0]["contracts"][0]["status"] = "expired"
    broken["releases"][0]["contracts"][0]["value"]["amount"] = "24000.00"
    broken["releases"][0]["date"] = "2026-12-01"
    errors = schema_errors(broken)
    assert any("'2026-12-01' is not a 'date-time'" in e for e in errors)
    assert any("'ocid' is a required property" in e for e in errors)
    assert any("'expired' is not one of" in e for e in errors)
    assert any("'24000.00' is not of type" in e for e in errors)

    open_codes = copy.deepcopy(package)
    open_codes["releases"][0]["tag"].append("closed")
    open_codes["releases"][0]["parties"][0]["roles"].append("owner")
    open_codes["releases"][0]["contracts"][0]["awardID"] = "nope"
    assert schema_errors(open_codes) == []  # tag and roles are open codelists, so the schema allows them
    assert len(codelist_errors(open_codes)) == 3
