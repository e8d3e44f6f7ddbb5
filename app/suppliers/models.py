from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.auth.models import User


class OrganisationType(enum.StrEnum):
    LIMITED_COMPANY = "ltd"
    PLC = "plc"
    LLP = "llp"
    SOLE_TRADER = "sole_trader"
    CIC = "cic"
    CHARITY = "charity"
    CO_OPERATIVE = "co_operative"
    COMMUNITY_BENEFIT_SOCIETY = "community_benefit_society"
    PUBLIC_SERVICE_MUTUAL = "public_service_mutual"
    PUBLIC_BODY = "public_body"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORGANISATION_TYPE_LABELS[self]


ORGANISATION_TYPE_LABELS = {
    OrganisationType.LIMITED_COMPANY: "Limited company",
    OrganisationType.PLC: "Public limited company (PLC)",
    OrganisationType.LLP: "Limited liability partnership (LLP)",
    OrganisationType.SOLE_TRADER: "Sole trader",
    OrganisationType.CIC: "Community interest company (CIC)",
    OrganisationType.CHARITY: "Charity or charitable incorporated organisation",
    OrganisationType.CO_OPERATIVE: "Co-operative",
    OrganisationType.COMMUNITY_BENEFIT_SOCIETY: "Community benefit society",
    OrganisationType.PUBLIC_SERVICE_MUTUAL: "Public service mutual",
    OrganisationType.PUBLIC_BODY: "Public body",
    OrganisationType.OTHER: "Other",
}


def _in(values: Any) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Organisation(Base):
    """A supplier organisation: created with its first user at registration."""

    __tablename__ = "organisations"
    __table_args__ = (
        sa.CheckConstraint(f"organisation_type IN ({_in(OrganisationType)})", name="organisation_type_known"),
        sa.CheckConstraint("size IN ('micro', 'small', 'medium', 'large')", name="size_known"),
        sa.CheckConstraint(
            "employee_ownership_pct IS NULL OR (employee_ownership_pct >= 0 AND employee_ownership_pct <= 100)",
            name="employee_ownership_pct_range",
        ),
        sa.CheckConstraint("headcount IS NULL OR headcount >= 0", name="headcount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The name buyers see (the trading name); legal_name is the registered one.
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_name: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.String(1000))
    address_line_1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line_2: Mapped[str | None] = mapped_column(sa.String(200))
    town: Mapped[str | None] = mapped_column(sa.String(100))
    postcode: Mapped[str | None] = mapped_column(sa.String(20))
    country: Mapped[str | None] = mapped_column(sa.String(100))
    contact_name: Mapped[str | None] = mapped_column(sa.String(100))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    website: Mapped[str | None] = mapped_column(sa.String(255))

    # Identifiers (rule C5). One Companies House number belongs to one organisation.
    companies_house_number: Mapped[str | None] = mapped_column(sa.String(8), unique=True)
    other_registration_number: Mapped[str | None] = mapped_column(sa.String(255))
    duns_number: Mapped[str | None] = mapped_column(sa.String(9))
    vat_number: Mapped[str | None] = mapped_column(sa.String(20))
    vat_registered: Mapped[bool | None]

    # Type and the independent flags (rule C4: one organisation can be several).
    organisation_type: Mapped[str | None] = mapped_column(sa.String(40))
    is_public_service_mutual: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_social_enterprise: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_vcse: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_supported_employment_provider: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    employee_ownership_pct: Mapped[int | None]

    # Size is computed from these (EU 2003/361), never typed in.
    headcount: Mapped[int | None]
    turnover_gbp: Mapped[Decimal | None] = mapped_column(sa.Numeric(15, 2))
    balance_sheet_gbp: Mapped[Decimal | None] = mapped_column(sa.Numeric(15, 2))
    size: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    size_reason: Mapped[str | None] = mapped_column(sa.String(500))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation", order_by="User.name")
    accreditation: Mapped[Accreditation | None] = relationship(back_populates="organisation", uselist=False)
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="organisation", order_by="Certificate.kind", cascade="all, delete-orphan"
    )
    documents: Mapped[list[EvidenceDocument]] = relationship(
        back_populates="organisation", order_by="EvidenceDocument.uploaded_at", cascade="all, delete-orphan"
    )

    @property
    def type_enum(self) -> OrganisationType | None:
        return OrganisationType(self.organisation_type) if self.organisation_type else None

    @property
    def is_sme(self) -> bool:
        return self.size in {"micro", "small", "medium"}

    def __repr__(self) -> str:
        return f"<Organisation {self.id}>"


class Accreditation(Base):
    """An organisation's accreditation application and its current state (rule C6).

    One row per organisation: a rejected or expired supplier reapplies on the
    same row, and the history of every move is in the audit log.
    """

    __tablename__ = "accreditations"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'changes_requested', 'accredited', 'rejected', 'suspended', 'expired')",
            name="status_known",
        ),
        # Accredited or suspended always means a known expiry date.
        sa.CheckConstraint(
            "status NOT IN ('accredited', 'suspended') OR expires_on IS NOT NULL", name="accredited_has_expiry"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    declarations: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    declaration_explanations: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    declarations_completed_at: Mapped[datetime | None]
    employers_liability_exempt: Mapped[bool | None]
    employers_liability_gbp: Mapped[Decimal | None] = mapped_column(sa.Numeric(15, 2))
    professional_indemnity_gbp: Mapped[Decimal | None] = mapped_column(sa.Numeric(15, 2))
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    accredited_on: Mapped[date | None]
    # The first day the accreditation is no longer valid.
    expires_on: Mapped[date | None]
    # The latest reason shown to the supplier: what to change, why rejected or suspended.
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When an admin last saw the organisation's profile as it stands: at approval, then each time they review
    # the changes the supplier has made since (admin.services.unreviewed_profile_changes).
    profile_reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="accreditation")


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('cyber_essentials', 'cyber_essentials_plus', 'iso27001')", name="kind_known"),
        sa.UniqueConstraint("organisation_id", "kind", name="uq_certificates_organisation_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    number: Mapped[str] = mapped_column(sa.String(100))
    issuer: Mapped[str] = mapped_column(sa.String(100))
    expires_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="certificates")


class EvidenceDocument(Base):
    """A PDF or ODF file supporting an application; stored outside static/, never public."""

    __tablename__ = "evidence_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Relative to EVIDENCE_DIR; a random name, so the stored path reveals nothing.
    storage_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="documents")


class Invitation(Base):
    """An invitation for a colleague to join a supplier organisation."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
