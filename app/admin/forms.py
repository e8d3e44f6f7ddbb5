from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from app.forms import BaseForm, submit


class AddBuyerDomainForm(BaseForm):
    domain = StringField(
        "Domain",
        description="Any address ending in this domain can register as a buyer, including its subdomains. For example, gov.uk also allows council.gov.uk.",
        validators=[InputRequired("Enter a domain, like council.gov.uk"), Length(max=253, message="A domain is 253 characters or fewer")],
        widget=GovTextInput(),
        render_kw={"spellcheck": "false"},
    )
    submit = submit("Add domain")


class ConfirmForm(BaseForm):
    """A button-only form: carries the CSRF token for a state-changing POST."""

    submit = submit("Confirm")
