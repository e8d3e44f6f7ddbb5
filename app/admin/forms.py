from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length, Regexp

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


class ProfileReviewedForm(BaseForm):
    """Mark a supplier's profile changes reviewed, up to the last one the admin was shown (a change made
    while they read stays waiting)."""

    last_change = HiddenField(validators=[InputRequired("Open the supplier's page again to see its changes"), Regexp(r"^\d{1,18}$", message="Open the supplier's page again to see its changes")])
    submit = submit("Mark profile changes as reviewed")
