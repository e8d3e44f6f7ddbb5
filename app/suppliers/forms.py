"""Supplier profile, colleague and accreditation forms: shape checks and messages that say how to fix things."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
)
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.auth.forms import PASSWORD_HINT, NewPasswordMixin
from app.forms import (
    BaseForm,
    MoneyField,
    WholeNumberField,
    choices,
    email_field,
    name_field,
    password_field,
    submit,
    text_field,
)
from app.suppliers import identifiers
from app.suppliers.declarations import DISCRETIONARY_GROUNDS, GROUNDS
from app.suppliers.models import OrganisationType

YES_NO = choices([("yes", "Yes"), ("no", "No")])


def _optional_text(label: str, max_length: int, description: str = "") -> StringField:
    return text_field(label, max_length=max_length, description=description)


class OrganisationDetailsForm(BaseForm):
    name = text_field(
        "Trading name",
        required="Enter the name your organisation trades under",
        description="The name buyers will see on your services.",
        autocomplete="organization",
    )
    legal_name = text_field(
        "Registered (legal) name",
        required="Enter your organisation's registered name, as on Companies House or your charity registration",
        description="As registered with Companies House, the Charity Commission or the FCA.",
    )
    description = TextAreaField(
        "About your organisation",
        description="Shown on your public supplier page. Up to 1,000 characters.",
        validators=[Optional(), Length(max=1000, message="About your organisation must be 1,000 characters or fewer")],
        widget=GovCharacterCount(),
        render_kw={"params": {"maxlength": 1000}},
    )
    address_line_1 = text_field("Address line 1", required="Enter the first line of your registered address", autocomplete="address-line1")
    address_line_2 = _optional_text("Address line 2 (optional)", 200)
    town = text_field("Town or city", required="Enter the town or city of your registered address", max_length=100, autocomplete="address-level2")
    postcode = text_field("Postcode", required="Enter the postcode of your registered address", max_length=20, autocomplete="postal-code")
    country = text_field("Country", required="Enter the country of your registered address", max_length=100, autocomplete="country-name")
    contact_name = text_field("Contact name", required="Enter the name of the person buyers should contact", max_length=100)
    contact_email = email_field("Contact email address", "Buyers will use this address to ask about your services.")
    contact_phone = text_field("Contact telephone number", required="Enter a telephone number for buyers to call", max_length=30, autocomplete="tel")
    website = _optional_text("Website (optional)", 255, "Starting https://")
    submit = submit("Save and continue")

    def validate_contact_phone(self, field: Any) -> None:
        digits = [c for c in field.data or "" if c.isdigit()]
        if field.data and (len(digits) < 7 or any(c not in "0123456789 +()-" for c in field.data)):
            raise ValidationError("Enter a telephone number, like 01632 960 001 or +44 808 157 0192")

    def validate_website(self, field: Any) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError("Enter a website address starting https://, like https://www.example.co.uk")


class RegistrationNumbersForm(BaseForm):
    companies_house_number = _optional_text(
        "Companies House number",
        20,
        "8 characters, like 01234567 or SC123456. Leave blank if your organisation is not registered with Companies House.",
    )
    other_registration_number = _optional_text(
        "Other registration number",
        255,
        "If you have no Companies House number: for example your charity, Mutuals Public Register (FCA) or other registration number.",
    )
    duns_number = _optional_text("DUNS number (optional)", 20, "9 digits, from Dun & Bradstreet.")
    vat_registered = RadioField(
        "Is your organisation registered for VAT in the UK?",
        choices=YES_NO,
        validators=[InputRequired("Select yes if your organisation is registered for VAT")],
        widget=GovRadioInput(),
    )
    vat_number = _optional_text("UK VAT number", 20, "9 digits, like GB123456789.")
    submit = submit("Save and continue")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.normalised: dict[str, str | None] = {}
        checks = (
            ("companies_house_number", identifiers.normalise_companies_house_number),
            ("duns_number", identifiers.normalise_duns),
        )
        for name, normalise in checks:
            field = getattr(self, name)
            self.normalised[name] = None
            if field.data:
                try:
                    self.normalised[name] = normalise(field.data)
                except identifiers.IdentifierError as error:
                    field.errors.append(error.message)
                    ok = False
        if not self.companies_house_number.data and not self.other_registration_number.data:
            self.companies_house_number.errors.append(
                "Enter your Companies House number, or another registration number if you do not have one"
            )
            ok = False
        self.normalised["vat_number"] = None
        if self.vat_registered.data == "yes":
            if not self.vat_number.data:
                self.vat_number.errors.append("Enter your UK VAT number, like GB123456789")
                ok = False
            else:
                try:
                    self.normalised["vat_number"] = identifiers.normalise_vat_number(self.vat_number.data)
                except identifiers.IdentifierError as error:
                    self.vat_number.errors.append(error.message)
                    ok = False
        return ok

    def to_values(self) -> dict[str, Any]:
        return {
            "companies_house_number": self.normalised["companies_house_number"],
            "other_registration_number": self.other_registration_number.data or None,
            "duns_number": self.normalised["duns_number"],
            "vat_registered": self.vat_registered.data == "yes",
            "vat_number": self.normalised["vat_number"],
        }


FLAG_CHOICES = choices(
    [
        ("is_public_service_mutual", "Public service mutual: spun out of the public sector, still delivering public services, with significant employee ownership, influence or control"),
        ("is_social_enterprise", "Social enterprise: social objectives first, with surpluses mainly reinvested in them"),
        ("is_vcse", "Voluntary, community or social enterprise (VCSE): non-governmental, value-driven, reinvesting surpluses"),
        ("is_supported_employment_provider", "Supported employment provider: at least 30% of the workforce are disabled or disadvantaged"),
    ]
)


class OrganisationTypeForm(BaseForm):
    organisation_type = RadioField(
        "What type of organisation is it?",
        choices=choices((t.value, t.label) for t in OrganisationType),
        validators=[InputRequired("Select the type of organisation")],
        widget=GovRadioInput(),
    )
    flags = SelectMultipleField(
        "Which of these describe your organisation? (optional)",
        description="Select all that apply. These are separate from the legal type: a company limited by guarantee can also be a social enterprise and a mutual.",
        choices=FLAG_CHOICES,
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )
    employee_ownership_pct = WholeNumberField(
        "Share of the organisation owned, influenced or controlled by employees (%)",
        what="the employee share",
        maximum=100,
        description="Required for a public service mutual. Enter a percentage from 0 to 100.",
        render_kw={"inputmode": "numeric", "params": {"classes": "govuk-input--width-3", "suffix": {"text": "%"}}},
    )
    submit = submit("Save and continue")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        minimum = current_app.config["MUTUAL_MIN_EMPLOYEE_SHARE"]
        is_mutual = "is_public_service_mutual" in (self.flags.data or []) or self.organisation_type.data == OrganisationType.PUBLIC_SERVICE_MUTUAL
        if is_mutual and not self.employee_ownership_pct.errors:
            share = self.employee_ownership_pct.number
            if share is None:
                self.employee_ownership_pct.errors.append(
                    "Enter the share of the organisation owned, influenced or controlled by employees: a public service mutual needs one"
                )
                ok = False
            elif share < minimum:
                self.employee_ownership_pct.errors.append(
                    f"A public service mutual needs at least {minimum}% employee ownership, influence or control. "
                    "Enter the correct share, or untick public service mutual"
                )
                ok = False
        return ok

    def to_values(self) -> dict[str, Any]:
        flags = set(self.flags.data or [])
        if self.organisation_type.data == OrganisationType.PUBLIC_SERVICE_MUTUAL:
            flags.add("is_public_service_mutual")  # the type implies the flag
        values: dict[str, Any] = {"organisation_type": self.organisation_type.data, "employee_ownership_pct": self.employee_ownership_pct.number}
        for choice in FLAG_CHOICES:
            values[choice.value] = choice.value in flags
        return values


class OrganisationSizeForm(BaseForm):
    headcount = WholeNumberField(
        "Staff headcount",
        [InputRequired("Enter your staff headcount")],
        what="the staff headcount",
        description="Full-time equivalent employees, including owners who work in the business, on average over your last financial year.",
        render_kw={"inputmode": "numeric", "params": {"classes": "govuk-input--width-10"}},
    )
    turnover_gbp = MoneyField(
        "Annual turnover (£)",
        [InputRequired("Enter your annual turnover in pounds")],
        what="annual turnover",
        description="From your last annual accounts, excluding VAT.",
        render_kw={"inputmode": "decimal", "params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}}},
    )
    balance_sheet_gbp = MoneyField(
        "Balance sheet total (£)",
        [InputRequired("Enter your balance sheet total in pounds")],
        what="the balance sheet total",
        description="Total assets from your last annual accounts.",
        render_kw={"inputmode": "decimal", "params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}}},
    )
    submit = submit("Save and continue")


class InviteColleagueForm(BaseForm):
    email = email_field("Colleague's email address", "We will email them a link to join your organisation. It works for 7 days.")
    submit = submit("Send invitation")


class DeclarationsForm(BaseForm):
    """One yes/no question per exclusion ground, with an explanation box for the discretionary ones."""

    submit = submit("Save declarations")

    @classmethod
    def build(cls, formdata: Any = None, answers: dict[str, Any] | None = None, explanations: dict[str, Any] | None = None) -> DeclarationsForm:
        class Form(cls):  # type: ignore[valid-type,misc]
            pass

        for ground in GROUNDS:
            setattr(
                Form,
                ground.key,
                RadioField(
                    ground.question,
                    choices=YES_NO,
                    description=ground.hint,
                    validators=[Optional()],
                    widget=GovRadioInput(),
                    render_kw={"params": {"classes": "govuk-radios--inline", "fieldset": {"legend": {"text": ground.question, "classes": "govuk-fieldset__legend--s"}}}},
                ),
            )
            if not ground.mandatory:
                setattr(
                    Form,
                    f"{ground.key}__explanation",
                    TextAreaField(
                        "If yes, explain what happened and what you have done to stop it happening again",
                        validators=[Optional(), Length(max=5000, message="Explanation must be 5,000 characters or fewer")],
                        widget=GovTextArea(),
                        render_kw={"rows": 3},
                    ),
                )
        data: dict[str, Any] = {}
        for key, value in (answers or {}).items():
            data[key] = "yes" if value is True else "no" if value is False else None
        for key, value in (explanations or {}).items():
            data[f"{key}__explanation"] = value
        return Form(formdata=formdata, data=data)

    def answers(self) -> dict[str, bool | None]:
        result: dict[str, bool | None] = {}
        for ground in GROUNDS:
            value = getattr(self, ground.key).data
            result[ground.key] = True if value == "yes" else False if value == "no" else None
        return result

    def explanations(self) -> dict[str, str]:
        return {g.key: (getattr(self, f"{g.key}__explanation").data or "").strip() for g in DISCRETIONARY_GROUNDS}


CERTIFICATE_KINDS = choices(
    [
        ("cyber_essentials", "Cyber Essentials"),
        ("cyber_essentials_plus", "Cyber Essentials Plus"),
        ("iso27001", "ISO/IEC 27001"),
    ]
)
CERTIFICATE_LABELS = {c.value: c.label for c in CERTIFICATE_KINDS}


class SafeDateField(DateField):
    """GOV.UK date input (day, month, year) that never fails on a partial or missing POST."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not any(v.strip() for v in valuelist):
            self.data = None
            self.raw_data = ["", "", ""] if not valuelist else (valuelist + ["", "", ""])[:3]
            return
        parts = (valuelist + ["", "", ""])[:3]
        self.raw_data = parts
        if any(not p.strip().isdigit() for p in parts):
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 31 3 2027")
        try:
            super().process_formdata([" ".join(p.strip() for p in parts)])
        except ValueError:
            self.data = None
        if self.data is None:
            raise ValueError(f"{self.label.text} must be a real date, like 31 3 2027")

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if self.data else ""


