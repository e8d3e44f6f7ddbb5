"""Contract documents (T7): template clauses, how they are written and filled in, and the ODT download.

A contract template is a list of clauses, each ``{"key", "title", "text"}``,
whose text may use placeholders such as ``{{ contract.start_date }}``. An
admin edits every clause in one text box (see `parse_clauses`); an awarded
contract is rendered from the active template with `contract_context`.

Templates are filled in by a locked-down Jinja sandbox, so a template can
never run code or reach the database:

- The context holds only plain dicts, lists, strings and numbers, never
  database objects.
- Attributes starting with an underscore are refused (the Jinja sandbox),
  and on built-in values only a few harmless methods (``upper``, ``split``,
  ``items`` ...) are allowed: no ``format``, ``center`` or ``ljust``, whose
  arguments could make a huge string.
- No macros, call blocks, recursive loops, includes or imports; no filters
  beyond a short list with no size arguments; of Jinja's globals only
  ``range``, ``cycler`` and ``joiner`` (``lipsum`` builds any amount of text,
  ``namespace`` lets a loop grow a value).
- Repeating text or lists with ``*``, powers with ``**`` and ``%``
  formatting are checked or refused, each clause may loop at most
  `MAX_LOOP_ITERATIONS` times in all, and its text may be at most
  `MAX_RENDERED_CHARS` long, so no template can exhaust memory or time.

Pure: no Flask, no session.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner

from app.contracts.terms import PRICING_MODELS
from app.dates import add_months, format_date
from app.exceptions import DomainError

if TYPE_CHECKING:
    from app.contracts.models import Contract

# T7: an activated template has these clauses, with these suggested titles, in this order.
REQUIRED_CLAUSES = {
    "term": "Term",
    "break": "Ending without cause (break dates)",
    "notice": "Notice",
    "data_return": "Returning the buyer's data",
}

KEY_MAX_CHARS = 40
TITLE_MAX_CHARS = 120
TEXT_MAX_CHARS = 10_000
MAX_CLAUSES = 50
MAX_RENDERED_CHARS = 100_000
MAX_LOOP_ITERATIONS = 10_000

_KEY = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
_HEADING = re.compile(r"##\s*(?P<key>[^:]*?)\s*:\s*(?P<title>.*?)\s*")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Characters XML 1.0 cannot hold: a pasted control character must not make the ODT file unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXAMPLE_HEADING = "'## term: Term'"

Errors = dict[str, list[str]]


class TemplateError(DomainError):
    """A template cannot be saved or activated, or a clause cannot be filled in; `messages` says each reason."""

    messages: list[str]

    def __init__(self, message: str | Sequence[str], *, field: str = "clauses") -> None:
        messages = [message] if isinstance(message, str) else list(message)
        super().__init__(messages[0] if messages else "The template cannot be used", field=field)
        self.messages = messages or [self.message]


# The clause markup -----------------------------------------------------------------------------------------


def _trim_blank_lines(lines: list[str]) -> str:
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def _clause_label(key: str) -> str:
    return key.replace("_", " ")


def parse_clauses(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """Read the clauses an admin typed: each starts with a line ``## key: Title`` and its text is every line
    up to the next ``##`` line. Returns the clauses and what is wrong, each message naming its line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    clauses: list[dict[str, str]] = []
    errors: list[str] = []
    first_seen: dict[str, int] = {}
    current: dict[str, Any] | None = None
    stray_text_reported = False

    def finish(clause: dict[str, Any] | None) -> None:
        if clause is None:
            return
        body = _trim_blank_lines(clause.pop("lines"))
        number, title = clause.pop("line"), clause["title"] or clause["key"]
        if clause.pop("unreadable"):
            pass  # its heading is already reported
        elif not body:
            errors.append(f"Line {number}: write the text of the clause '{title}' on the lines after its heading")
        elif len(body) > TEXT_MAX_CHARS:
            errors.append(
                f"Line {number}: the clause '{title}' is {len(body):,} characters long: "
                f"keep each clause to {TEXT_MAX_CHARS:,} characters or fewer"
            )
        clauses.append({**clause, "text": body})

    for number, line in enumerate(lines, start=1):
        if line.startswith("##"):
            finish(current)
            heading = _HEADING.fullmatch(line)
            current = {"line": number, "lines": [], "key": "", "title": "", "unreadable": heading is None}
            if heading is None:
                errors.append(f"Line {number}: write the clause heading as '## key: Title', like {_EXAMPLE_HEADING}")
                continue
            key, title = heading["key"], heading["title"]
            current.update(key=key, title=title)
            if not _KEY.fullmatch(key) or len(key) > KEY_MAX_CHARS:
                errors.append(
                    f"Line {number}: the clause key '{key}' must be lowercase letters, digits and underscores, "
                    f"starting with a letter and at most {KEY_MAX_CHARS} characters long (like data_return)"
                )
            elif key in first_seen:
                errors.append(
                    f"Line {number}: the key '{key}' is already used on line {first_seen[key]}: "
                    "give each clause its own key"
                )
            else:
                first_seen[key] = number
            if not title:
                errors.append(f"Line {number}: give the clause a title after the colon, like {_EXAMPLE_HEADING}")
            elif len(title) > TITLE_MAX_CHARS:
                errors.append(f"Line {number}: keep the clause title to {TITLE_MAX_CHARS} characters or fewer")
        elif current is not None:
            current["lines"].append(line)
        elif line.strip() and not stray_text_reported:
            errors.append(f"Line {number}: start a clause with a line like {_EXAMPLE_HEADING}")
            stray_text_reported = True
    finish(current)

    if not clauses and not errors:
        errors.append(f"Enter the clauses, each starting with a line like {_EXAMPLE_HEADING}")
    elif len(clauses) > MAX_CLAUSES:
        errors.append(f"A template can have at most {MAX_CLAUSES} clauses (there are {len(clauses)})")
    return clauses, errors


