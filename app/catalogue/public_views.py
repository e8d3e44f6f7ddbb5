"""Public service pages: what a buyer needs to assess a service (rule C1: 410 when withdrawn or disabled)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("service_pages", __name__)
