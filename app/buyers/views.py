from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.auth.decorators import check_role
from app.auth.models import Role

bp = Blueprint("buyers", __name__, url_prefix="/buyer")


@bp.before_request
def buyers_only() -> object:
    return check_role(Role.BUYER)


@bp.route("/")
def index() -> str:
    return render_template("buyer/index.html", user=current_user)