def format_clauses(clauses: Iterable[Mapping[str, Any]]) -> str:
    """The clauses written the way `parse_clauses` reads them, a blank line between clauses."""
    return "\n\n".join(f"## {clause['key']}: {clause['title']}\n{clause['text']}" for clause in clauses) + "\n"


def paragraphs(text: str) -> list[str]:
    """A clause's text split into paragraphs on blank lines; a single line break stays inside its paragraph."""
    return [part.strip("\n") for part in _BLANK_LINE.split(text.strip()) if part.strip()]


# The sandbox -----------------------------------------------------------------------------------------------

# Filters without a size argument: "center", "indent", "format", "batch" and the like could build a huge value.
_SAFE_FILTERS = (
    "abs", "capitalize", "count", "d", "default", "dictsort", "first", "float", "int", "items", "last",
    "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "reverse", "round", "select",
    "selectattr", "sort", "string", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount",
)
# On built-in values only these methods; anything else (format, center, ljust, zfill, replace ...) is refused.
_SAFE_METHODS: dict[type, frozenset[str]] = {
    str: frozenset(
        {"capitalize", "endswith", "isdigit", "lower", "lstrip", "rstrip", "split", "splitlines", "startswith",
         "strip", "title", "upper"}
    ),
    dict: frozenset({"get", "items", "keys", "values"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
}
_BUILTIN_VALUES = (str, bytes, int, float, complex, Decimal, list, tuple, dict, set, frozenset, range, date)
_REFUSED_TAGS: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.Macro, "macros"),
    (nodes.CallBlock, "call blocks"),
    (nodes.Extends, "extends"),
    (nodes.Include, "includes"),
    (nodes.Import, "imports"),
    (nodes.FromImport, "imports"),
)
_GUARD = "loop-guard"  # not a name a template can type, so only the loops we wrap call it


class _TooLong(Exception):
    """The clause's text, or a value inside it, would be longer than the limit."""


class _TooMuchWork(Exception):
    """The clause's loops ran more than MAX_LOOP_ITERATIONS times."""


