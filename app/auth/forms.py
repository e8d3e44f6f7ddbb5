from __future__ import annotations

from typing import Any

from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from app.auth.passwords import password_problem
from app.forms import BaseForm, email_field, name_field, password_field, submit, text_field

PASSWORD_HINT = "At least 12 characters. A good password is three random words, like ‘coffee train window’."


class NewPasswordMixin:
    """Checks ``password`` against the policy and ``confirm_password`` against it."""

    password: Any
    confirm_password: Any

    def validate_new_password(self, email: str = "", name: str = "") -> bool:
        ok = True
        if self.password.data:
            problem = password_problem(
                self.password.data, min_length=current_app.config["PASSWORD_MIN_LENGTH"], email=email, name=name
            )
            if problem:
                self.password.errors.append(problem)
                ok = False
        if self.password.data and self.confirm_password.data != self.password.data:
            self.confirm_password.errors.append("Passwords do not match: enter the same password twice")
            ok = False
        return ok


class RegisterBuyerForm(NewPasswordMixin, BaseForm):
    name = name_field()
    email = email_field("Work email address", "Use your email address at a public sector organisation, for example name@council.gov.uk.")
    password = password_field("Create a password", PASSWORD_HINT)
    confirm_password = password_field("Confirm your password", required="Confirm your password: enter it again")
    submit = submit("Create buyer account")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.validate_new_password(self.email.data or "", self.name.data or "") and ok


class RegisterSupplierForm(RegisterBuyerForm):
    email = email_field("Work email address", "We will send a link to this address to confirm it is yours.")
    organisation_name = StringField(
        "Organisation name",
        description="The name your organisation trades under. You can add its legal name and registration numbers later.",
        validators=[
            InputRequired("Enter the name of your organisation"),
            Length(max=200, message="Organisation name must be 200 characters or fewer"),
        ],
        widget=GovTextInput(),
        render_kw={"autocomplete": "organization"},
    )
    submit = submit("Create supplier account")


class SignInForm(BaseForm):
    email = email_field()
    password = password_field("Password", autocomplete="current-password", required="Enter your password")
    submit = submit("Sign in")


class RequestResetForm(BaseForm):
    email = email_field(description="We will send a link to reset your password to this address if it has an account.")
    submit = submit("Send reset link")


class ResendVerificationForm(BaseForm):
    email = email_field()
    submit = submit("Send the link again")


class ResetPasswordForm(NewPasswordMixin, BaseForm):
    password = password_field("New password", PASSWORD_HINT)
    confirm_password = password_field("Confirm your new password", required="Confirm your new password: enter it again")
    submit = submit("Reset password")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.validate_new_password() and ok


class ChangePasswordForm(NewPasswordMixin, BaseForm):
    current_password = password_field("Current password", autocomplete="current-password", required="Enter your current password")
    password = password_field("New password", PASSWORD_HINT)
    confirm_password = password_field("Confirm your new password", required="Confirm your new password: enter it again")
    submit = submit("Change password")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.validate_new_password() and ok


class CreateApiTokenForm(BaseForm):
    name = text_field(
        "Token name",
        required="Enter a name for the token, like ‘Catalogue sync’",
        max_length=100,
        description="So you can tell your tokens apart, for example the system that will use it.",
        spellcheck="false",
    )
    submit = submit("Create token")