class CertificateForm(BaseForm):
    kind = SelectField(
        "Certificate",
        choices=CERTIFICATE_KINDS,
        validators=[InputRequired("Select which certificate this is")],
        widget=GovSelect(),
    )
    number = text_field("Certificate number", required="Enter the certificate number", max_length=100)
    issuer = text_field(
        "Issued by",
        required="Enter who issued the certificate, for example the certification body",
        max_length=100,
        description="The certification body or accreditor, 10 words or fewer.",
    )
    expires_on = SafeDateField(
        "Expiry date",
        format="%d %m %Y",
        description="For example, 31 3 2027.",
        validators=[InputRequired("Enter the date the certificate expires")],
        widget=GovDateInput(),
    )
    submit = submit("Add certificate")

    def validate_issuer(self, field: Any) -> None:
        if field.data and len(field.data.split()) > 10:
            raise ValidationError("Issued by must be 10 words or fewer")


class InsuranceForm(BaseForm):
    employers_liability_exempt = RadioField(
        "Do you need employer's liability insurance?",
        choices=choices(
            [
                ("no", "Yes, we employ staff"),
                ("yes", "No, the only employees are the owner or close family members, so it is not required by law"),
            ]
        ),
        validators=[InputRequired("Select whether your organisation needs employer's liability insurance")],
        widget=GovRadioInput(),
    )
    employers_liability_gbp = MoneyField(
        "Employer's liability cover (£)",
        what="the employer's liability cover",
        description="At least £5,000,000.",
        render_kw={"inputmode": "decimal", "params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}}},
    )
    professional_indemnity_gbp = MoneyField(
        "Professional indemnity cover per claim (£)",
        [InputRequired("Enter your professional indemnity cover in pounds")],
        what="the professional indemnity cover",
        description="Buyers usually expect at least £1,000,000 per claim.",
        render_kw={"inputmode": "decimal", "params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}}},
    )
    submit = submit("Save insurance")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.employers_liability_exempt.data == "no" and not self.employers_liability_gbp.errors:
            cover = self.employers_liability_gbp.decimal
            if cover is None:
                self.employers_liability_gbp.errors.append("Enter your employer's liability cover in pounds")
                ok = False
            elif cover < 5_000_000:
                self.employers_liability_gbp.errors.append("Employer's liability cover must be at least £5,000,000")
                ok = False
        return ok


class EvidenceForm(BaseForm):
    title = text_field(
        "What is this document?",
        required="Enter what the document is, for example 'Cyber Essentials certificate'",
        max_length=200,
    )
    document = FileField(
        "Upload a file",
        description="PDF or OpenDocument (ODT, ODS, ODP, ODG), 5 MB or smaller.",
        validators=[InputRequired("Select a file to upload")],
        widget=GovFileInput(),
    )
    submit = submit("Upload document")


class ReasonForm(BaseForm):
    """An admin decision that must be explained to the supplier."""

    reason = TextAreaField(
        "Reason",
        # No InputRequired: the decision's own message (admin.services.REASON_REQUIRED) says what the reason is for.
        validators=[Length(max=5000, message="Reason must be 5,000 characters or fewer")],
        widget=GovTextArea(),
        render_kw={"rows": 4},
    )
    submit = submit("Confirm")


class AcceptInvitationForm(NewPasswordMixin, BaseForm):
    name = name_field()
    password = password_field("Create a password", PASSWORD_HINT)
    confirm_password = password_field("Confirm your password", required="Confirm your password: enter it again")
    submit = submit("Join organisation")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.validate_new_password(name=self.name.data or "") and ok


# Each profile field as an admin reads it in a list of changes.
PROFILE_FIELD_LABELS = {
    "name": "Trading name",
    "legal_name": "Registered name",
    "description": "About the organisation",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "town": "Town or city",
    "postcode": "Postcode",
    "country": "Country",
    "contact_name": "Contact name",
    "contact_email": "Contact email address",
    "contact_phone": "Contact telephone number",
    "website": "Website",
    "companies_house_number": "Companies House number",
    "other_registration_number": "Other registration number",
    "duns_number": "DUNS number",
    "vat_registered": "Registered for VAT",
    "vat_number": "VAT number",
    "organisation_type": "Type of organisation",
    "is_public_service_mutual": "Public service mutual",
    "is_social_enterprise": "Social enterprise",
    "is_vcse": "Voluntary, community or social enterprise (VCSE)",
    "is_supported_employment_provider": "Supported employment provider",
    "employee_ownership_pct": "Employee ownership (%)",
    "headcount": "Staff headcount",
    "turnover_gbp": "Annual turnover (£)",
    "balance_sheet_gbp": "Balance sheet total (£)",
    "size": "Size",
}
