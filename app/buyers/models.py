from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.auth.models import User
    from app.catalogue.models import Service, ServiceVersion


class Project(Base):
    """A buyer's procurement: one active search, frozen into a shortlist when the search ends (B2)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the search is ended: from then on the project cannot change.
    locked_at: Mapped[datetime | None]
    ready_to_assess_at: Mapped[datetime | None]

    buyer: Mapped[User] = relationship()
    searches: Mapped[list[SavedSearch]] = relationship(back_populates="project", order_by="SavedSearch.id")
    outcome: Mapped[Outcome | None] = relationship(back_populates="project", uselist=False)

    @property
    def active_search(self) -> SavedSearch | None:
        return next((s for s in self.searches if s.active), None)

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class SavedSearch(Base):
    """A search saved into a project: its parameters, and once ended, the frozen shortlist."""

    __tablename__ = "saved_searches"
    __table_args__ = (
        # One active search per project (Digital Marketplace did the same with a partial index).
        sa.Index(
            "uq_saved_searches_one_active_per_project",
            "project_id",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    query: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    summary: Mapped[str] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship(back_populates="searches")
    items: Mapped[list[ShortlistItem]] = relationship(back_populates="search", order_by="ShortlistItem.position")
    downloads: Mapped[list[ShortlistDownload]] = relationship(back_populates="search", order_by="ShortlistDownload.id")


class ShortlistItem(Base):
    """One service found when the search ended, pinned to the exact version the buyer saw (C2)."""

    __tablename__ = "shortlist_items"
    __table_args__ = (
        sa.UniqueConstraint("search_id", "service_id", name="uq_shortlist_items_search_service"),
        # An exclusion always has its written reason.
        sa.CheckConstraint("(excluded_at IS NULL) = (exclusion_reason IS NULL)", name="exclusion_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(sa.ForeignKey("saved_searches.id"), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"))
    service_version_id: Mapped[int] = mapped_column(sa.ForeignKey("service_versions.id"))
    position: Mapped[int]
    excluded_at: Mapped[datetime | None]
    exclusion_reason: Mapped[str | None] = mapped_column(sa.Text)
    excluded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    search: Mapped[SavedSearch] = relationship(back_populates="items")
    service: Mapped[Service] = relationship()
    version: Mapped[ServiceVersion] = relationship()


class ShortlistDownload(Base):
    __tablename__ = "shortlist_downloads"
    __table_args__ = (sa.CheckConstraint("format IN ('csv', 'ods')", name="format_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(sa.ForeignKey("saved_searches.id"), index=True)
    format: Mapped[str] = mapped_column(sa.String(10))
    downloaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    downloaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    search: Mapped[SavedSearch] = relationship(back_populates="downloads")


class Outcome(Base):
    """How a project ended: a contract awarded, or cancelled, or nothing suitable. One per project."""

    __tablename__ = "outcomes"
    __table_args__ = (
        sa.CheckConstraint("result IN ('awarded', 'cancelled', 'none_suitable')", name="result_known"),
        # Only an award carries a contract (R1.15: non-awarded outcomes carry no award fields).
        sa.CheckConstraint("(result = 'awarded') = (contract_id IS NOT NULL)", name="award_has_contract"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: one completed outcome per project (B2), enforced by the database.
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), unique=True)
    result: Mapped[str] = mapped_column(sa.String(20))
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id"), unique=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship(back_populates="outcome")
