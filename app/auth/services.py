"""Account use cases: registration, verification, sign-in, lockout, reset, admin actions."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth import domains
from app.auth.models import ApiToken, BuyerDomain, Role, User
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.exceptions import DomainError
from app.suppliers.models import Organisation
from app.timeutil import utcnow


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "An account with this email address already exists. Sign in, or reset your password if you have forgotten it",
            field="email",
        )


class BuyerDomainNotAllowed(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Enter an email address from a public sector organisation (for example one ending gov.uk or nhs.uk). "
            "If your organisation's domain is missing, contact us to add it",
            field="email",
        )


class SignInError(DomainError):
    pass


class DomainAlreadyCovered(DomainError):
    pass


@dataclass(frozen=True)
class AccountPolicy:
    max_failed_sign_ins: int = 5
    fast_hashing: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def _ensure_email_free(session: Session, email: str) -> None:
    if find_user_by_email(session, email) is not None:
        raise EmailTaken()


def allowed_buyer_domains(session: Session) -> list[str]:
    return list(session.scalars(sa.select(BuyerDomain.domain)))


def register_supplier(
    session: Session, *, name: str, email: str, password: str, organisation_name: str, policy: AccountPolicy
) -> User:
    """Create a supplier organisation and its first user, unverified until the email link is used."""
    _ensure_email_free(session, email)
    organisation = Organisation(name=organisation_name.strip())
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        password_hash=hash_password(password, fast=policy.fast_hashing),
        role=Role.SUPPLIER,
        organisation=organisation,
    )
    session.add_all([organisation, user])
    session.flush()
    record(session, user, "organisation.registered", organisation, after={"name": organisation.name})
    record(session, user, "user.registered", user, after={"email": user.email, "role": user.role})
    return user


def register_buyer(session: Session, *, name: str, email: str, password: str, policy: AccountPolicy) -> User:
    """Create a buyer account; the email must be on an allowlisted public-sector domain (rule B1)."""
    if not domains.is_buyer_email_allowed(email, allowed_buyer_domains(session)):
        raise BuyerDomainNotAllowed()
    _ensure_email_free(session, email)
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        password_hash=hash_password(password, fast=policy.fast_hashing),
        role=Role.BUYER,
    )
    session.add(user)
    session.flush()
    record(session, user, "user.registered", user, after={"email": user.email, "role": user.role})
    return user


def create_admin(session: Session, *, email: str, password: str, name: str, policy: AccountPolicy) -> User:
    _ensure_email_free(session, email)
    user = User(
        name=name,
        email=normalise_email(email),
        password_hash=hash_password(password, fast=policy.fast_hashing),
        role=Role.ADMIN,
        email_verified_at=utcnow(),
    )
    session.add(user)
    session.flush()
    record(session, None, "user.admin_created", user, after={"email": user.email}, actor_label="command line")
    return user


def verify_email(session: Session, user: User, email_in_link: object) -> bool:
    """Mark the email verified. Returns False if it was already verified."""
    if email_in_link != user.email:
        raise DomainError("This verification link is for a different email address.")
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = utcnow()
    record(session, user, "user.email_verified", user, after={"email": user.email})
    session.flush()
    return True


LOCKED_MESSAGE = (
    "Your account is locked because of too many failed sign-in attempts. "
    "Reset your password to unlock it, or ask an administrator"
)
WRONG_CREDENTIALS = "Enter a correct email address and password"


def authenticate(session: Session, email: str, password: str, policy: AccountPolicy) -> User:
    """Check an email and password, counting failures and locking after the limit (rule B3).

    The same message is given for an unknown email and a wrong password, so the
    form does not reveal who has an account.
    """
    user = find_user_by_email(session, email)
    if user is None:
        verify_password(hash_password("timing-equaliser", fast=True), password)
        raise SignInError(WRONG_CREDENTIALS)
    if user.is_locked:
        raise SignInError(LOCKED_MESSAGE)
    if not verify_password(user.password_hash, password):
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= policy.max_failed_sign_ins:
            user.locked_at = utcnow()
            record(session, user, "user.locked", user, after={"failed_sign_ins": user.failed_sign_ins})
            session.flush()
            raise SignInError(LOCKED_MESSAGE)
        session.flush()
        raise SignInError(WRONG_CREDENTIALS)
    if not user.active:
        raise SignInError("Your account has been deactivated. Contact us if you think this is wrong")
    if not user.is_verified:
        raise SignInError("Confirm your email address first: use the link in the email we sent you")
    user.failed_sign_ins = 0
    user.last_sign_in_at = utcnow()
    if needs_rehash(user.password_hash, fast=policy.fast_hashing):
        user.password_hash = hash_password(password, fast=policy.fast_hashing)
    record(session, user, "user.signed_in", user)
    session.flush()
    return user


def reset_password(session: Session, user: User, new_password: str, policy: AccountPolicy) -> None:
    """Set a new password from a reset link: unlocks the account and proves the mailbox (B3)."""
    before = {"locked": user.is_locked}
    user.password_hash = hash_password(new_password, fast=policy.fast_hashing)
    user.failed_sign_ins = 0
    user.locked_at = None
    user.email_verified_at = user.email_verified_at or utcnow()
    user.session_version += 1
    # A reset may follow a compromise: API tokens made with the old password stop working too.
    revoked = session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    ).rowcount
    record(session, user, "user.password_reset", user, before=before, after={"locked": False, "api_tokens_revoked": revoked})
    session.flush()


def change_password(session: Session, user: User, current: str, new_password: str, policy: AccountPolicy) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError("Your current password is not correct", field="current_password")
    user.password_hash = hash_password(new_password, fast=policy.fast_hashing)
    user.session_version += 1
    record(session, user, "user.password_changed", user)
    session.flush()


def _status(user: User) -> dict[str, object]:
    return {"active": user.active, "locked": user.is_locked, "failed_sign_ins": user.failed_sign_ins}


def unlock_user(session: Session, admin: User, user: User) -> None:
    before = _status(user)
    user.locked_at = None
    user.failed_sign_ins = 0
    record(session, admin, "user.unlocked", user, before=before, after=_status(user))
    session.flush()


def set_user_active(session: Session, admin: User, user: User, active: bool) -> None:
    if user.id == admin.id and not active:
        raise DomainError("You cannot deactivate your own account")
    before = _status(user)
    user.active = active
    if not active:
        user.session_version += 1  # signs them out of every session
    record(session, admin, "user.reactivated" if active else "user.deactivated", user, before=before, after=_status(user))
    session.flush()


def add_buyer_domain(session: Session, admin: User | None, value: str, *, actor_label: str | None = None) -> BuyerDomain:
    """Allow buyers from a domain; refuse one that an existing entry already covers by suffix."""
    try:
        domain = domains.normalise_domain(value)
    except domains.DomainFormatError as error:
        raise DomainError(str(error), field="domain") from None
    existing = allowed_buyer_domains(session)
    cover = domains.covering_domain(domain, existing)
    if cover == domain:
        raise DomainAlreadyCovered(f"{domain} is already on the list", field="domain")
    if cover is not None:
        raise DomainAlreadyCovered(
            f"{domain} is already allowed because {cover} is on the list (any address ending .{cover} can register)",
            field="domain",
        )
    entry = BuyerDomain(domain=domain, created_by_id=admin.id if admin else None)
    session.add(entry)
    session.flush()
    record(session, admin, "buyer_domain.added", entry, after={"domain": domain}, actor_label=actor_label)
    return entry


def remove_buyer_domain(session: Session, admin: User, entry: BuyerDomain) -> None:
    record(session, admin, "buyer_domain.removed", entry, before={"domain": entry.domain})
    session.delete(entry)
    session.flush()
