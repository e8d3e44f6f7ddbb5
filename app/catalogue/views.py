"""The supplier's services: drafting section by section, publishing, editing and withdrawing."""

from __future__ import annotations

from flask import Blueprint

from app.auth.decorators import check_role
from app.auth.models import Role

bp = Blueprint("catalogue", __name__, url_prefix="/supplier/services")


@bp.before_request
def suppliers_only() -> object:
    return check_role(Role.SUPPLIER)
