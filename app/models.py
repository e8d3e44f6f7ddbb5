"""Every domain's models, imported so that mappers and Alembic see them all."""

from app.audit.models import AuditEvent
from app.auth.models import BuyerDomain, Role, User
from app.db import Base
from app.suppliers.models import Organisation

__all__ = ["AuditEvent", "Base", "BuyerDomain", "Organisation", "Role", "User"]
