"""Forms for contract templates (T7): the name and the clauses, typed in one text box."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from app.forms import BaseForm, submit, text_field

# Enough for the maximum number of clauses at their maximum length, with their headings.
CLAUSES_MAX_CHARS = 520_000


def _clauses_field() -> TextAreaField:
    return TextAreaField(
        "Clauses",
        description=(
            "Start each clause with a line like ## term: Term (a key of lowercase letters, digits and underscores, "
            "then its title). The lines after it, up to the next ## line, are its text; leave a blank line between "
            "paragraphs. Write placeholders like {{ contract.start_date }} where the contract's details go."
        ),
        validators=[
            InputRequired("Enter the clauses, each starting with a line like ## term: Term"),
            Length(max=CLAUSES_MAX_CHARS, message=f"The clauses must be {CLAUSES_MAX_CHARS:,} characters or fewer"),
        ],
        widget=GovTextArea(),
        render_kw={"rows": 30},
    )


class TemplateForm(BaseForm):
    """A new template, or the first version of one: its name and its clauses."""

    name = text_field("Template name", required="Enter a name for the template", max_length=100)
    clauses = _clauses_field()
    submit = submit("Save draft")


class TemplateClausesForm(BaseForm):
    """A later version keeps its name: only its clauses can be edited."""

    clauses = _clauses_field()
    submit = submit("Save draft")
