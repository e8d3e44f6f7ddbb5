"""Signed, expiring links for email verification and password reset."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.auth.models import User


class LinkError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"cloudstore-{purpose}")


def _fingerprint(user: User) -> str:
    # Part of the reset link: changing the password invalidates every earlier link.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_verification_token(user: User) -> str:
    return _serializer("verify-email").dumps({"user": user.id, "email": user.email})


def read_verification_token(token: str) -> dict[str, object]:
    return _load("verify-email", token, current_app.config["EMAIL_VERIFICATION_MAX_AGE"], "verification")


def make_reset_token(user: User) -> str:
    return _serializer("reset-password").dumps({"user": user.id, "fp": _fingerprint(user)})


def read_reset_token(token: str) -> dict[str, object]:
    return _load("reset-password", token, current_app.config["PASSWORD_RESET_MAX_AGE"], "password reset")


def reset_token_matches(data: dict[str, object], user: User) -> bool:
    return data.get("fp") == _fingerprint(user)


def sign(purpose: str, data: dict[str, object]) -> str:
    return _serializer(purpose).dumps(data)


def unsign(purpose: str, token: str, max_age: int, what: str) -> dict[str, object]:
    """Read a signed link, with a message naming the kind of link when it is expired or damaged."""
    return _load(purpose, token, max_age, what)


def _load(purpose: str, token: str, max_age: int, what: str) -> dict[str, object]:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError(f"This {what} link has expired. Ask for a new one.") from None
    except BadSignature:
        raise LinkError(f"This {what} link is not valid. Check you copied the whole link from the email.") from None
    if not isinstance(data, dict):
        raise LinkError(f"This {what} link is not valid.")
    return data
