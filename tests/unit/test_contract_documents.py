"""Contract templates as plain functions (T7): the clause markup, the sandbox, the required clauses, the ODT file."""

from __future__ import annotations

import io
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from odf import teletype
from odf.opendocument import load
from odf.text import H, P

import app.models  # noqa: F401  (every mapper, so the transient contract below can be built)
from app.auth.models import User
from app.catalogue.models import Framework, Lot, Service, ServiceVersion
from app.contracts import documents
from app.contracts.documents import (
    REQUIRED_CLAUSES,
    TemplateError,
    check_template,
    format_clauses,
    odt_document,
    parse_clauses,
    render_clause,
    render_clauses,
    sample_context,
)
from app.contracts.models import Contract
from app.suppliers.models import Organisation

COMPLETE = [
    {"key": "term", "title": "Term", "text": "The contract starts on {{ contract.start_date }}."},
    {
        "key": "break",
        "title": "Ending without cause (break dates)",
        "text": "Break dates: {{ contract.break_dates | join(', ') }}.",
    },
    {"key": "notice", "title": "Notice", "text": "The buyer gives {{ contract.buyer_notice_days }} days' notice."},
    {"key": "data_return", "title": "Returning the buyer's data", "text": "{{ contract.data_return }}"},
]


# The clause markup


def test_clauses_written_as_text_read_back_the_same() -> None:
    clauses = [
        {"key": "term", "title": "Term", "text": "Starts {{ contract.start_date }}.\n\nA paragraph\nwith a break."},
        {"key": "data_return", "title": "Returning the buyer's data", "text": "{{ contract.data_return }}"},
    ]
    assert parse_clauses(format_clauses(clauses)) == (clauses, [])


def test_reading_clauses_ignores_blank_lines_around_a_clause_and_windows_line_endings() -> None:
    clauses, errors = parse_clauses("\r\n## term:   Term  \r\n\r\nStarts {{ contract.start_date }}.   \r\n\r\n\r\n")
    assert errors == []
    assert clauses == [{"key": "term", "title": "Term", "text": "Starts {{ contract.start_date }}."}]


def test_each_mistake_in_the_clauses_names_its_line() -> None:
    text = "\n".join(
        [
            "Some words before any heading",  # 1
            "## term: Term",  # 2
            "Starts.",  # 3
            "## Notice",  # 4: no colon
            "## Data Return: Data",  # 5: not a slug
            "Returned.",  # 6
            "## term: Term again",  # 7: duplicate
            "Again.",  # 8
            "## break: Break",  # 9: no text
            "",
        ]
    )
    _, errors = parse_clauses(text)
    assert errors == [
        "Line 1: start a clause with a line like '## term: Term'",
        "Line 4: write the clause heading as '## key: Title', like '## term: Term'",
        "Line 5: the clause key 'Data Return' must be lowercase letters, digits and underscores, starting with a "
        "letter and at most 40 characters long (like data_return)",
        "Line 7: the key 'term' is already used on line 2: give each clause its own key",
        "Line 9: write the text of the clause 'Break' on the lines after its heading",
    ]


def test_empty_clauses_and_overlong_titles_and_texts_are_refused() -> None:
    assert parse_clauses("  \n")[1] == ["Enter the clauses, each starting with a line like '## term: Term'"]
    _, errors = parse_clauses("## term: " + "T" * 121 + "\nText")
    assert errors == ["Line 1: keep the clause title to 120 characters or fewer"]
    _, errors = parse_clauses("## term: Term\n" + "x" * 10_001)
    assert errors == [
        "Line 1: the clause 'Term' is 10,001 characters long: keep each clause to 10,000 characters or fewer"
    ]
    _, errors = parse_clauses("## term:\nText")
    assert errors == ["Line 1: give the clause a title after the colon, like '## term: Term'"]


# Filling in placeholders


def test_clauses_are_filled_in_from_the_context() -> None:
    rendered = render_clauses(COMPLETE, sample_context())
    assert rendered[0] == {"key": "term", "title": "Term", "text": "The contract starts on 4 January 2027."}
    assert rendered[1]["text"] == "Break dates: 4 January 2028."
    assert rendered[3]["text"].startswith("All data exported as CSV")


def test_if_and_for_work_in_a_clause() -> None:
    text = (
        "{% if contract.break_dates %}Breaks:{% for day in contract.break_dates %} {{ loop.index }}) {{ day }}"
        "{% endfor %}{% else %}No breaks{% endif %}; {{ buyer.name | upper }}"
    )
    assert render_clause("Break", text, sample_context()) == "Breaks: 1) 4 January 2028; SAM PATEL"


