from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.auth.models import User
    from app.buyers.models import Project, ShortlistItem
    from app.catalogue.models import Service, ServiceVersion
    from app.suppliers.models import Organisation


class ContractTemplate(Base):
    """A versioned call-off contract template made of clauses with placeholders (T7)."""

    __tablename__ = "contract_templates"
    __table_args__ = (
        sa.UniqueConstraint("name", "version", name="uq_contract_templates_name_version"),
        sa.CheckConstraint("status IN ('draft', 'active', 'retired')", name="status_known"),
        # Exactly one template is used for new awards.
        sa.Index(
            "uq_contract_templates_one_active",
            "status",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[int]
    # [{"key": "term", "title": "Term", "text": "The contract starts on {{ contract.start_date }} ..."}]
    clauses: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime | None]


class Contract(Base):
    """A call-off contract awarded from a frozen shortlist, pinned to the service version and template version."""

    __tablename__ = "contracts"
    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'ended', 'expired')", name="status_known"),
        sa.CheckConstraint("pricing_model IN ('pay_as_you_go', 'fixed')", name="pricing_model_known"),
        sa.CheckConstraint("exit_fee = 0", name="no_exit_fee"),
        sa.CheckConstraint("buyer_notice_days >= 0", name="notice_not_negative"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    # One contract per shortlist item: the winner must be on the frozen shortlist (T6).
    shortlist_item_id: Mapped[int] = mapped_column(sa.ForeignKey("shortlist_items.id"), unique=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    buyer_organisation: Mapped[str] = mapped_column(sa.String(200))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    # The supplier as it was at award, for transparency: a supplier that grows later does not rewrite
    # the share of past awards that went to SMEs, mutuals and VCSEs.
    supplier_size: Mapped[str | None] = mapped_column(sa.String(10))
    supplier_is_mutual: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    supplier_is_vcse: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    supplier_is_social_enterprise: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"))
    service_version_id: Mapped[int] = mapped_column(sa.ForeignKey("service_versions.id"))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("contract_templates.id"))

    start_date: Mapped[date]
    initial_term_months: Mapped[int]
    break_dates: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    buyer_notice_days: Mapped[int]
    extensions_months: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    extensions_taken: Mapped[int] = mapped_column(default=0)
    exit_fee: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0"))
    upfront_payment_months: Mapped[int] = mapped_column(default=0)
    pricing_model: Mapped[str] = mapped_column(sa.String(20))
    data_return: Mapped[str] = mapped_column(sa.Text)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    purchase_order_number: Mapped[str | None] = mapped_column(sa.String(50))

    status: Mapped[str] = mapped_column(sa.String(20), default="active", index=True)
    # The last day of the contract as it stands (initial term plus extensions taken, or the break exercised).
    end_date: Mapped[date]
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # The contract document as rendered at award: never re-rendered from a later template.
    document: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    awarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship()
    shortlist_item: Mapped[ShortlistItem] = relationship()
    buyer: Mapped[User] = relationship(foreign_keys=[buyer_id])
    organisation: Mapped[Organisation] = relationship()
    service: Mapped[Service] = relationship()
    service_version: Mapped[ServiceVersion] = relationship()
    template: Mapped[ContractTemplate] = relationship()
    reminders: Mapped[list[ContractReminder]] = relationship(back_populates="contract", order_by="ContractReminder.id")


class ContractReminder(Base):
    """A reminder sent once: before a break's notice deadline or before the end date."""

    __tablename__ = "contract_reminders"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('break_notice', 'end')", name="kind_known"),
        # The same reminder is never sent twice, however often the command runs.
        sa.UniqueConstraint("contract_id", "kind", "due_on", name="uq_contract_reminders_contract_kind_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    due_on: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="reminders")
