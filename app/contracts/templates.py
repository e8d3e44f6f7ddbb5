"""Managing contract templates (T7): drafts, versions, and the one active template new contracts use.

A template is versioned by name: version 1 is created, each later version is
a copy to edit. Only a draft can change; activating a draft retires the
active template, so there is always exactly one (a database index insists).
Services take the session and the admin, record audit events and never commit.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.models import User
from app.contracts import documents
from app.contracts.models import ContractTemplate
from app.exceptions import DomainError
from app.timeutil import utcnow

NAME_MAX_CHARS = 100


class DraftExists(DomainError):
    """A template already has a draft version, which is the one to edit."""

    def __init__(self, draft: ContractTemplate) -> None:
        super().__init__(
            f"Version {draft.version} of {draft.name} is already a draft: edit that one instead of making another"
        )
        self.draft = draft


def _snapshot(template: ContractTemplate) -> dict[str, Any]:
    return {**_status(template), "clauses": template.clauses}


def _status(template: ContractTemplate) -> dict[str, Any]:
    return {"name": template.name, "version": template.version, "status": template.status}


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError("Enter a name for the template", field="name")
    if len(name) > NAME_MAX_CHARS:
        raise DomainError(f"The name must be {NAME_MAX_CHARS} characters or fewer", field="name")
    return name


def _draft_clauses(text: str) -> list[dict[str, str]]:
    """Clauses a draft can be saved with: readable, and each fills in with the sample contract. A draft
    may still lack required clauses (it is work in progress); activating checks those."""
    clauses, errors = documents.parse_clauses(text)
    if not errors:
        errors = documents.check_template(clauses, require_all=False).get("clauses", [])
    if errors:
        raise documents.TemplateError(errors)
    return clauses


def _name_taken(session: Session, name: str) -> bool:
    return session.scalar(sa.select(sa.func.count(ContractTemplate.id)).where(ContractTemplate.name == name)) != 0


def _require_draft(template: ContractTemplate, doing: str) -> None:
    if template.status != "draft":
        raise DomainError(
            f"Version {template.version} of {template.name} is {template.status}, so it cannot be {doing}: "
            "create a new version to make changes"
        )


def active_template(session: Session) -> ContractTemplate | None:
    """The template new contracts are rendered from (T7)."""
    return session.scalars(sa.select(ContractTemplate).where(ContractTemplate.status == "active")).one_or_none()


def draft_of(session: Session, name: str) -> ContractTemplate | None:
    """The draft version of the template with this name, if it has one."""
    return session.scalars(
        sa.select(ContractTemplate).where(ContractTemplate.name == name, ContractTemplate.status == "draft")
    ).first()


def create_template(session: Session, actor: User, name: str, clauses_text: str) -> ContractTemplate:
    """An admin starts a new template: version 1 of a new name, as a draft. A name already in use is
    refused: that template gets a new version instead."""
    name = _clean_name(name)
    if _name_taken(session, name):
        raise DomainError(
            f"There is already a template called {name}: open it and create a new version instead, "
            "or choose another name",
            field="name",
        )
    template = ContractTemplate(
        name=name, version=1, clauses=_draft_clauses(clauses_text), status="draft", created_by_id=actor.id
    )
    session.add(template)
    session.flush()
    record(session, actor, "contract_template.created", template, after=_snapshot(template))
    session.flush()
    return template


def new_version(session: Session, actor: User, template: ContractTemplate) -> ContractTemplate:
    """An admin copies a template (of any status) into a draft of its next version. A template has at most
    one draft at a time: if it has one, that draft is the one to edit (DraftExists says which)."""
    existing = draft_of(session, template.name)
    if existing is not None:
        raise DraftExists(existing)
    latest = session.scalar(
        sa.select(sa.func.max(ContractTemplate.version)).where(ContractTemplate.name == template.name)
    )
    draft = ContractTemplate(
        name=template.name,
        version=(latest or 0) + 1,
        clauses=[dict(clause) for clause in template.clauses],
        status="draft",
        created_by_id=actor.id,
    )
    session.add(draft)
    session.flush()
    record(
        session,
        actor,
        "contract_template.version_created",
        draft,
        before={"copied_from_id": template.id, "copied_from_version": template.version},
        after=_snapshot(draft),
    )
    session.flush()
    return draft


def update_draft(
    session: Session, actor: User, template: ContractTemplate, clauses_text: str, *, name: str | None = None
) -> ContractTemplate:
    """An admin edits a draft's clauses, and the name of a first version. Active and retired versions
    never change: contracts are pinned to them."""
    _require_draft(template, "changed")
    before = _snapshot(template)
    new_name = template.name if name is None else _clean_name(name)
    if new_name != template.name:
        if template.version != 1:
            raise DomainError(
                f"Version {template.version} keeps the name of its earlier versions, {template.name}", field="name"
            )
        if _name_taken(session, new_name):
            raise DomainError(f"There is already a template called {new_name}: choose another name", field="name")
    clauses = _draft_clauses(clauses_text)  # checked before anything changes, so a refusal leaves the draft as it was
    template.name, template.clauses = new_name, clauses
    session.flush()
    record(session, actor, "contract_template.updated", template, before=before, after=_snapshot(template))
    session.flush()
    return template


def activate(session: Session, actor: User, template: ContractTemplate) -> ContractTemplate:
    """T7: an admin makes a draft the template for new contracts. It must have the term, break, notice and
    data-return clauses and fill in cleanly; the template active until now is retired (contracts already
    awarded keep the version they were made from)."""
    _require_draft(template, "activated")
    errors = documents.check_template(template.clauses).get("clauses", [])
    if errors:
        raise documents.TemplateError(errors)
    current = active_template(session)
    if current is not None:
        before = _status(current)
        current.status = "retired"
        # Flushed first: the partial unique index allows one active row at any moment, even within a flush.
        session.flush()
        record(session, actor, "contract_template.retired", current, before=before, after=_status(current))
    before = _status(template)
    template.status = "active"
    template.activated_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "contract_template.activated",
        template,
        before=before,
        after={**_status(template), "replaced_id": current.id if current is not None else None},
    )
    session.flush()
    return template
