"""Admins manage versioned contract templates (T7): drafts, previews, activation and new versions."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.contracts import templates
from app.contracts.documents import check_template, format_clauses, parse_clauses
from app.contracts.models import ContractTemplate
from tests.factories import PASSWORD, login_as, make_user

DEFAULT_NAME = "Cloudstore call-off contract"

COMPLETE = """\
## term: Term
The contract starts on {{ contract.start_date }} and ends on {{ contract.end_date }}.

## break: Ending without cause (break dates)
The buyer can end the contract on {{ contract.break_dates | join(", ") }}.

## notice: Notice
The buyer gives {{ contract.buyer_notice_days }} days' notice.

## data_return: Returning the buyer's data
{{ contract.data_return }}
"""
WITHOUT_DATA_RETURN = COMPLETE.split("## data_return")[0]


def _admin(client: FlaskClient, session: Session) -> User:
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login_as(client, admin)
    return admin


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.get_data(as_text=True)).replace("&#39;", "'").replace("&#34;", '"')


def _default(session: Session) -> ContractTemplate:
    session.expire_all()
    return session.scalars(
        sa.select(ContractTemplate).where(ContractTemplate.name == DEFAULT_NAME, ContractTemplate.version == 1)
    ).one()


def _statuses(session: Session) -> dict[tuple[str, int], str]:
    session.expire_all()
    return {(t.name, t.version): t.status for t in session.scalars(sa.select(ContractTemplate))}


def _create(client: FlaskClient, name: str = "Short contract", clauses: str = COMPLETE) -> int:
    response = client.post("/admin/templates/new", data={"name": name, "clauses": clauses})
    assert response.status_code == 302, _text(response)
    return int(response.location.rsplit("/", 1)[1])


def test_the_migration_installs_an_active_default_template_that_meets_t7(session: Session) -> None:
    template = _default(session)
    assert (template.version, template.status) == (1, "active")
    assert template.activated_at is not None
    assert templates.active_template(session) is template
    assert check_template(template.clauses) == {}
    assert {"parties", "term", "break", "notice", "charges", "data_return"} <= {c["key"] for c in template.clauses}
    assert parse_clauses(format_clauses(template.clauses)) == (template.clauses, [])


def test_admin_home_links_to_contract_templates(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    assert 'href="/admin/templates"' in _text(client.get("/admin/"))


def test_templates_page_lists_each_version_with_its_status(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    page = _text(client.get("/admin/templates"))
    assert DEFAULT_NAME in page and "Active" in page
    assert "Create a template" in page


def test_new_template_form_starts_from_the_active_template_and_lists_placeholders(
    client: FlaskClient, session: Session
) -> None:
    _admin(client, session)
    page = _text(client.get("/admin/templates/new"))
    assert f'value="Copy of {DEFAULT_NAME}"' in page
    assert "## data_return: Returning the buyer's data" in page
    assert "{{ contract.start_date }}" in page and "4 January 2027" in page
    assert '{{ contract.break_dates | join(", ") }}' in page


def test_admin_creates_edits_previews_and_activates_a_template(client: FlaskClient, session: Session) -> None:
    admin = _admin(client, session)
    template_id = _create(client)
    assert _statuses(session)[("Short contract", 1)] == "draft"

    page = _text(client.get(f"/admin/templates/{template_id}"))
    assert "Draft" in page
    assert "1. Term" in page and "The contract starts on 4 January 2027 and ends on 4 January 2029." in page
    assert "4. Returning the buyer's data" in page

    edited = COMPLETE.replace("days' notice.", "days' notice in writing.")
    response = client.post(f"/admin/templates/{template_id}/edit", data={"name": "Short contract", "clauses": edited})
    assert response.status_code == 302
    assert "The buyer gives 30 days' notice in writing." in _text(client.get(f"/admin/templates/{template_id}"))

    response = client.post(f"/admin/templates/{template_id}/activate", follow_redirects=True)
    assert "Version 1 of Short contract is active: new contracts use it." in _text(response)
    statuses = _statuses(session)
    assert statuses[("Short contract", 1)] == "active"
    assert statuses[(DEFAULT_NAME, 1)] == "retired"
    assert list(statuses.values()).count("active") == 1
    assert templates.active_template(session).id == template_id  # type: ignore[union-attr]

    actions = list(
        session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.actor_id == admin.id, AuditEvent.object_type == "contract_templates")
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "contract_template.created",
        "contract_template.updated",
        "contract_template.retired",
        "contract_template.activated",
    ]
    updated = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "contract_template.updated")).one()
    assert "notice in writing" in str(updated.after) and "notice in writing" not in str(updated.before)


def test_activation_without_a_data_return_clause_is_refused_and_changes_nothing(
    client: FlaskClient, session: Session
) -> None:
    _admin(client, session)
    template_id = _create(client, clauses=WITHOUT_DATA_RETURN)  # a draft may be incomplete
    page = _text(client.get(f"/admin/templates/{template_id}"))
    assert "Before this draft can be activated" in page

    response = client.post(f"/admin/templates/{template_id}/activate")
    assert response.status_code == 400
    page = _text(response)
    message = (
        "Add the data return clause (## data_return: Returning the buyer's data): a contract template must have "
        "the term, break, notice and data-return clauses"
    )
    assert "This draft cannot be activated" in page  # the error summary
    assert f'<a href="#clauses">{message}</a>' in page
    clauses_section = page.split('<div id="clauses"', 1)[1].split('id="preview"', 1)[0]
    assert "govuk-form-group--error" in clauses_section  # the message sits by the clauses it is about
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in clauses_section
    assert _statuses(session)[("Short contract", 1)] == "draft"
    assert templates.active_template(session).name == DEFAULT_NAME  # type: ignore[union-attr]
    assert session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "contract_template.activated")
    ) == 0


def test_clauses_that_try_to_run_code_are_refused_next_to_the_field(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    clauses = COMPLETE.replace("{{ contract.data_return }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    response = client.post("/admin/templates/new", data={"name": "Sneaky", "clauses": clauses})
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert (
        "The clause 'Returning the buyer's data' tries to do something a contract template cannot "
        "(access to attribute '__class__' of 'str' object is unsafe)" in page
    )
    assert 'id="clauses-error"' in page
    assert ("Sneaky", 1) not in _statuses(session)


def test_mistakes_in_the_clause_markup_are_shown_with_their_line_numbers(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    response = client.post("/admin/templates/new", data={"name": "Typo", "clauses": "Term\n## term Term\n"})
    assert response.status_code == 400
    page = _text(response)
    assert "Line 1: start a clause with a line like '## term: Term'" in page
    assert "Line 2: write the clause heading as '## key: Title', like '## term: Term'" in page
    assert '<a href="#clauses">Line 2:' in page  # every problem is in the summary, linked to the field


def test_a_name_already_used_is_refused_in_favour_of_a_new_version(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    response = client.post("/admin/templates/new", data={"name": DEFAULT_NAME, "clauses": COMPLETE})
    assert response.status_code == 400
    assert f"There is already a template called {DEFAULT_NAME}: open it and create a new version instead" in _text(
        response
    )


def test_active_and_retired_templates_cannot_be_edited(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    default = _default(session)
    before = default.clauses
    edit = f"/admin/templates/{default.id}/edit"
    assert f'href="{edit}"' not in _text(client.get(f"/admin/templates/{default.id}"))
    response = client.get(edit, follow_redirects=True)
    assert f"Version 1 of {DEFAULT_NAME} is active, so it cannot change: create a new version" in _text(response)
    response = client.post(edit, data={"name": "X", "clauses": COMPLETE})
    assert response.status_code == 302
    assert (_default(session).name, _default(session).clauses) == (DEFAULT_NAME, before)

    replacement = _create(client)
    client.post(f"/admin/templates/{replacement}/activate")
    response = client.post(edit, data={"name": "X", "clauses": COMPLETE}, follow_redirects=True)
    assert f"Version 1 of {DEFAULT_NAME} is retired, so it cannot change" in _text(response)
    assert (_default(session).status, _default(session).clauses) == ("retired", before)


def test_a_new_version_copies_the_clauses_and_increments_the_version(client: FlaskClient, session: Session) -> None:
    admin = _admin(client, session)
    default = _default(session)
    response = client.post(f"/admin/templates/{default.id}/new-version")
    assert response.status_code == 302
    draft = session.scalars(sa.select(ContractTemplate).where(ContractTemplate.version == 2)).one()
    assert response.location == f"/admin/templates/{draft.id}/edit"
    assert (draft.name, draft.status, draft.clauses) == (DEFAULT_NAME, "draft", default.clauses)
    assert _default(session).status == "active"  # still used until the new version is activated

    page = _text(client.get(f"/admin/templates/{draft.id}/edit"))
    assert 'name="name"' not in page  # a later version keeps its name
    response = client.post(f"/admin/templates/{default.id}/new-version", follow_redirects=True)
    assert f"Version 2 of {DEFAULT_NAME} is already a draft: edit that one" in _text(response)
    assert session.scalar(sa.select(sa.func.count(ContractTemplate.id))) == 2

    client.post(f"/admin/templates/{draft.id}/activate")
    assert _statuses(session) == {(DEFAULT_NAME, 1): "retired", (DEFAULT_NAME, 2): "active"}
    client.post(f"/admin/templates/{draft.id}/new-version")
    assert _statuses(session)[(DEFAULT_NAME, 3)] == "draft"
    versions_made = sa.select(AuditEvent).where(AuditEvent.action == "contract_template.version_created")
    event = session.scalars(versions_made).first()
    assert event is not None and event.actor_id == admin.id


def test_unknown_templates_are_not_found(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    assert client.get("/admin/templates/999999").status_code == 404
    assert client.post("/admin/templates/999999/activate").status_code == 404


PAGES = ["/admin/templates", "/admin/templates/new", "/admin/templates/{id}", "/admin/templates/{id}/edit"]
POSTS = [
    "/admin/templates/new",
    "/admin/templates/{id}/edit",
    "/admin/templates/{id}/activate",
    "/admin/templates/{id}/new-version",
]


@pytest.mark.parametrize("role", ["anonymous", Role.SUPPLIER, Role.BUYER])
@pytest.mark.parametrize(("method", "url"), [("get", url) for url in PAGES] + [("post", url) for url in POSTS])
def test_only_admins_reach_contract_templates(
    role: str, method: str, url: str, client: FlaskClient, session: Session
) -> None:
    draft = ContractTemplate(name="Draft", version=1, clauses=parse_clauses(COMPLETE)[0], status="draft")
    session.add(draft)
    session.commit()
    if role != "anonymous":
        user = make_user(session, Role(role))
        session.commit()
        login_as(client, user)
    response = getattr(client, method)(url.format(id=draft.id), data={"name": "X", "clauses": COMPLETE})
    if role == "anonymous":
        assert response.status_code == 302 and response.location.startswith("/login")
    else:
        assert response.status_code == 403
    assert _statuses(session)[("Draft", 1)] == "draft"
    assert ("X", 1) not in _statuses(session)


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, "no csrf_token on the page"
    return match.group(1)


def test_template_forms_carry_their_security_tokens(csrf_app: Flask, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    session.commit()
    client = csrf_app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    signed_in = client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302

    assert client.post("/admin/templates/new", data={"name": "No token", "clauses": COMPLETE}).status_code == 400
    token = _token(client.get("/admin/templates/new").get_data(as_text=True))
    response = client.post("/admin/templates/new", data={"name": "Token", "clauses": COMPLETE, "csrf_token": token})
    assert response.status_code == 302
    detail = response.location

    assert client.post(f"{detail}/activate").status_code == 400
    assert _statuses(session)[("Token", 1)] == "draft"
    response = client.post(f"{detail}/activate", data={"csrf_token": _token(client.get(detail).get_data(as_text=True))})
    assert response.status_code == 302
    assert _statuses(session)[("Token", 1)] == "active"
