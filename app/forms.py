"""Shared form building blocks (GOV.UK widgets, messages that say how to fix the problem)."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import Field, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError


class BaseForm(FlaskForm):
    """A form whose rule failures (from services) can be attached to a field or to the form."""

    def add_error(self, field: str | None, message: str) -> None:
        target = getattr(self, field, None) if field else None
        if target is not None:
            target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]
        else:
            self.form_errors.append(message)


class EmailAddress:
    """Check an email address's shape without asking DNS (registration must work offline)."""

    def __call__(self, form: Any, field: Field) -> None:
        value = (field.data or "").strip()
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError("Enter an email address in the correct format, like name@example.gov.uk") from None


def email_field(label: str = "Email address", description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        validators=[InputRequired(f"Enter your {label[0].lower() + label[1:]}"), Length(max=254, message="Email address must be 254 characters or fewer"), EmailAddress()],
        widget=GovTextInput(),
        render_kw={"autocomplete": "email", "spellcheck": "false", "type": "email"},
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def name_field(label: str = "Full name") -> StringField:
    return StringField(
        label,
        validators=[InputRequired("Enter your full name"), Length(max=100, message="Full name must be 100 characters or fewer")],
        widget=GovTextInput(),
        render_kw={"autocomplete": "name", "spellcheck": "false"},
    )


def password_field(
    label: str = "Password", description: str = "", autocomplete: str = "new-password", required: str = "Enter a password"
) -> PasswordField:
    return PasswordField(
        label,
        description=description,
        validators=[InputRequired(required)],
        widget=GovPasswordInput(),
        render_kw={"autocomplete": autocomplete},
    )


def submit(label: str) -> SubmitField:
    return SubmitField(label, widget=GovSubmitInput())