def test_text_is_not_html_escaped_when_filled_in() -> None:
    # Pages escape the text when they show it; the document keeps what was typed.
    context = sample_context()
    context["buyer"]["organisation"] = "Smith & Jones <Council>"
    assert render_clause("Parties", "{{ buyer.organisation }}", context) == "Smith & Jones <Council>"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{{ contract.strat_date }}", "there is no placeholder ending in .strat_date"),
        ("{{ seller.name }}", "there is no placeholder called seller"),
    ],
)
def test_an_unknown_placeholder_is_refused_naming_it(text: str, says: str) -> None:
    with pytest.raises(TemplateError) as refused:
        render_clause("Term", text, sample_context())
    assert refused.value.message == (
        f"The clause 'Term' uses a placeholder that does not exist ({says}): use only the placeholders listed"
    )
    assert refused.value.field == "clauses"


def test_a_syntax_mistake_names_the_clause_and_line() -> None:
    with pytest.raises(TemplateError) as refused:
        render_clause("Notice", "Fine\n{% if contract.start_date %}unclosed", sample_context())
    assert refused.value.message.startswith("The clause 'Notice' has a mistake on line 2 of its text:")


# The sandbox: a template can never run code

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ contract.__class__ }}",
    "{% for c in ().__class__.__base__.__subclasses__() %}{% endfor %}",
    "{{ self._TemplateReference__context }}",
    "{{ joiner.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ cycler.__init__.__globals__['os'].popen('touch {marker}').read() }}",
    "{{ lipsum.__globals__['os'].system('touch {marker}') }}",
    "{{ namespace.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ self.__init__.__globals__.__builtins__.__import__('os').system('touch {marker}') }}",
    "{{ range.__globals__ }}",
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
    "{{ c()._module.__builtins__['__import__']('os').system('touch {marker}') }}{% endif %}{% endfor %}",
    "{{ '{0.__class__.__init__.__globals__}'.format(contract) }}",
    "{{ contract.break_dates.append('1 April 2027') }}",
    "{% macro run() %}{{ caller() }}{% endmacro %}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_the_sandbox_refuses_attribute_access_and_code_execution(payload: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    context = sample_context()
    with pytest.raises(TemplateError) as refused:
        render_clause("Term", payload.replace("{marker}", str(marker)), context)
    assert refused.value.message.startswith("The clause 'Term' ")
    assert "placeholder" in refused.value.message or "cannot" in refused.value.message
    assert not marker.exists(), "the template ran a command"
    assert context == sample_context(), "the template changed its context"


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ("{% for i in range(10**9) %}x{% endfor %}", "cannot be filled in"),
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "repeats its loops"),
        ("{{ 'x' * 1000000000 }}", "longer than 100,000 characters"),
        ("{% for i in range(5000) %}{{ contract.data_return }}{% endfor %}", "longer than 100,000 characters"),
        ("{{ 10 ** 10 ** 10 }}", "** is allowed only for small numbers"),
        ("{{ '%0999999999d' % 1 }}", "% formatting is not allowed"),
        ("{{ 'x'.center(999999999) }}", "'center'"),
        ("{{ 'x' | center(999999999) }}", "No filter named 'center'"),
        ("{{ contract.reference | list | join('x' * 90000) }}", "longer than 100,000 characters"),
        ("{% for x in [1, 2] recursive %}{{ loop([1, 2]) }}{% endfor %}", "recursive loops are not allowed"),
    ],
)
def test_a_template_cannot_exhaust_memory_or_time(payload: str, says: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateError) as refused:
        render_clause("Charges", payload, sample_context())
    assert says in refused.value.message
    assert time.monotonic() - started < 5


# T7: the required clauses


def test_a_complete_template_passes() -> None:
    assert check_template(COMPLETE) == {}


@pytest.mark.parametrize("key", list(REQUIRED_CLAUSES))
def test_activation_is_refused_without_each_required_clause(key: str) -> None:
    errors = check_template([clause for clause in COMPLETE if clause["key"] != key])
    label = key.replace("_", " ")
    assert errors == {
        "clauses": [
            f"Add the {label} clause (## {key}: {REQUIRED_CLAUSES[key]}): a contract template must have the term, "
            "break, notice and data-return clauses"
        ]
    }


def test_missing_data_return_clause_is_named() -> None:
    errors = check_template(COMPLETE[:3])["clauses"]
    assert errors == [
        "Add the data return clause (## data_return: Returning the buyer's data): a contract template must have "
        "the term, break, notice and data-return clauses"
    ]


def test_a_draft_may_lack_required_clauses_but_must_fill_in() -> None:
    assert check_template(COMPLETE[:1], require_all=False) == {}
    broken = [{"key": "term", "title": "Term", "text": "{{ ''.__class__ }}"}]
    assert check_template(broken, require_all=False)["clauses"][0].startswith("The clause 'Term' tries to do something")


def test_duplicate_and_malformed_clauses_are_refused() -> None:
    errors = check_template([*COMPLETE, dict(COMPLETE[0]), {"key": "Bad key", "title": "", "text": " "}])["clauses"]
    assert "The key 'term' is used by more than one clause: give each clause its own key" in errors
    assert "Clause 6 needs a key of lowercase letters, digits and underscores, like data_return" in errors
    assert "Clause 6 needs a title of 1 to 120 characters" in errors
    assert "Clause 6 needs some text" in errors


