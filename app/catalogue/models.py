from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.suppliers.models import Organisation


class Framework(Base):
    """A framework agreement; its limits are the defaults of the contract rules (T1-T5, B2)."""

    __tablename__ = "frameworks"
    __table_args__ = (
        sa.CheckConstraint("status IN ('live', 'expired')", name="status_known"),
        sa.CheckConstraint("max_months_to_break <= 12", name="break_within_a_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(20), default="live")
    ocid: Mapped[str] = mapped_column(sa.String(100))
    max_initial_months: Mapped[int]
    max_extensions: Mapped[int]
    max_extension_months: Mapped[int]
    max_total_months: Mapped[int]
    max_months_to_break: Mapped[int]
    max_notice_days: Mapped[int]
    max_upfront_months: Mapped[int]
    end_search_limit: Mapped[int]

    lots: Mapped[list[Lot]] = relationship(back_populates="framework", order_by="Lot.position")


category_group_members = sa.Table(
    "category_group_members",
    Base.metadata,
    sa.Column("group_id", sa.ForeignKey("category_groups.id"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("categories.id"), primary_key=True),
)


class Lot(Base):
    __tablename__ = "lots"
    __table_args__ = (sa.UniqueConstraint("framework_id", "slug", name="uq_lots_framework_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("frameworks.id"))
    slug: Mapped[str] = mapped_column(sa.String(50))
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.String(500))
    position: Mapped[int]
    min_categories: Mapped[int]
    max_categories: Mapped[int]

    framework: Mapped[Framework] = relationship(back_populates="lots")
    categories: Mapped[list[Category]] = relationship(back_populates="lot", order_by="Category.name")
    groups: Mapped[list[CategoryGroup]] = relationship(back_populates="lot", order_by="CategoryGroup.position")


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (sa.UniqueConstraint("lot_id", "slug", name="uq_categories_lot_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"))
    slug: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(150))

    lot: Mapped[Lot] = relationship(back_populates="categories")


class CategoryGroup(Base):
    """The first level of the software category tree; a category can sit in several groups."""

    __tablename__ = "category_groups"
    __table_args__ = (sa.UniqueConstraint("lot_id", "slug", name="uq_category_groups_lot_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"))
    slug: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(150))
    position: Mapped[int]

    lot: Mapped[Lot] = relationship(back_populates="groups")
    categories: Mapped[list[Category]] = relationship(secondary=category_group_members, order_by="Category.name")


class Service(Base):
    """A supplier's service: a working copy plus the number of its current published version (rule C2)."""

    __tablename__ = "services"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'published', 'withdrawn', 'disabled')", name="status_known"),
        # Only a draft may lack a published version; everything else points at one.
        sa.CheckConstraint("status = 'draft' OR version_number >= 1", name="published_has_version"),
        sa.CheckConstraint("reviewed_version_number <= version_number", name="reviewed_not_ahead"),
        sa.Index("ix_services_status_organisation", "status", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    # The working copy: everything the supplier has saved, valid field by field.
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    version_number: Mapped[int] = mapped_column(default=0)
    # Versions up to this one have been seen by an admin (the review queue shows the rest).
    reviewed_version_number: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    lot: Mapped[Lot] = relationship()
    versions: Mapped[list[ServiceVersion]] = relationship(
        back_populates="service", order_by="ServiceVersion.number", cascade="all, delete-orphan"
    )
    documents: Mapped[list[ServiceDocument]] = relationship(back_populates="service", order_by="ServiceDocument.uploaded_at")

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.status}>"


class ServiceVersion(Base):
    """An immutable snapshot of a service as published; shortlists and contracts point here."""

    __tablename__ = "service_versions"
    __table_args__ = (
        sa.UniqueConstraint("service_id", "number", name="uq_service_versions_service_number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"), index=True)
    number: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    service: Mapped[Service] = relationship(back_populates="versions")


class ServiceDocument(Base):
    """A public document about a service (definition, pricing, terms): PDF or ODF, never changed once uploaded."""

    __tablename__ = "service_documents"
    __table_args__ = (sa.CheckConstraint("kind IN ('service_definition', 'pricing', 'terms')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    filename: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    service: Mapped[Service] = relationship(back_populates="documents")
