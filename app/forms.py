"""Shared form building blocks (GOV.UK widgets, messages that say how to fix the problem)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import Field, PasswordField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError


class BaseForm(FlaskForm):
    """A form whose rule failures (from services) can be attached to a field or to the form."""

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, and no null character anywhere: nothing typed contains one, and
        PostgreSQL cannot store it in text, so it is refused next to its field rather than failing later."""
        valid = super().validate(extra_validators)
        for field in self:
            if field.type in ("SubmitField", "CSRFTokenField"):  # buttons and tokens are read, never kept
                continue
            if any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
                field.errors = [*field.errors, f"{field.label.text} contains a null character: remove it"]
                valid = False
        return valid

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


_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")


class MoneyField(StringField):
    """Pounds and pence typed as people type them: '£1,500,000' or '1500000.50'."""

    widget = GovTextInput()

    def __init__(self, label: str = "", validators: Any = None, *, what: str = "the amount", maximum: Decimal | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "spellcheck": "false"})
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.what = what
        self.maximum = maximum if maximum is not None else Decimal("9999999999999.99")
        self.decimal: Decimal | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.decimal = None
        text = (self.data or "").strip().replace(",", "").replace("£", "").replace(" ", "")
        if not text:
            self.data = ""
            return
        if not _MONEY.match(text):
            raise ValueError(f"Enter {self.what} in pounds, using numbers only, like 1500000 or 1,500,000.50")
        value = Decimal(text)
        if value > self.maximum:
            raise ValueError(f"Enter {self.what} of £{self.maximum:,.0f} or less")
        self.decimal = value

    def process_data(self, value: Any) -> None:
        self.decimal = value if isinstance(value, Decimal) else None
        if isinstance(value, Decimal):
            value = f"{value:.2f}".removesuffix(".00")
        super().process_data(value)


class WholeNumberField(StringField):
    """A whole number with a message that says how to fix it."""

    def __init__(self, label: str = "", validators: Any = None, *, what: str = "a number", minimum: int = 0, maximum: int = 10_000_000, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "spellcheck": "false"})
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.what, self.minimum, self.maximum = what, minimum, maximum
        self.number: int | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.number = None
        text = (self.data or "").strip().replace(",", "")
        if not text:
            self.data = ""
            return
        if not text.isdigit():
            raise ValueError(f"Enter {self.what} as a whole number, like 25")
        value = int(text)
        if not self.minimum <= value <= self.maximum:
            raise ValueError(f"Enter {self.what} between {self.minimum:,} and {self.maximum:,}")
        self.number = value

    def process_data(self, value: Any) -> None:
        self.number = value if isinstance(value, int) else None
        super().process_data(str(value) if isinstance(value, int) else value)


def choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def text_field(label: str, *, required: str | None = None, max_length: int = 200, description: str = "", **render: Any) -> StringField:
    validators: list[Any] = [InputRequired(required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"))
    return StringField(
        label,
        description=description,
        validators=validators,
        widget=GovTextInput(),
        render_kw=render or None,
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def form_page(template: str, form: BaseForm | None = None, **context: Any) -> tuple[str, int]:
    """Render a page with its form: status 400 when the form carries errors, so a refused submission is visible
    to programs as well as people."""
    from flask import render_template

    failed = form is not None and bool(form.errors or form.form_errors)
    return render_template(template, form=form, **context), 400 if failed else 200
