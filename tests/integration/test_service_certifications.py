"""A live service may only claim certifications its supplier holds a current certificate for."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.catalogue import services
from app.catalogue.rules import ServiceValidationError
from app.timeutil import today
from tests.factories import make_accredited_supplier, make_service


def test_an_edit_cannot_claim_a_certificate_the_supplier_does_not_hold(session: Session, tmp_path: Path) -> None:
    organisation = make_accredited_supplier(session, tmp_path)
    held = {c.kind for c in organisation.certificates}
    missing = next(kind for kind in ("iso27001", "cyber_essentials_plus", "cyber_essentials") if kind not in held)
    service = make_service(session, organisation, certifications=[])
    supplier = organisation.users[0]
    with pytest.raises(ServiceValidationError) as refused:
        services.update_service(session, supplier, service, {"certifications": [missing]}, today=today())
    assert "no current" in refused.value.errors["certifications"][0]
    assert service.version_number == 1
    services.update_service(session, supplier, service, {"certifications": sorted(held)}, today=today())
    assert service.version_number == 2
