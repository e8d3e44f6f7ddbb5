"""Signed, expiring invitation links."""

from __future__ import annotations

from flask import current_app

from app.auth.tokens import sign, unsign
from app.suppliers.models import Invitation


def make_invitation_token(invitation: Invitation) -> str:
    return sign("invitation", {"invitation": invitation.id, "email": invitation.email})


def read_invitation_token(token: str) -> dict[str, object]:
    return unsign("invitation", token, current_app.config["INVITATION_MAX_AGE"], "invitation")
