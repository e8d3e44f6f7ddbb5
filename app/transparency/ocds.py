"""Awarded contracts as an OCDS 1.1 release package (domain rules R5.1-R5.9).

One release per awarded contract: the whole story so far (award, contract, and
its end once that is settled) in a single snapshot, with one buyer party, one
supplier party, one award and one contract linked by ``awardID``, and a related
process pointing at the framework the call-off was made under.

Decisions the standard leaves to the publisher, and why:

* ``tag`` is ``["award", "contract"]`` (R5.9), plus ``contractTermination`` once
  the end is settled: the buyer exercised a break (R5.6), or the contract ran its
  term. The codelist's "compiled" is not used: it marks the compiled release of a
  record, merged from earlier releases with a version history, which we do not
  publish; tools that merge releases treat a "compiled" release in a release
  package as something it is not. Both choices validate (the codelist is open).
* ``id`` is the ocid and a fingerprint of everything else in the release, so it
  changes exactly when a published fact changes and stays the same otherwise.
  OCDS suggests ``{ocid}-{date}`` for compiled releases, but the record has no
  time for when a buyer took an extension or exercised a break, so a date alone
  would give two different releases the same id.
* ``date`` is the latest moment we know something happened: the award, or the
  contract's end once it has passed.
* Contract ``status`` is "active" until the contract ends and then "terminated",
  whether it ended at a break or ran its term: the codelist's "terminated" covers
  "the successful completion of the contract" as well as early termination.
* The buyer has only the role "buyer": partyRole.csv says an organisation that is
  both buyer and procuring entity "should include 'buyer', but not
  'procuringEntity'".
* The supplier's ``details.scale`` is its size at award (micro, small, medium or
  large, all partyScale codes), omitted when unknown. ``details.vcse`` (as
  Contracts Finder publishes it; social enterprises count as VCSE) and
  ``details.publicServiceMutual`` are additional fields, which OCDS allows.
* ``tender.procurementMethod`` is "open": for a call-off the schema says the
  method "always refers to the first stage", and any supplier may apply to join
  the framework. ``procurementMethodDetails`` says it was a direct award (R5.7).
* Dates are UTC date-times. A contract's end date is the day it ends, the first
  day it no longer runs, as everywhere in Cloudstore: ``endDate`` is midnight at
  the start of that day, the exact moment the contract stops.

Nothing about buyers' people is published: a buyer is its organisation's name.
Pure: no Flask, no database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from app.buyers.exports import slugify
from app.transparency.records import AwardRecord

OCDS_VERSION = "1.1"
PUBLISHER_NAME = "Cloudstore"
OPEN_GOVERNMENT_LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
PROCUREMENT_METHOD_DETAILS = "Call-off from a framework agreement (direct award)"
COMPANIES_HOUSE = "GB-COH"
CURRENCY = "GBP"


@dataclass(frozen=True)
class Cpv:
    code: str  # the 8-digit CPV code, without its check digit, as Contracts Finder publishes it
    description: str


# One fixed Common Procurement Vocabulary code per lot, for the CSV and the release's item.
CPV_BY_LOT: dict[str, Cpv] = {
    "cloud-hosting": Cpv("72400000", "Internet services"),
    "cloud-software": Cpv("48000000", "Software package and information systems"),
    "cloud-support": Cpv("72000000", "IT services: consulting, software development, Internet and support"),
}
# A lot added later is still IT services until it is given its own code.
DEFAULT_CPV = CPV_BY_LOT["cloud-support"]

# Cloudstore's sizes (rule C4) are all partyScale codes.
PARTY_SCALES = {"micro": "micro", "small": "small", "medium": "medium", "large": "large"}


@dataclass(frozen=True)
class Publication:
    """Who publishes the package, where, and under which terms."""

    ocid_prefix: str  # e.g. "ocds-cs0001"
    package_uri: str  # where this package is published
    publisher_uri: str
    publication_policy: str  # the page that explains what is published and when
    publisher_name: str = PUBLISHER_NAME
    publisher_scheme: str | None = None
    publisher_uid: str | None = None
    license: str = OPEN_GOVERNMENT_LICENCE


def cpv_for(lot_slug: str) -> Cpv:
    return CPV_BY_LOT.get(lot_slug, DEFAULT_CPV)


def ocid(record: AwardRecord, prefix: str) -> str:
    """The contracting process's id: the publisher prefix and the contract's reference ("ocds-cs0001-cs-000042")."""
    return f"{prefix}-{record.reference.lower()}"


def contract_status(record: AwardRecord) -> str:
    """The contractStatus code: "terminated" once the contract has ended, at a break or at the end of its term."""
    return "terminated" if record.status in ("ended", "expired") else "active"


def is_end_settled(record: AwardRecord) -> bool:
    """Whether the release describes the contract's end: a break was exercised, or the term has run out."""
    return record.terminated_at_break is not None or record.status in ("ending", "ended", "expired")


