"""Password hashing (Argon2id) and the password policy of rule B3."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_default_hasher = PasswordHasher()
# Test runs hash thousands of passwords; the cheapest parameters keep them fast.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def hash_password(password: str, *, fast: bool = False) -> str:
    return (_fast_hasher if fast else _default_hasher).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _default_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, *, fast: bool = False) -> bool:
    return (_fast_hasher if fast else _default_hasher).check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("app.auth").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


_TRAILING_NOISE = re.compile(r"[\d\W_]+$")


def password_problem(password: str, *, min_length: int, email: str = "", name: str = "") -> str | None:
    """Say what is wrong with a new password, or None if it may be used.

    Long enough (rule B3, 12 characters by default) and not a common password,
    nor a common password with digits or symbols stuck on the end, nor the
    user's own email address or name.
    """
    if len(password) < min_length:
        return f"Password must be at least {min_length} characters long"
    if len(password) > 256:
        return "Password must be 256 characters or fewer"
    lowered = password.lower()
    stem = _TRAILING_NOISE.sub("", lowered)
    common = common_passwords()
    if lowered in common or (stem and stem in common) or len(set(lowered)) <= 2:
        return "This password is too common and easy to guess. Choose a different one, such as three random words"
    personal = {email.lower(), email.lower().split("@")[0], name.lower().replace(" ", "")} - {""}
    if lowered in personal or lowered.replace(" ", "") in personal:
        return "Your password must not be your email address or name"
    return None
