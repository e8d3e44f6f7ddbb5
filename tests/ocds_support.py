"""Checking OCDS output against the OCDS 1.1 schema and codelists in tests/data/ocds, without the network.

The release package schema refers to the release schema by its URL; both are
registered under their own ids, so ``$ref`` resolves to the local copies. The
schema leaves several codelists open, so the codes are checked against the
CSV files too, with the cross-references a schema cannot express (the buyer,
award suppliers and ``awardID`` point at entries that exist).
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource

OCDS_DATA = Path(__file__).parent / "data" / "ocds"


def _schema(name: str) -> dict[str, Any]:
    return json.loads((OCDS_DATA / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def package_validator() -> Draft4Validator:
    package_schema, release_schema = _schema("release-package-schema.json"), _schema("release-schema.json")
    # Draft 4 schemas name themselves with "id"; the resources read it from there.
    registry: Registry = Registry().with_resources(
        [(schema["id"], Resource.from_contents(schema)) for schema in (package_schema, release_schema)]
    )
    return Draft4Validator(package_schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


@cache
def codelist(name: str) -> frozenset[str]:
    """The codes of one codelist, e.g. codelist("releaseTag")."""
    with (OCDS_DATA / f"{name}.csv").open(encoding="utf-8", newline="") as file:
        return frozenset(row["Code"] for row in csv.DictReader(file))


def schema_errors(package: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in package_validator().iter_errors(package)
    ]


def codelist_errors(package: dict[str, Any]) -> list[str]:
    """Codes outside their codelists, and references to parties or awards that are not there."""
    errors: list[str] = []

    def check(where: str, values: list[Any], name: str) -> None:
        errors.extend(f"{where}: {value!r} is not in {name}.csv" for value in values if value not in codelist(name))

    for index, release in enumerate(package.get("releases", [])):
        at = f"releases/{index}"
        check(f"{at}/tag", release.get("tag", []), "releaseTag")
        check(f"{at}/initiationType", [release.get("initiationType")], "initiationType")
        parties = {party["id"]: party for party in release.get("parties", [])}
        for party in parties.values():
            check(f"{at}/parties/{party['id']}/roles", party.get("roles", []), "partyRole")
            if "scale" in party.get("details", {}):
                check(f"{at}/parties/{party['id']}/details/scale", [party["details"]["scale"]], "partyScale")
        buyer = release.get("buyer", {})
        if buyer.get("id") not in parties or parties[buyer["id"]]["name"] != buyer.get("name"):
            errors.append(f"{at}/buyer: {buyer!r} is not a party")
        award_ids = set()
        for award in release.get("awards", []):
            award_ids.add(award["id"])
            check(f"{at}/awards/{award['id']}/status", [award.get("status")], "awardStatus")
            check(f"{at}/awards/{award['id']}/value/currency", [award["value"]["currency"]], "currency")
            for supplier in award.get("suppliers", []):
                if supplier["id"] not in parties or "supplier" not in parties[supplier["id"]]["roles"]:
                    errors.append(f"{at}/awards/{award['id']}/suppliers: {supplier!r} is not a supplier party")
        for contract in release.get("contracts", []):
            check(f"{at}/contracts/{contract['id']}/status", [contract.get("status")], "contractStatus")
            check(f"{at}/contracts/{contract['id']}/value/currency", [contract["value"]["currency"]], "currency")
            if contract.get("awardID") not in award_ids:
                errors.append(f"{at}/contracts/{contract['id']}/awardID: {contract.get('awardID')!r} is not an award")
        for process in release.get("relatedProcesses", []):
            check(
                f"{at}/relatedProcesses/{process['id']}/relationship", process.get("relationship", []), "relatedProcess"
            )
            check(f"{at}/relatedProcesses/{process['id']}/scheme", [process.get("scheme")], "relatedProcessScheme")
    return errors


def assert_valid_package(package: dict[str, Any]) -> None:
    """Fail with every problem at once: schema errors first, then codelist and reference errors."""
    problems = schema_errors(package) + codelist_errors(package)
    assert not problems, "\n".join(problems)
