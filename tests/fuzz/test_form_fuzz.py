"""Fuzzing every form: whatever is posted, a form refuses it with a message next to a field or accepts it, never a 500.

The walk below lists every URL rule that takes a POST (the JSON API apart: its fuzzing reads the OpenAPI
document), with the form its view reads, the person who may post it (one of the access table's actors) and
the objects, in a state where the form is live: an open project for ending a search, a frozen shortlist for
an award, a draft service for its sections, a submitted application for the admin's decisions. A new POST
route that is not listed here fails the suite, as the access table does, so every form gets fuzzed.

For each, Hypothesis posts values made from the form's own fields: any Unicode with control characters,
strings of hundreds of kilobytes, numbers out of range and in other scripts, impossible dates, choices no
list offers, text where a file belongs, fields left out, sent twice or not of the form at all. Each answer is
one of: a redirect (accepted), or 400 with the GOV.UK error summary and an error message next to a field
(refused); and 413 only for a body beyond the app's form size limit.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import sessionmaker
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, FileField, RadioField, SelectField, SelectMultipleField
from wtforms.fields.core import Field
from wtforms.fields.simple import SubmitField

from app import create_app
from app.admin.accreditation import AccreditationStatus
from app.admin.forms import AddBuyerDomainForm, ConfirmForm, ProfileReviewedForm
from app.admin.template_forms import TemplateForm
from app.auth import api_tokens
from app.auth.forms import (
    ChangePasswordForm,
    CreateApiTokenForm,
    RegisterBuyerForm,
    RegisterSupplierForm,
    RequestResetForm,
    ResendVerificationForm,
    ResetPasswordForm,
    SignInForm,
)
from app.auth.models import Role, User
from app.auth.tokens import make_reset_token
from app.buyers.forms import EndSearchForm, ExcludeForm, OutcomeForm, SaveSearchForm
from app.buyers.models import Project, SavedSearch, ShortlistItem
from app.catalogue import services as catalogue
from app.catalogue.forms import SECTION_FORMS, ChooseLotForm, ServiceDocumentForm, WithdrawServiceForm
from app.contracts.forms import AwardForm, BreakForm, ExtendForm, RepeatedField
from app.contracts.models import ContractTemplate
from app.dates import add_months
from app.forms import BaseForm, MoneyField, WholeNumberField
from app.search.index import LOTS
from app.suppliers.forms import (
    AcceptInvitationForm,
    CertificateForm,
    DeclarationsForm,
    EvidenceForm,
    InsuranceForm,
    InviteColleagueForm,
    OrganisationDetailsForm,
    OrganisationSizeForm,
    OrganisationTypeForm,
    ReasonForm,
    RegistrationNumbersForm,
)
from app.suppliers import services as supplier_services
from app.suppliers.models import Invitation
from app.suppliers.tokens import make_invitation_token
from app.timeutil import today, utcnow
from tests.contract_factories import make_contract
from tests.factories import (
    MINIMAL_PDF,
    make_accredited_supplier,
    make_buyer_domain,
    make_complete_supplier,
    make_service,
    make_supplier_user,
    make_user,
)
from tests.fuzz.conftest import budget
from tests.integration.search_support import reindex
from tests.integration.test_url_access_table import (
    ACTORS,
    ADMIN,
    ALLOWED,
    ANON,
    BUYER_A,
    SUPPLIER_A,
    TABLE,
)
from tests.live import isolated_config

EXAMPLES_PER_FORM = 6
# Flask's default limit on a form field's size in memory (MAX_FORM_MEMORY_SIZE): past it, 413.
FORM_MEMORY_LIMIT = 500_000

# --- The people and objects: one set of rows for the module, each example in a savepoint rolled back after it. ---

# People of the fuzz world, each one of the access table's actors. The applicant is a supplier user like supplier A,
# of an organisation whose application is still a draft, so the application and profile forms are open to it.
ANONYMOUS, SUPPLIER, APPLICANT, BUYER, ADMINISTRATOR = "anonymous", "supplier", "applicant", "buyer", "admin"
ACTOR_OF = {ANONYMOUS: ANON, SUPPLIER: SUPPLIER_A, APPLICANT: SUPPLIER_A, BUYER: BUYER_A, ADMINISTRATOR: ADMIN}


@dataclass
class World:
    app: Flask
    connection: Connection
    people: dict[str, User | None]
    ids: dict[str, Any]
    indexed_for: str | None = None  # the route the search index was last rebuilt for


@pytest.fixture(scope="module")
def world(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("form-fuzz")
    app = create_app(isolated_config(base, database_url))
    assert app.config["WTF_CSRF_ENABLED"] is False  # the posts reach the forms' own checks
    evidence = base / "evidence"
    with engine.connect() as connection:
        outer = connection.begin()
        app.extensions["sessionmaker"] = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        session = app.extensions["sessionmaker"]()
        org = make_accredited_supplier(session, evidence, name="Fuzz Hosting Ltd")
        supplier = make_supplier_user(session, org)
        colleague = make_supplier_user(session, org)
        applying = make_complete_supplier(session, evidence, name="Fuzz Applicant Ltd")
        applicant = make_supplier_user(session, applying)
        submitted = make_complete_supplier(session, evidence, name="Fuzz Submitted Ltd", status=AccreditationStatus.SUBMITTED)
        suspended = make_complete_supplier(session, evidence, name="Fuzz Suspended Ltd", status=AccreditationStatus.SUSPENDED)
        buyer = make_user(session, Role.BUYER)
        admin = make_user(session, Role.ADMIN)
        deactivated = make_user(session, Role.BUYER, active=False)
        locked = make_user(session, Role.BUYER, locked_at=utcnow(), failed_sign_ins=5)

        published = make_service(session, org, "cloud-software")
        disabled = make_service(session, org, "cloud-hosting", status="disabled")
        draft = make_service(session, org, "cloud-support", status="draft")
        document = catalogue.add_document(
            session, supplier, draft, kind="pricing", filename="pricing.pdf", data=MINIMAL_PDF,
            storage_dir=Path(app.config["SERVICE_DOCUMENTS_DIR"]), max_bytes=10_000_000,
        )

        # An open project whose search finds the published service (so it can be ended, or replaced), and one
        # whose shortlist is frozen with no outcome yet.
        open_project = Project(buyer=buyer, name="Fuzz open project")
        session.add(open_project)
        session.add(SavedSearch(project=open_project, query={"q": published.name}, summary=published.name, active=True))
        frozen = Project(buyer=buyer, name="Fuzz frozen shortlist", locked_at=utcnow())
        search = SavedSearch(project=frozen, query={"q": "test"}, summary="test", active=False, ended_at=utcnow())
        version = next(v for v in published.versions if v.number == published.version_number)
        item = ShortlistItem(search=search, service_id=published.id, service_version_id=version.id, position=1)
        session.add_all([frozen, search, item])
        # A contract with a break still to come, and one in the last days before its end with an extension left.
        with_break = make_contract(session, buyer=buyer, service=published, start_date=today())
        ending = make_contract(
            session, buyer=buyer, service=published, start_date=add_months(today(), -24) + timedelta(days=10),
            extensions_months=[12],
        )

        template = ContractTemplate(
            name="Fuzz draft template", version=1, status="draft",
            clauses=[{"key": "term", "title": "Term", "text": "It starts on {{ contract.start_date }}."}],
        )
        session.add(template)
        domain = make_buyer_domain(session, "police.uk")
        invitation = Invitation(organisation=org, email="new.colleague@example.com", invited_by_id=supplier.id)
        session.add(invitation)
        token, _ = api_tokens.create_token(session, supplier, "Fuzzing")
        # A change to the accredited supplier's profile, for an admin to review.
        supplier_services.update_profile(session, supplier, org, "details", {"contact_name": "A new contact"})
        session.commit()
        with app.app_context():
            invitation_token = make_invitation_token(invitation)
            reset_token = make_reset_token(applicant)
        reindex(app)
        ids: dict[str, Any] = {
            "org": org.id, "submitted_org": submitted.id, "suspended_org": suspended.id,
            "colleague": colleague.id, "deactivated": deactivated.id, "locked": locked.id,
            "published": published.id, "disabled": disabled.id, "draft": draft.id, "service_document": document.id,
            "open_project": open_project.id, "frozen_project": frozen.id, "item": item.id,
            "contract_with_break": with_break.id, "contract_ending": ending.id,
            "break_date": with_break.break_dates[0], "template": template.id, "domain": domain.id,
            "invitation": invitation.id, "invitation_token": invitation_token, "reset_token": reset_token,
            "token": token.id, "certificate": applying.certificates[0].id, "evidence": applying.documents[0].id,
        }
        people: dict[str, User | None] = {
            ANONYMOUS: None, SUPPLIER: supplier, APPLICANT: applicant, BUYER: buyer, ADMINISTRATOR: admin,
        }
        session.close()
        yield World(app, connection, people, ids)
        outer.rollback()


# --- The walk: every POST rule, the form its view reads, who posts it and where. ---


@dataclass(frozen=True)
class FormRoute:
    rule: str
    person: str
    form: Callable[[], BaseForm]
    path: str  # the rule with {names} of World.ids
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # choices a view sets at request time
    # Accepted with a page of its own rather than a redirect (a new API token is shown once, and only then).
    accepted_with_page: bool = False
    # Reads the search index, which other routes' examples change (disabling, withdrawing, suspending) and a
    # rolled-back savepoint does not restore: rebuilt from the database before this route's examples.
    searches: bool = False

    @property
    def label(self) -> str:
        return f"POST {self.path}"


def _section(key: str) -> FormRoute:
    return FormRoute(
        "/supplier/services/<int:service_id>/edit/<section>", SUPPLIER, SECTION_FORMS[key],
        f"/supplier/services/{{draft}}/edit/{key}",
    )


def _decision(action: str, org: str) -> FormRoute:
    rule = "/admin/suppliers/<int:organisation_id>/<any(approve, reject, request_changes, suspend, reinstate):action>"
    form: Callable[[], BaseForm] = (lambda: BaseForm(prefix="approve")) if action == "approve" else (lambda: ReasonForm(prefix=action))
    return FormRoute(rule, ADMINISTRATOR, form, f"/admin/suppliers/{{{org}}}/{action}")


ROUTES: list[FormRoute] = [
    # Accounts.
    FormRoute("/login", ANONYMOUS, SignInForm, "/login"),
    FormRoute("/logout", ANONYMOUS, BaseForm, "/logout"),
    FormRoute("/register/buyer", ANONYMOUS, RegisterBuyerForm, "/register/buyer"),
    FormRoute("/register/supplier", ANONYMOUS, RegisterSupplierForm, "/register/supplier"),
    FormRoute("/password/reset", ANONYMOUS, RequestResetForm, "/password/reset"),
    FormRoute("/password/reset/<token>", ANONYMOUS, ResetPasswordForm, "/password/reset/{reset_token}"),
    FormRoute("/verify-email/resend", ANONYMOUS, ResendVerificationForm, "/verify-email/resend"),
    FormRoute("/invitations/<token>", ANONYMOUS, AcceptInvitationForm, "/invitations/{invitation_token}"),
    FormRoute("/account", SUPPLIER, ChangePasswordForm, "/account"),
    FormRoute(
        "/account/tokens", SUPPLIER, lambda: CreateApiTokenForm(prefix="token"), "/account/tokens", accepted_with_page=True
    ),
    FormRoute("/account/tokens/<int:token_id>/revoke", SUPPLIER, BaseForm, "/account/tokens/{token}/revoke"),
    # Admin.
    FormRoute("/admin/buyer-domains", ADMINISTRATOR, AddBuyerDomainForm, "/admin/buyer-domains"),
    FormRoute("/admin/buyer-domains/<int:domain_id>/remove", ADMINISTRATOR, ConfirmForm, "/admin/buyer-domains/{domain}/remove"),
    FormRoute("/admin/services/<int:service_id>/approve-edits", ADMINISTRATOR, lambda: BaseForm(prefix="approve"), "/admin/services/{published}/approve-edits"),
    FormRoute("/admin/services/<int:service_id>/disable", ADMINISTRATOR, lambda: ReasonForm(prefix="disable"), "/admin/services/{published}/disable"),
    FormRoute("/admin/services/<int:service_id>/enable", ADMINISTRATOR, lambda: BaseForm(prefix="enable"), "/admin/services/{disabled}/enable"),
    _decision("approve", "submitted_org"),
    _decision("reject", "submitted_org"),
    _decision("request_changes", "submitted_org"),
    _decision("suspend", "org"),
    _decision("reinstate", "suspended_org"),
    FormRoute(
        "/admin/suppliers/<int:organisation_id>/profile-reviewed", ADMINISTRATOR, lambda: ProfileReviewedForm(prefix="profile"),
        "/admin/suppliers/{org}/profile-reviewed",
    ),
    FormRoute("/admin/templates/new", ADMINISTRATOR, TemplateForm, "/admin/templates/new"),
    FormRoute("/admin/templates/<int:template_id>/edit", ADMINISTRATOR, TemplateForm, "/admin/templates/{template}/edit"),
    FormRoute("/admin/templates/<int:template_id>/activate", ADMINISTRATOR, ConfirmForm, "/admin/templates/{template}/activate"),
    FormRoute("/admin/templates/<int:template_id>/new-version", ADMINISTRATOR, ConfirmForm, "/admin/templates/{template}/new-version"),
    FormRoute("/admin/users/<int:user_id>/deactivate", ADMINISTRATOR, ConfirmForm, "/admin/users/{colleague}/deactivate"),
    FormRoute("/admin/users/<int:user_id>/reactivate", ADMINISTRATOR, ConfirmForm, "/admin/users/{deactivated}/reactivate"),
    FormRoute("/admin/users/<int:user_id>/unlock", ADMINISTRATOR, ConfirmForm, "/admin/users/{locked}/unlock"),
    # Buyers.
    FormRoute(
        "/buyer/projects/save-search", BUYER, SaveSearchForm, "/buyer/projects/save-search?q=test&lot=cloud-software",
        choices={"project": ("new", "{open_project}", "{frozen_project}")}, searches=True,
    ),
    FormRoute(
        "/buyer/projects/<int:project_id>/end-search", BUYER, EndSearchForm, "/buyer/projects/{open_project}/end-search",
        searches=True,
    ),
    FormRoute("/buyer/projects/<int:project_id>/outcome", BUYER, OutcomeForm, "/buyer/projects/{frozen_project}/outcome"),
    FormRoute(
        "/buyer/projects/<int:project_id>/shortlist/<int:item_id>/exclude", BUYER, ExcludeForm,
        "/buyer/projects/{frozen_project}/shortlist/{item}/exclude",
    ),
    FormRoute("/buyer/projects/<int:project_id>/award/<int:item_id>", BUYER, AwardForm, "/buyer/projects/{frozen_project}/award/{item}"),
    FormRoute(
        "/buyer/projects/contracts/<int:contract_id>/break", BUYER, BreakForm,
        "/buyer/projects/contracts/{contract_with_break}/break", choices={"break_date": ("{break_date}",)},
    ),
    FormRoute("/buyer/projects/contracts/<int:contract_id>/extend", BUYER, ExtendForm, "/buyer/projects/contracts/{contract_ending}/extend"),
    # Suppliers: their organisation and application (a draft application, so every part is editable).
    FormRoute("/supplier/organisation/details", APPLICANT, OrganisationDetailsForm, "/supplier/organisation/details"),
    FormRoute("/supplier/organisation/registration", APPLICANT, RegistrationNumbersForm, "/supplier/organisation/registration"),
    FormRoute("/supplier/organisation/type", APPLICANT, OrganisationTypeForm, "/supplier/organisation/type"),
    FormRoute("/supplier/organisation/size", APPLICANT, OrganisationSizeForm, "/supplier/organisation/size"),
    FormRoute("/supplier/accreditation/declarations", APPLICANT, DeclarationsForm.build, "/supplier/accreditation/declarations"),
    FormRoute("/supplier/accreditation/certificates", APPLICANT, CertificateForm, "/supplier/accreditation/certificates"),
    FormRoute(
        "/supplier/accreditation/certificates/<int:certificate_id>/remove", APPLICANT, BaseForm,
        "/supplier/accreditation/certificates/{certificate}/remove",
    ),
    FormRoute("/supplier/accreditation/insurance", APPLICANT, InsuranceForm, "/supplier/accreditation/insurance"),
    FormRoute("/supplier/accreditation/documents", APPLICANT, EvidenceForm, "/supplier/accreditation/documents"),
    FormRoute(
        "/supplier/accreditation/documents/<int:document_id>/remove", APPLICANT, BaseForm,
        "/supplier/accreditation/documents/{evidence}/remove",
    ),
    FormRoute("/supplier/accreditation/submit", APPLICANT, BaseForm, "/supplier/accreditation/submit"),
    FormRoute("/supplier/accreditation/reapply", APPLICANT, BaseForm, "/supplier/accreditation/reapply"),
    FormRoute("/supplier/colleagues", SUPPLIER, InviteColleagueForm, "/supplier/colleagues"),
    FormRoute("/supplier/colleagues/<int:user_id>/remove", SUPPLIER, BaseForm, "/supplier/colleagues/{colleague}/remove"),
    FormRoute("/supplier/invitations/<int:invitation_id>/revoke", SUPPLIER, BaseForm, "/supplier/invitations/{invitation}/revoke"),
    # Suppliers: their services.
    FormRoute("/supplier/services/new", SUPPLIER, ChooseLotForm, "/supplier/services/new", choices={"lot": LOTS}),
    *[_section(key) for key in SECTION_FORMS],
    FormRoute(
        "/supplier/services/<int:service_id>/documents", SUPPLIER, ServiceDocumentForm, "/supplier/services/{draft}/documents",
        choices={"kind": tuple(catalogue.DOCUMENT_KINDS)},
    ),
    FormRoute("/supplier/services/<int:service_id>/publish", SUPPLIER, BaseForm, "/supplier/services/{draft}/publish"),
    FormRoute("/supplier/services/<int:service_id>/withdraw", SUPPLIER, WithdrawServiceForm, "/supplier/services/{published}/withdraw"),
]


def _post_rules(app: Flask) -> set[str]:
    """Every rule that takes a POST, apart from the JSON API (fuzzed against its OpenAPI document)."""
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    }


def test_the_walk_knows_every_form_route() -> None:
    with tempfile.TemporaryDirectory() as base:
        rules = _post_rules(create_app(isolated_config(Path(base), "sqlite://")))
    listed = {route.rule for route in ROUTES}
    assert not rules - listed, f"POST routes the form fuzzing cannot reach: add them to ROUTES: {sorted(rules - listed)}"
    assert not listed - rules, f"ROUTES names rules that no longer exist: {sorted(listed - rules)}"
    assert {route.path.rsplit("/", 1)[1] for route in ROUTES if route.rule.endswith("<section>")} == set(SECTION_FORMS)


def test_each_form_is_posted_by_someone_the_access_table_lets_in() -> None:
    for route in ROUTES:
        row = TABLE[(route.rule, "POST")]
        assert row[ACTORS.index(ACTOR_OF[route.person])] == ALLOWED, route.label


# --- What is posted. ---

CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\x85\u2028\u2029\u200b\u200e\u202e\ufeff"
ODD = [
    "", " ", "\x00", "\r\n", "\t", "0", "-1", "-0", "1e309", "NaN", "Infinity", "9" * 400, "0x1F", "1_000", "٣", "１２",
    "2027-02-30", "31 13 2027", "29 2 2023", "0000-00-00", "9999-99-99", "£", "£1,2,3", "1.999", ".", "1..2",
    "<script>alert(1)</script>", "{{ 7*7 }}", "{% for x in range(10**9) %}x{% endfor %}", "' OR 1=1 --", "=HYPERLINK(1)",
    "%00", "null", "true", "[]", "{}", "@", "a@b", "x" * 255 + "@example.gov.uk", "new", "yes", "no", "y",
]
text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.text(st.sampled_from(CONTROL + "aé🙂 "), max_size=40),
    st.sampled_from(ODD),
)
huge = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["a", "é", "🙂", "\x00", "word ", "<b>", "\r\n"]),
    st.sampled_from([1_000, 20_000, 150_000]),
)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.integers(0, 100).map(lambda n: f"{n},000.5"),
)
date_part = st.one_of(st.integers(-100, 100_000).map(str), text)


def _choice_values(field_: Field, extra: tuple[str, ...]) -> list[str]:
    values = [str(getattr(choice, "value", choice)) for choice in (getattr(field_, "choices", None) or [])]
    if isinstance(getattr(field_, "choices", None), dict):  # grouped choices
        values = [str(getattr(c, "value", c)) for group in field_.choices.values() for c in group]
    return [*values, *extra]


def _values(field_: Field, extra: tuple[str, ...]) -> st.SearchStrategy[list[Any]]:
    """What a browser, or anything else, might post under one field's name: nothing, one value, or several."""
    good = _choice_values(field_, extra)
    if isinstance(field_, FileField):
        upload = st.one_of(
            st.builds(lambda data, name: (io.BytesIO(data), name), st.binary(max_size=300), st.sampled_from(["a.pdf", "", "../../etc/passwd", "x" * 300 + ".odt", "\x00.pdf", "é.ods"])),
            st.builds(lambda name: (io.BytesIO(MINIMAL_PDF), name), st.sampled_from(["certificate.pdf", "pricing.exe", "no-extension"])),
            text,  # a plain value where a file belongs
        )
        return st.one_of(st.just([]), upload.map(lambda value: [value]), st.lists(upload, min_size=2, max_size=2))
    if isinstance(field_, DateField):
        return st.lists(date_part, max_size=4)
    if isinstance(field_, RepeatedField):
        return st.lists(st.one_of(numbers, text, st.dates().map(str)), max_size=5)
    if isinstance(field_, SelectMultipleField):
        one = st.one_of(st.sampled_from(good), text) if good else text
        return st.lists(one, max_size=6)
    if isinstance(field_, BooleanField):
        one = st.one_of(st.sampled_from(["y", "on", "true", "false", "0", ""]), text)
    elif isinstance(field_, RadioField | SelectField):
        one = st.one_of(st.sampled_from(good), text) if good else text
    elif isinstance(field_, MoneyField | WholeNumberField) or getattr(field_, "render_kw", None) and (field_.render_kw or {}).get("inputmode") in ("numeric", "decimal"):
        one = st.one_of(numbers, text)
    else:
        one = st.one_of(text, text, huge, numbers)
    return st.one_of(st.just([]), one.map(lambda value: [value]), st.lists(one, min_size=2, max_size=3))