class _ClauseSandbox(ImmutableSandboxedEnvironment):
    """One per rendering: Jinja's immutable sandbox, with the limits described in the module docstring."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(autoescape=False, undefined=jinja2.StrictUndefined)
        self.globals = {"range": self.globals["range"], "cycler": Cycler, "joiner": Joiner}
        self.filters = {name: DEFAULT_FILTERS[name] for name in _SAFE_FILTERS}
        self.filters["join"] = _bounded_join
        self.filters[_GUARD] = self._count_iterations
        self.iterations = 0

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        for kind, allowed in _SAFE_METHODS.items():
            if isinstance(obj, kind):
                return attr in allowed
        return not isinstance(obj, _BUILTIN_VALUES)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        return None  # str.format is refused like any other method not listed, rather than wrapped

    def call_binop(self, context: jinja2.runtime.Context, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "%" and isinstance(left, str):
            raise SecurityError("% formatting is not allowed: write the placeholder where the value goes")
        if operator_ == "**" and not (
            _is_number(left) and _is_number(right) and abs(right) <= 64 and abs(left) <= 10**9
        ):
            raise SecurityError("** is allowed only for small numbers")
        if operator_ == "*":
            for sequence, times in ((left, right), (right, left)):
                repeats = isinstance(sequence, str | list | tuple) and _is_number(times)
                if repeats and len(sequence) * max(int(times), 0) > MAX_RENDERED_CHARS:
                    raise _TooLong()
        return super().call_binop(context, operator_, left, right)

    def _count_iterations(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
            self.iterations += 1
            if self.iterations > MAX_LOOP_ITERATIONS:
                raise _TooMuchWork()
            yield item

    def compile_clause(self, text: str) -> jinja2.Template:
        """Parse a clause, refuse the tags a clause has no use for, and count every loop's iterations."""
        tree = self.parse(text)
        for kind, label in _REFUSED_TAGS:
            found = next(iter(tree.find_all(kind)), None)
            if found is not None:
                raise SecurityError(f"{label} are not allowed in a contract template (line {found.lineno})")
        for loop in tree.find_all(nodes.For):
            if loop.recursive:
                raise SecurityError(f"recursive loops are not allowed in a contract template (line {loop.lineno})")
            loop.iter = nodes.Filter(loop.iter, _GUARD, [], [], None, None, lineno=loop.lineno)
        return self.from_string(tree)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _bounded_join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
    items = list(value)
    if len(str(d)) * len(items) > MAX_RENDERED_CHARS:
        raise _TooLong()
    return DEFAULT_FILTERS["join"](eval_ctx, items, d, attribute)  # type: ignore[no-any-return]


_bounded_join.jinja_pass_arg = DEFAULT_FILTERS["join"].jinja_pass_arg  # type: ignore[attr-defined]

_UNDEFINED_ATTRIBUTE = re.compile(r"'(?:dict object|[\w ]+ object)' has no attribute '(?P<name>[^']*)'")
_UNDEFINED_NAME = re.compile(r"'(?P<name>[^']*)' is undefined")
_UNDEFINED_ELEMENT = re.compile(r"has no element (?P<index>-?[0-9]+)")


def _undefined_message(detail: str) -> str:
    element = _UNDEFINED_ELEMENT.search(detail)
    if element:
        return f"the list has no item [{element['index']}]: check that it is not empty with {{% if %}} first"
    attribute = _UNDEFINED_ATTRIBUTE.search(detail)
    if attribute:
        return f"there is no placeholder ending in .{attribute['name']}"
    name = _UNDEFINED_NAME.search(detail)
    if name:
        return f"there is no placeholder called {name['name']}"
    return detail


def _render_one(sandbox: _ClauseSandbox, text: str, context: Mapping[str, Any]) -> str:
    template = sandbox.compile_clause(text)
    parts: list[str] = []
    length = 0
    for chunk in template.generate(context):
        length += len(chunk)
        if length > MAX_RENDERED_CHARS:
            raise _TooLong()
        parts.append(chunk)
    return "".join(parts).strip()


