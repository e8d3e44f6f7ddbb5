"""Every domain's models, imported so that mappers and Alembic see them all."""

from app.audit.models import AuditEvent
from app.auth.models import BuyerDomain, Role, User
from app.db import Base
from app.suppliers.models import Accreditation, Certificate, EvidenceDocument, Invitation, Organisation

__all__ = [
    "Accreditation",
    "AuditEvent",
    "Base",
    "BuyerDomain",
    "Certificate",
    "EvidenceDocument",
    "Invitation",
    "Organisation",
    "Role",
    "User",
]