def form_data(app: Flask, route: FormRoute, ids: dict[str, Any]) -> st.SearchStrategy[list[tuple[str, Any]]]:
    with app.test_request_context(method="POST"):
        form = route.form()
        fields = [f for f in form if not isinstance(f, SubmitField) and f.type != "CSRFTokenField"]
        per_field = [
            _values(f, tuple(str(v).format(**ids) for v in route.choices.get(f.short_name, ()))).map(
                lambda values, name=f.name: [(name, value) for value in values]
            )
            for f in fields
        ]
    strangers = st.lists(st.tuples(st.sampled_from(["unknown", "csrf_token", "submit", "id", "role", "organisation_id", ""]), text), max_size=2)
    return st.tuples(st.tuples(*per_field) if per_field else st.just(()), strangers).map(
        lambda parts: [pair for pairs in parts[0] for pair in pairs] + parts[1]
    )


# --- The answers. ---

ERROR_SUMMARY = 'class="govuk-error-summary"'
ERROR_MESSAGE = 'class="govuk-error-message"'


def _client_as(world: World, person: str) -> FlaskClient:
    client = world.app.test_client()
    user = world.people[person]
    if user is not None:
        with client.session_transaction() as cookie:
            cookie["_user_id"] = user.get_id()
            cookie["_fresh"] = True
    return client