def release_package(records: Sequence[AwardRecord], publication: Publication, *, published: datetime) -> dict[str, Any]:
    """The release package (R5.2): publishing metadata and one release per awarded contract, in the given order."""
    publisher: dict[str, Any] = {"name": publication.publisher_name, "uri": publication.publisher_uri}
    if publication.publisher_scheme:
        publisher["scheme"] = publication.publisher_scheme
    if publication.publisher_uid:
        publisher["uid"] = publication.publisher_uid
    return {
        "uri": publication.package_uri,
        "version": OCDS_VERSION,
        "publishedDate": _moment(published),
        "publisher": publisher,
        "license": publication.license,
        "publicationPolicy": publication.publication_policy,
        "releases": [release(record, ocid_prefix=publication.ocid_prefix) for record in records],
    }


def release(record: AwardRecord, *, ocid_prefix: str) -> dict[str, Any]:
    """One awarded contract as an OCDS release (R5.1, R5.4-R5.7, R5.9)."""
    process = ocid(record, ocid_prefix)
    buyer = _buyer_party(record)
    supplier = _supplier_party(record)
    award_id = f"{record.reference}-award"
    value = {"amount": _amount(record.value), "currency": CURRENCY}
    cpv = cpv_for(record.lot_slug)
    tags = ["award", "contract"]
    if is_end_settled(record):
        tags.append("contractTermination")
    body: dict[str, Any] = {
        "ocid": process,
        "date": _moment(_release_date(record)),
        "tag": tags,
        "initiationType": "tender",
        "parties": [buyer, supplier],
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "tender": {
            "id": process,
            "title": record.service_name,
            "status": "complete",
            "procurementMethod": "open",
            "procurementMethodDetails": PROCUREMENT_METHOD_DETAILS,
            "mainProcurementCategory": "services",
            "items": [
                {
                    "id": "1",
                    "description": f"{record.service_name} ({record.lot_name})",
                    "classification": {"scheme": "CPV", "id": cpv.code, "description": cpv.description},
                }
            ],
        },
        "awards": [
            {
                "id": award_id,
                "title": record.service_name,
                "status": "active",
                "date": _moment(record.awarded_at),
                "value": value,
                "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                # The term as awarded: the initial term, and how far declared extensions could take it.
                "contractPeriod": {
                    "startDate": _day(record.start_date),
                    "endDate": _day(record.initial_end_date),
                    "maxExtentDate": _day(record.max_extent_date),
                },
            }
        ],
        "contracts": [
            {
                "id": record.reference,
                "awardID": award_id,
                "title": record.service_name,
                "status": contract_status(record),
                # The term as it stands: extensions taken, or the break the buyer exercised.
                "period": {
                    "startDate": _day(record.start_date),
                    "endDate": _day(record.end_date),
                    "maxExtentDate": _day(record.max_extent_date),
                },
                "value": value,
                # The contract is concluded when the buyer awards it on Cloudstore.
                "dateSigned": _moment(record.awarded_at),
            }
        ],
        "relatedProcesses": [
            {
                "id": "1",
                "relationship": ["framework"],
                "title": record.framework_name,
                "scheme": "ocid",
                "identifier": record.framework_ocid,
            }
        ],
    }
    return {"id": f"{process}-{_fingerprint(body)}", **body}


def _buyer_party(record: AwardRecord) -> dict[str, Any]:
    # Buyers have no identifier on Cloudstore, so the id is made from the organisation's name.
    return {
        "id": f"buyer-{slugify(record.buyer_organisation, max_length=200)}",
        "name": record.buyer_organisation,
        "roles": ["buyer"],
    }


def _supplier_party(record: AwardRecord) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if record.supplier_size in PARTY_SCALES:
        details["scale"] = PARTY_SCALES[record.supplier_size]
    details["vcse"] = record.is_vcse_or_social_enterprise
    details["publicServiceMutual"] = record.is_mutual
    if not record.companies_house_number:
        return {
            "id": f"supplier-{record.supplier_id}",
            "name": record.supplier_name,
            "roles": ["supplier"],
            "details": details,
        }
    return {
        # OCDS builds a party's id from its primary identifier: {scheme}-{id}.
        "id": f"{COMPANIES_HOUSE}-{record.companies_house_number}",
        "name": record.supplier_name,
        "identifier": {
            "scheme": COMPANIES_HOUSE,
            "id": record.companies_house_number,
            "legalName": record.supplier_name,
        },
        "roles": ["supplier"],
        "details": details,
    }


def _release_date(record: AwardRecord) -> datetime:
    if record.status in ("ended", "expired"):
        return max(record.awarded_at, datetime.combine(record.end_date, time()))
    return record.awarded_at


def _fingerprint(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _amount(value: Decimal) -> int | float:
    """A JSON number (OCDS amounts are numbers, not strings): whole pounds as an integer."""
    return int(value) if value == value.to_integral_value() else float(value)


def _moment(moment: datetime) -> str:
    """A stored naive-UTC time as an ISO 8601 date-time in UTC, to the second."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _day(day: date) -> str:
    """A calendar day as the moment it starts, in UTC."""
    return f"{day.isoformat()}T00:00:00Z"
