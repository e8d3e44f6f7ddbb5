from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.timeutil import utcnow


class SearchOutboxRow(Base):
    """A service whose search entry may have changed, written in the same transaction as the change.

    Each node applies rows to its own index after its own position, so the
    database stays the single source of truth and no update is lost when an
    index is locked, broken or behind.
    """

    __tablename__ = "search_outbox"
    # Ids must never be reused (nodes remember how far they have read), even after pruning.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)
    service_id: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SearchOutboxPruned(Base):
    """The highest outbox id deleted by pruning: a node whose position is below it must rebuild."""

    __tablename__ = "search_outbox_pruned"

    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_up_to: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SearchQueryLog(Base):
    """One search made on the search page or the API, for admin statistics: what was asked and how many
    services it found. Nothing about who asked (no user, address or session) is kept."""

    __tablename__ = "search_queries"
    __table_args__ = (sa.Index("ix_search_queries_zero_results", "result_count", "q"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)
    searched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The keywords as the engine read them, lower-cased and with spaces collapsed; empty for a browse.
    q: Mapped[str] = mapped_column(sa.String(200), default="")
    lot: Mapped[str | None] = mapped_column(sa.String(50))
    filter_count: Mapped[int] = mapped_column(default=0)
    result_count: Mapped[int]
    source: Mapped[str] = mapped_column(sa.String(10), default="page")