def _body_size(pairs: list[tuple[str, Any]]) -> int:
    return max((len(value.encode()) for _, value in pairs if isinstance(value, str)), default=0)


@pytest.fixture
def case(world: World) -> Iterator[World]:
    savepoint = world.connection.begin_nested()
    yield world
    savepoint.rollback()


@pytest.mark.parametrize("route", ROUTES, ids=[route.label for route in ROUTES])
@budget(EXAMPLES_PER_FORM)
@given(data=st.data())
def test_any_post_is_refused_with_a_message_by_a_field_or_accepted(route: FormRoute, data: st.DataObject, case: World) -> None:
    path = route.path.format(**case.ids)
    if route.searches and case.indexed_for != route.path:
        reindex(case.app)
        case.indexed_for = route.path
    pairs = data.draw(form_data(case.app, route, case.ids), label="form")
    savepoint = case.connection.begin_nested()
    try:
        response = _client_as(case, route.person).post(path, data=MultiDict(pairs))
    finally:
        savepoint.rollback()
    status = response.status_code
    assert status < 500, f"{route.label}: {status}"
    if status in (301, 302, 303):
        # A signed-in person sent to sign in has lost their session; a visitor is sent there after a reset.
        if route.person != ANONYMOUS:
            assert not (response.location or "").startswith(("/login", "http://localhost/login")), "signed out"
        return
    if status == 413:
        assert _body_size(pairs) > FORM_MEMORY_LIMIT, "413 for a form within the size limit"
        return
    page = response.get_data(as_text=True)
    if status == 200 and route.accepted_with_page:
        assert ERROR_SUMMARY not in page
        return
    assert status == 400, f"{route.label}: {status}, neither accepted (a redirect) nor refused (400)"
    assert ERROR_SUMMARY in page, "a refused form shows the error summary"
    assert ERROR_MESSAGE in page, "a refused form shows a message next to a field"
    for target in re.findall(r'govuk-error-summary__list.*?</ul>', page, flags=re.S):
        for anchor in re.findall(r'href="#([^"]+)"', target):
            assert f'id="{anchor}"' in page, f"the error summary links to #{anchor}, which is not on the page"