def render_clause(title: str, text: str, context: Mapping[str, Any]) -> str:
    """Fill in one clause's placeholders, or raise TemplateError saying, by the clause's title, why it cannot."""
    where = f"The clause '{title}'"
    try:
        return _render_one(_ClauseSandbox(), text, context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"{where} has a mistake on line {error.lineno} of its text: {error.message or error}"
        ) from None
    except SecurityError as error:
        raise TemplateError(
            f"{where} tries to do something a contract template cannot ({str(error).rstrip('.')}): "
            "use only the placeholders listed, with if and for"
        ) from None
    except jinja2.UndefinedError as error:
        raise TemplateError(
            f"{where} uses a placeholder that does not exist ({_undefined_message(str(error))}): "
            "use only the placeholders listed"
        ) from None
    except _TooLong:
        raise TemplateError(
            f"{where} would be longer than {MAX_RENDERED_CHARS:,} characters when filled in: shorten it"
        ) from None
    except _TooMuchWork:
        raise TemplateError(
            f"{where} repeats its loops more than {MAX_LOOP_ITERATIONS:,} times: loop only over the placeholders' lists"
        ) from None
    except Exception as error:  # anything else a template can cause (ZeroDivisionError, RecursionError ...)
        raise TemplateError(f"{where} cannot be filled in: {type(error).__name__}: {error}") from None


