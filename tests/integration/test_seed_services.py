"""`flask seed demo --services N --seed S`: realistic services through the catalogue rules, deterministic and idempotent."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.catalogue import rules
from app.catalogue import services as catalogue
from app.catalogue.models import Service
from app.suppliers.models import Organisation
from app.timeutil import today
from seed import service_vocabulary as vocab
from seed.services import SupplierProfile, load_lots, plan_services


@pytest.fixture
def seeded(app: Flask, session: Session) -> list[Service]:
    result = app.test_cli_runner().invoke(args=["seed", "demo", "--services", "40", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "40 services published" in result.output
    session.expire_all()
    return list(session.scalars(sa.select(Service).order_by(Service.id)))


def test_seeding_twice_creates_nothing_new(app: Flask, session: Session, seeded: list[Service]) -> None:
    assert len(seeded) == 40
    result = app.test_cli_runner().invoke(args=["seed", "demo", "--services", "40", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output
    assert session.scalar(sa.select(sa.func.count(Service.id))) == 40


def test_every_generated_service_passes_the_catalogue_rules_and_is_complete(session: Session, seeded: list[Service]) -> None:
    for service in seeded:
        spec = catalogue.lot_spec(service.lot)
        cleaned, errors = rules.clean_fields(service.data, spec)
        assert errors == {}, (service.name, errors)
        assert cleaned == service.data  # already in the rules' normal form
        assert rules.is_complete(service.data, spec), (service.name, rules.missing(service.data, spec))
        assert 3 <= len(service.data["features"]) <= 10 and 3 <= len(service.data["benefits"]) <= 10
        version = catalogue.version(session, service, service.version_number)
        assert version is not None and version.data == {**service.data, "lot": service.lot.slug}


def test_services_claim_only_certifications_their_supplier_holds(session: Session, seeded: list[Service]) -> None:
    for service in seeded:
        held = {c.kind for c in service.organisation.certificates if c.expires_on >= today()}
        assert rules.unheld_certifications(service.data.get("certifications", []), held) == [], service.name


def test_services_spread_over_accredited_demo_suppliers_with_smes_getting_most(session: Session, seeded: list[Service]) -> None:
    by_org = Counter(s.organisation_id for s in seeded)
    orgs = {o.id: o for o in session.scalars(sa.select(Organisation).where(Organisation.id.in_(by_org)))}
    assert all(o.accreditation is not None and o.accreditation.status == "accredited" for o in orgs.values())
    assert len(by_org) >= 10
    sme_share = sum(n for org_id, n in by_org.items() if orgs[org_id].is_sme) / len(seeded)
    assert sme_share > 0.7
    assert {s.lot.slug for s in seeded} == {"cloud-hosting", "cloud-software", "cloud-support"}


def test_the_demo_has_edits_to_review_a_withdrawn_and_a_disabled_service(session: Session, seeded: list[Service]) -> None:
    statuses = Counter(s.status for s in seeded)
    assert statuses == {"published": 38, "withdrawn": 1, "disabled": 1}
    assert all(s.status_reason for s in seeded if s.status in ("withdrawn", "disabled"))
    unreviewed = [s for s in seeded if s.version_number > s.reviewed_version_number]
    assert unreviewed and all(catalogue.unreviewed_changes(session, s) for s in unreviewed)
    assert any(s.version_number - s.reviewed_version_number == 2 for s in unreviewed)
    # The demo supplier account has one of its own services edited.
    assert any(s.organisation.name == "Riverside Care Mutual" for s in unreviewed)


def _profiles() -> list[SupplierProfile]:
    return [
        SupplierProfile(key, key.split("@")[1], sme=n % 4 != 0, certifications=frozenset({"cyber_essentials"}), themes=themes)
        for n, (key, themes) in enumerate(vocab.SUPPLIER_THEMES.items())
    ]


def test_the_same_seed_plans_the_same_services_and_another_seed_does_not(session: Session) -> None:
    lots = load_lots(session)
    first = plan_services(_profiles(), lots, 200, seed=7)
    again = plan_services(_profiles(), lots, 200, seed=7)
    other = plan_services(_profiles(), lots, 200, seed=8)
    assert [p.fields["name"] for p in first] == [p.fields["name"] for p in again]
    assert [p.fields for p in first] == [p.fields for p in again]
    assert [p.fields["name"] for p in first] != [p.fields["name"] for p in other]
    assert len(first) == 200


def test_planned_services_are_varied_and_read_like_listings(session: Session) -> None:
    lots = load_lots(session)
    planned = plan_services(_profiles(), lots, 500, seed=1)
    assert len({p.fields["name"] for p in planned}) > 150
    assert len({p.fields["summary"] for p in planned}) > 400
    locations = Counter(p.fields["data_location"] for p in planned)
    assert locations["uk"] > locations["eea"] > locations["other"] > 0
    assert {p.fields["price_unit"] for p in planned} >= {"user", "licence", "instance", "gigabyte", "person"}
    assert any("price_max" in p.fields for p in planned) and any("price_max" not in p.fields for p in planned)
    for p in planned:
        text = " ".join([p.fields["summary"], p.fields["description"], *p.fields["features"], *p.fields["benefits"]]).lower()
        assert "lorem" not in text and "{" not in text
        assert set(p.fields["exit_data_formats"]) & rules.OPEN_EXIT_FORMATS
