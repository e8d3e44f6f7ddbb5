"""API tokens: a user creates bearer tokens for the JSON API, sees them listed, and revokes them.

Only a token's SHA-256 is stored, so a database leak does not leak working
tokens; the token itself is shown once, when it is created. Tokens start
with ``cs_`` so that secret scanners and people can recognise them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.models import ApiToken, User
from app.exceptions import DomainError

TOKEN_PREFIX = "cs_"
NAME_MAX_CHARS = 100
# Enough of the token to tell tokens apart, far too little to guess the rest.
SHOWN_PREFIX_CHARS = 12
# A busy integration should not write to its token row on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)

MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a longer number in a URL is simply not found
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# cs_ and 43 URL-safe characters; anything much longer is not one of ours.
_TOKEN_SHAPE = re.compile(r"cs_[A-Za-z0-9_-]{20,100}")


class TokenNameInvalid(DomainError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_token_name(name: object) -> str:
    """A token's name: 1 to 100 characters of printable text, so the user can tell their tokens apart."""
    if not isinstance(name, str):
        raise TokenNameInvalid("The token name must be text", field="name")
    cleaned = name.strip()
    if not cleaned:
        raise TokenNameInvalid("Enter a name for the token, like ‘Catalogue sync’", field="name")
    if len(cleaned) > NAME_MAX_CHARS:
        raise TokenNameInvalid(f"The token name must be {NAME_MAX_CHARS} characters or fewer", field="name")
    if _CONTROL.search(cleaned):
        raise TokenNameInvalid("The token name must not contain control characters", field="name")
    return cleaned


def create_token(session: Session, user: User, name: object) -> tuple[ApiToken, str]:
    """Create a bearer token for ``user`` and return it with its plain text, which is never stored."""
    cleaned = clean_token_name(name)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=cleaned, token_hash=hash_token(plaintext), prefix=plaintext[:SHOWN_PREFIX_CHARS]
    )
    session.add(token)
    session.flush()
    record(
        session,
        user,
        "api_token.created",
        token,
        after={"name": token.name, "prefix": token.prefix, "user_id": user.id},
    )
    session.flush()
    return token, plaintext


def revoke_token(session: Session, user: User, token: ApiToken, *, now: datetime) -> bool:
    """Stop a token working at once. Returns False if it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now
    record(
        session,
        user,
        "api_token.revoked",
        token,
        before={"revoked": False},
        after={"revoked": True, "name": token.name, "prefix": token.prefix},
    )
    session.flush()
    return True


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included, so the user can see what happened)."""
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def get_own_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """The user's own token; someone else's is None, exactly like one that does not exist."""
    token = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None or token.user_id != user.id:
        return None
    return token


def bearer_token(header_value: str | None) -> str | None:
    """The token in an ``Authorization: Bearer <token>`` header (RFC 6750), or None."""
    if not header_value:
        return None
    scheme, _, credentials = header_value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    credentials = credentials.strip()
    return credentials if _TOKEN_SHAPE.fullmatch(credentials) else None


def authenticate_token(session: Session, header_value: str | None, *, now: datetime) -> User | None:
    """The user a bearer token belongs to, or None if the token is unknown or revoked, or its user
    may not sign in (deactivated or with an unconfirmed email). Records when the token was last used."""
    token_text = bearer_token(header_value)
    if token_text is None:
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token_text)))
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    # A locked account keeps its tokens: locking stops password guessing, and the token is a separate secret.
    if not user.active or not user.is_verified:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.flush()
    return user
