"""Every domain's models, imported so that mappers and Alembic see them all."""

from app.audit.models import AuditEvent
from app.auth.models import ApiToken, BuyerDomain, Role, User
from app.buyers.models import Outcome, Project, SavedSearch, ShortlistDownload, ShortlistItem
from app.catalogue.models import Category, CategoryGroup, Framework, Lot, Service, ServiceDocument, ServiceVersion
from app.contracts.models import Contract, ContractReminder, ContractTemplate
from app.db import Base
from app.search.models import SearchOutboxPruned, SearchOutboxRow, SearchQueryLog
from app.suppliers.models import Accreditation, Certificate, EvidenceDocument, Invitation, Organisation

__all__ = [
    "Accreditation",
    "ApiToken",
    "Category",
    "Contract",
    "ContractReminder",
    "ContractTemplate",
    "CategoryGroup",
    "Framework",
    "Lot",
    "Service",
    "ServiceDocument",
    "ServiceVersion",
    "ShortlistDownload",
    "ShortlistItem",
    "AuditEvent",
    "Base",
    "BuyerDomain",
    "Certificate",
    "EvidenceDocument",
    "Invitation",
    "Organisation",
    "Outcome",
    "Project",
    "SavedSearch",
    "Role",
    "SearchOutboxPruned",
    "SearchOutboxRow",
    "SearchQueryLog",
    "User",
]