def render_clauses(clauses: Iterable[Mapping[str, Any]], context: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every clause with its placeholders filled in from `context`, in order: the contract document."""
    rendered = []
    for clause in clauses:
        title = str(clause["title"])
        text = render_clause(title, str(clause["text"]), context)
        rendered.append({"key": str(clause["key"]), "title": title, "text": text})
    return rendered


# Checking a template (T7) ----------------------------------------------------------------------------------


def missing_clause_message(key: str) -> str:
    """T7: what to add when a required clause is missing."""
    return (
        f"Add the {_clause_label(key)} clause (## {key}: {REQUIRED_CLAUSES[key]}): a contract template must have "
        "the term, break, notice and data-return clauses"
    )


def _shape_errors(clauses: Sequence[Mapping[str, Any]]) -> list[str]:
    errors: list[str] = []
    if not clauses:
        return [f"Add at least one clause, starting with a line like {_EXAMPLE_HEADING}"]
    if len(clauses) > MAX_CLAUSES:
        errors.append(f"A template can have at most {MAX_CLAUSES} clauses (there are {len(clauses)})")
    for number, clause in enumerate(clauses, start=1):
        key, title, text = clause.get("key"), clause.get("title"), clause.get("text")
        if not isinstance(key, str) or not _KEY.fullmatch(key) or len(key) > KEY_MAX_CHARS:
            errors.append(f"Clause {number} needs a key of lowercase letters, digits and underscores, like data_return")
        if not isinstance(title, str) or not 1 <= len(title.strip()) <= TITLE_MAX_CHARS:
            errors.append(f"Clause {number} needs a title of 1 to {TITLE_MAX_CHARS} characters")
        if not isinstance(text, str) or not text.strip():
            errors.append(f"Clause {number} needs some text")
        elif len(text) > TEXT_MAX_CHARS:
            errors.append(f"Clause {number} is longer than {TEXT_MAX_CHARS:,} characters")
    keys = [clause.get("key") for clause in clauses]
    for key in dict.fromkeys(k for k in keys if keys.count(k) > 1):
        errors.append(f"The key '{key}' is used by more than one clause: give each clause its own key")
    return errors


def check_template(clauses: Sequence[Mapping[str, Any]], *, require_all: bool = True) -> Errors:
    """What stops a template being used, keyed "clauses" (empty if nothing): its clauses must be well formed
    with unique keys and must fill in against `sample_context()` and against the same contract without any
    optional detail; with `require_all` (to activate it, T7) it must also have the term, break, notice and
    data-return clauses. A draft may still lack some."""
    errors = _shape_errors(clauses)
    if require_all:
        keys = {clause.get("key") for clause in clauses}
        errors += [missing_clause_message(key) for key in REQUIRED_CLAUSES if key not in keys]
    if not errors:
        full, sparse = sample_context(), _sparse_sample_context()
        for clause in clauses:
            title, text = str(clause["title"]), str(clause["text"])
            try:
                render_clause(title, text, full)
            except TemplateError as error:
                errors.extend(error.messages)
                continue
            try:  # real contracts may have no break dates, extensions or purchase order: the clause must cope
                render_clause(title, text, sparse)
            except TemplateError as error:
                errors.extend(f"{message} (with a contract that has {_SPARSE})" for message in error.messages)
    return {"clauses": errors} if errors else {}


# What a template can use -----------------------------------------------------------------------------------


def sample_context() -> dict[str, Any]:
    """A fictional contract, with every placeholder a real contract has: for previews and for checking."""
    return {
        "contract": {
            "reference": "CS-000042",
            "start_date": "4 January 2027",
            "end_date": "4 January 2029",
            "initial_term_months": 24,
            "break_dates": ["4 January 2028"],
            "buyer_notice_days": 30,
            "extensions_months": [12],
            "total_months": 36,
            "latest_end_date": "4 January 2030",
            "value": "£24,000.00",
            "pricing_model": PRICING_MODELS["pay_as_you_go"],
            "upfront_payment_months": 1,
            "purchase_order_number": "PO-1234",
            "data_return": "All data exported as CSV and JSON from the admin console within 10 days of the end date.",
            "exit_fee": "£0.00",
            "awarded_on": "23 November 2026",
        },
        "buyer": {
            "organisation": "Anytown Borough Council",
            "name": "Sam Patel",
            "email": "sam.patel@anytown.gov.uk",
        },
        "supplier": {
            "name": "Northgate Cloud",
            "legal_name": "Northgate Cloud Services Ltd",
            "contact_name": "Alex Morgan",
            "contact_email": "contracts@northgate.example",
            "companies_house_number": "01234567",
        },
        "service": {
            "id": 12,
            "name": "Case management platform",
            "version": 3,
            "lot": "Cloud software",
            "url": "https://cloudstore.example/services/12",
        },
        "framework": {"name": "Cloudstore 1", "ocid": "ocds-cs0001-cloudstore-1"},
    }


_SPARSE = "no break dates, extensions, purchase order number or upfront payment"


def _sparse_sample_context() -> dict[str, Any]:
    """The sample contract with every optional detail left out: a 12-month contract needs no break date."""
    context = sample_context()
    context["contract"].update(
        end_date="4 January 2028",
        initial_term_months=12,
        break_dates=[],
        extensions_months=[],
        total_months=12,
        latest_end_date="4 January 2028",
        pricing_model=PRICING_MODELS["fixed"],
        upfront_payment_months=0,
        purchase_order_number="",
    )
    context["supplier"].update(legal_name=context["supplier"]["name"], contact_name="", contact_email="")
    context["supplier"]["companies_house_number"] = ""
    context["service"]["url"] = ""
    return context


def placeholders(context: Mapping[str, Mapping[str, Any]] | None = None) -> list[tuple[str, str]]:
    """Each placeholder a template can use, as it is written, with its value in `context` (the sample by
    default); a list is shown joined, as it usually appears in a sentence."""
    rows: list[tuple[str, str]] = []
    for group, values in (sample_context() if context is None else context).items():
        for name, value in values.items():
            if isinstance(value, list):
                rows.append((f'{{{{ {group}.{name} | join(", ") }}}}', ", ".join(str(item) for item in value)))
            else:
                rows.append((f"{{{{ {group}.{name} }}}}", str(value)))
    return rows


def _money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def contract_context(contract: Contract, *, service_url: str = "") -> dict[str, Any]:
    """What a template may use about an awarded contract, as plain values (never database objects, so a
    template cannot reach the database): the order form, buyer, supplier, the pinned service version and
    the framework."""
    version = contract.service_version
    service = contract.service
    organisation = contract.organisation
    framework = service.lot.framework
    extensions = [int(months) for months in contract.extensions_months]
    total_months = contract.initial_term_months + sum(extensions)
    return {
        "contract": {
            "reference": f"CS-{contract.id:06d}",
            "start_date": format_date(contract.start_date),
            # The end of the initial term as awarded: the document is pinned to the order form.
            "end_date": format_date(add_months(contract.start_date, contract.initial_term_months)),
            "initial_term_months": contract.initial_term_months,
            "break_dates": [format_date(date.fromisoformat(value)) for value in contract.break_dates],
            "buyer_notice_days": contract.buyer_notice_days,
            "extensions_months": extensions,
            "total_months": total_months,
            "latest_end_date": format_date(add_months(contract.start_date, total_months)),
            "value": _money(contract.value),
            "pricing_model": PRICING_MODELS.get(contract.pricing_model, contract.pricing_model),
            "upfront_payment_months": contract.upfront_payment_months,
            "purchase_order_number": contract.purchase_order_number or "",
            "data_return": contract.data_return,
            "exit_fee": _money(contract.exit_fee),
            "awarded_on": format_date(contract.awarded_at.date()),
        },
        "buyer": {
            "organisation": contract.buyer_organisation,
            "name": contract.buyer.name,
            "email": contract.buyer.email,
        },
        "supplier": {
            "name": organisation.name,
            "legal_name": organisation.legal_name or organisation.name,
            "contact_name": organisation.contact_name or "",
            "contact_email": organisation.contact_email or "",
            "companies_house_number": organisation.companies_house_number or "",
        },
        "service": {
            "id": service.id,
            "name": str(version.data.get("name") or service.name),
            "version": version.number,
            "lot": service.lot.name,
            "url": service_url,
        },
        "framework": {"name": framework.name, "ocid": framework.ocid},
    }


# The ODT download ------------------------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def odt_document(title: str, subtitle_lines: list[str], clauses: list[dict[str, Any]]) -> bytes:
    """The contract as an OpenDocument Text file: the title, the subtitle lines, then each clause as a
    numbered heading followed by its paragraphs."""
    from odf import teletype
    from odf.dc import Title
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TextProperties
    from odf.text import H, P

    document = OpenDocumentText()
    document.meta.addElement(Title(text=_xml_text(title)))

    def paragraph_style(name: str, size: str, *, bold: bool, space_before: str, space_after: str) -> Style:
        style = Style(name=name, family="paragraph")
        style.addElement(ParagraphProperties(margintop=space_before, marginbottom=space_after))
        style.addElement(TextProperties(fontsize=size, fontweight="bold" if bold else "normal"))
        document.styles.addElement(style)
        return style

    title_style = paragraph_style("Title", "22pt", bold=True, space_before="0cm", space_after="0.4cm")
    subtitle_style = paragraph_style("Subtitle", "12pt", bold=False, space_before="0cm", space_after="0.15cm")
    heading_style = paragraph_style("Heading 2", "15pt", bold=True, space_before="0.6cm", space_after="0.2cm")
    body_style = paragraph_style("Text body", "11pt", bold=False, space_before="0cm", space_after="0.25cm")

    document.text.addElement(H(outlinelevel=1, stylename=title_style, text=_xml_text(title)))
    for line in subtitle_lines:
        document.text.addElement(P(stylename=subtitle_style, text=_xml_text(line)))
    for number, clause in enumerate(clauses, start=1):
        heading = f"{number}. {clause['title']}"
        document.text.addElement(H(outlinelevel=2, stylename=heading_style, text=_xml_text(heading)))
        for part in paragraphs(str(clause["text"])):
            element = P(stylename=body_style)
            teletype.addTextToElement(element, _xml_text(part))  # line breaks and runs of spaces kept
            document.text.addElement(element)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()
