from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.auth.decorators import check_role
from app.auth.models import Role

bp = Blueprint("suppliers", __name__, url_prefix="/supplier")


@bp.before_request
def suppliers_only() -> object:
    return check_role(Role.SUPPLIER)


@bp.route("/")
def index() -> str:
    return render_template("supplier/index.html", organisation=current_user.organisation)
