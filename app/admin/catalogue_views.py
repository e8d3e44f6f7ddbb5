"""Admin pages for the catalogue: the queue of edits to review, with a field-by-field diff, and disabling."""

from __future__ import annotations

from app.admin.views import bp

__all__ = ["bp"]