# The context a real contract gives


def _contract() -> Contract:
    framework = Framework(name="Cloudstore 1", ocid="ocds-cs0001-cloudstore-1")
    lot = Lot(name="Cloud software", framework=framework)
    service = Service(id=12, name="Current name", lot=lot)
    organisation = Organisation(name="Northgate Cloud", legal_name=None, contact_name="Alex Morgan")
    return Contract(
        id=42,
        buyer=User(name="Sam Patel", email="sam.patel@anytown.gov.uk"),
        buyer_organisation="Anytown Borough Council",
        organisation=organisation,
        service=service,
        service_version=ServiceVersion(number=3, data={"name": "Case management platform"}),
        start_date=date(2027, 1, 4),
        initial_term_months=24,
        break_dates=["2028-01-04"],
        buyer_notice_days=30,
        extensions_months=[12],
        exit_fee=Decimal("0.00"),
        upfront_payment_months=1,
        pricing_model="pay_as_you_go",
        data_return="All data exported as CSV within 10 days.",
        value=Decimal("24000"),
        purchase_order_number=None,
        awarded_at=datetime(2026, 11, 23, 10, 30),
    )


def test_a_contract_gives_every_placeholder_the_sample_has() -> None:
    context = documents.contract_context(_contract(), service_url="https://cloudstore.example/services/12")
    sample = sample_context()
    assert {group: sorted(values) for group, values in context.items()} == {
        group: sorted(values) for group, values in sample.items()
    }
    assert context["contract"] == {
        **context["contract"],
        "reference": "CS-000042",
        "start_date": "4 January 2027",
        "end_date": "4 January 2029",
        "break_dates": ["4 January 2028"],
        "total_months": 36,
        "latest_end_date": "4 January 2030",
        "value": "£24,000.00",
        "exit_fee": "£0.00",
        "pricing_model": "pay as you go",
        "purchase_order_number": "",
        "awarded_on": "23 November 2026",
    }
    assert context["service"] == {
        "id": 12,
        "name": "Case management platform",  # the pinned version's name, not the service's current one
        "version": 3,
        "lot": "Cloud software",
        "url": "https://cloudstore.example/services/12",
    }
    assert context["supplier"]["legal_name"] == "Northgate Cloud"
    assert context["supplier"]["contact_email"] == ""


def test_placeholders_listed_for_admins_come_from_the_sample() -> None:
    listed = dict(documents.placeholders())
    assert listed["{{ contract.start_date }}"] == "4 January 2027"
    assert listed['{{ contract.break_dates | join(", ") }}'] == "4 January 2028"
    assert len(listed) == sum(len(values) for values in sample_context().values())
    for expression in listed:
        render_clause("Every placeholder", expression, sample_context())


# The ODT download


def test_odt_document_opens_as_opendocument_text_with_every_clause() -> None:
    clauses = [
        {"key": "term", "title": "Term", "text": "First paragraph.\n\nSecond paragraph\nwith a line break."},
        {"key": "data_return", "title": "Returning the buyer's data", "text": "CSV & JSON <within 10 days>\x0b."},
    ]
    content = odt_document("Call-off contract CS-000042", ["Anytown Borough Council and Northgate Cloud"], clauses)
    assert content[:2] == b"PK"
    assert content[30:38] == b"mimetype"
    assert b"application/vnd.oasis.opendocument.text" in content[:100]

    document = load(io.BytesIO(content))
    headings = [(h.getAttribute("outlinelevel"), teletype.extractText(h)) for h in document.getElementsByType(H)]
    assert headings == [
        ("1", "Call-off contract CS-000042"),
        ("2", "1. Term"),
        ("2", "2. Returning the buyer's data"),
    ]
    paragraphs = [teletype.extractText(p) for p in document.getElementsByType(P)]
    assert paragraphs == [
        "Anytown Borough Council and Northgate Cloud",
        "First paragraph.",
        "Second paragraph\nwith a line break.",
        "CSV & JSON <within 10 days>.",
    ]


def test_a_clause_must_also_fill_in_for_a_contract_without_optional_details() -> None:
    clauses = [*COMPLETE[:1], {"key": "break", "title": "Break", "text": "First break: {{ contract.break_dates[0] }}"}]
    assert check_template(clauses, require_all=False) == {
        "clauses": [
            "The clause 'Break' uses a placeholder that does not exist (the list has no item [0]: check that it is "
            "not empty with {% if %} first): use only the placeholders listed (with a contract that has no break "
            "dates, extensions, purchase order number or upfront payment)"
        ]
    }
    guarded = "{% if contract.break_dates %}First break: {{ contract.break_dates[0] }}{% endif %}"
    assert check_template([*COMPLETE[:1], {"key": "break", "title": "Break", "text": guarded}], require_all=False) == {}
