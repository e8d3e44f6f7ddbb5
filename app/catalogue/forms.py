"""The supplier's service forms, one per section: they read what was typed, never judge it.

Every limit (lengths, word counts, list sizes, categories per lot, price range,
option lists) lives in ``catalogue.rules`` and is applied by the services, so
these forms, the JSON API and the seed accept and refuse exactly the same
things. A form turns posted strings into the plain values the rules expect
(``to_values``) and turns saved values back into what its widgets show
(``initial``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from app.catalogue import rules
from app.forms import BaseForm, choices, submit

SAVE = "Save and return to your service"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _bold_label(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Label text fields as the radio and checkbox legends are (small bold), so every question looks alike."""
    render_kw = dict(kwargs.get("render_kw") or {})
    render_kw["params"] = {"label": {"classes": "govuk-label--s"}, **render_kw.get("params", {})}
    kwargs["render_kw"] = render_kw
    return kwargs


class PlainValue:
    """A field whose value goes to the service as typed (empty meaning "not given") and comes back unchanged."""

    data: Any

    def service_value(self) -> str | None:
        return self.data or None

    @staticmethod
    def form_value(value: Any) -> Any:
        return value


class TextValue(PlainValue, StringField):
    """A single line of text; blank means "not answered"."""

    widget = GovTextInput()

    def __init__(self, label: str, description: str, **kwargs: Any) -> None:
        super().__init__(label, description=description, filters=[_strip], **_bold_label(kwargs))


class LongTextValue(PlainValue, TextAreaField):
    """Several lines of text, with a count shown while typing when JavaScript runs."""

    def __init__(
        self,
        label: str,
        description: str,
        *,
        max_chars: int | None = None,
        max_words: int | None = None,
        rows: int = 5,
        **kwargs: Any,
    ) -> None:
        params: dict[str, Any] = {}
        if max_words:
            params["maxwords"] = max_words
        elif max_chars:
            params["maxlength"] = max_chars
        kwargs.setdefault("render_kw", {"rows": rows, "params": params})
        super().__init__(
            label, description=description, filters=[_strip], widget=GovCharacterCount(), **_bold_label(kwargs)
        )


class PhrasesValue(TextAreaField):
    """A short list typed one item per line: simpler than ten boxes and needs no JavaScript to add more."""

    widget = GovTextArea()

    def __init__(self, label: str, description: str, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"rows": 10, "spellcheck": "true"})
        super().__init__(label, description=description, **_bold_label(kwargs))

    def service_value(self) -> list[str]:
        return [line.strip() for line in (self.data or "").splitlines() if line.strip()]

    @staticmethod
    def form_value(value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value


class MoneyValue(PlainValue, StringField):
    """Pounds as typed ('£1,250.50'); the rules read the amount, so their messages are the same everywhere."""

    widget = GovTextInput()

    def __init__(self, label: str, description: str, **kwargs: Any) -> None:
        kwargs.setdefault(
            "render_kw",
            {
                "inputmode": "decimal",
                "spellcheck": "false",
                "params": {"classes": "govuk-input--width-10", "prefix": {"text": "£"}},
            },
        )
        super().__init__(label, description=description, filters=[_strip], **_bold_label(kwargs))


class OneOfValue(PlainValue, RadioField):
    """One answer from a fixed list (the rules check it is one of the list)."""

    widget = GovRadioInput()

    def __init__(
        self, label: str, description: str, options: Mapping[str, str], *, inline: bool = False, **kwargs: Any
    ) -> None:
        params: dict[str, Any] = {"fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}}
        if inline:
            params["classes"] = "govuk-radios--inline"
        kwargs.setdefault("render_kw", {"params": params})
        super().__init__(
            label,
            description=description,
            choices=choices((k, v) for k, v in options.items() if k),
            validate_choice=False,
            **kwargs,
        )


class DropdownValue(PlainValue, SelectField):
    """One answer from a longer fixed list, as a select."""

    widget = GovSelect()

    def __init__(self, label: str, description: str, options: Mapping[str, str], *, blank: str, **kwargs: Any) -> None:
        super().__init__(
            label,
            description=description,
            choices=choices([("", blank), *((k, v) for k, v in options.items() if k)]),
            validate_choice=False,
            **_bold_label(kwargs),
        )


class YesNoValue(RadioField):
    """A yes or no question, stored as true or false."""

    widget = GovRadioInput()

    def __init__(self, label: str, description: str, **kwargs: Any) -> None:
        kwargs.setdefault(
            "render_kw",
            {
                "params": {
                    "classes": "govuk-radios--inline",
                    "fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}},
                }
            },
        )
        super().__init__(
            label,
            description=description,
            choices=choices([("yes", "Yes"), ("no", "No")]),
            validate_choice=False,
            **kwargs,
        )

    def pre_validate(self, form: Any) -> None:
        if self.data not in (None, "", "yes", "no"):
            raise ValidationError(f"{self.label.text}: select yes or no")

    def service_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.data or "")

    @staticmethod
    def form_value(value: Any) -> Any:
        return {True: "yes", False: "no"}.get(value) if isinstance(value, bool) else None


class SomeOfValue(SelectMultipleField):
    """Any number of answers from a list, as checkboxes; a value ticked twice counts once."""

    widget = GovCheckboxesInput()

    def __init__(
        self,
        label: str,
        description: str,
        options: Mapping[str, str] | None = None,
        *,
        small: bool = False,
        **kwargs: Any,
    ) -> None:
        params: dict[str, Any] = {"fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}}
        if small:
            params["classes"] = "govuk-checkboxes--small"
        kwargs.setdefault("render_kw", {"params": params})
        super().__init__(
            label, description=description, choices=choices((options or {}).items()), validate_choice=False, **kwargs
        )

    def service_value(self) -> list[str]:
        return list(dict.fromkeys(v for v in (self.data or []) if v))

    @staticmethod
    def form_value(value: Any) -> Any:
        return value if isinstance(value, list) else []


class SectionForm(BaseForm):
    """The questions of one section of a service (rules.SECTIONS)."""

    section: ClassVar[str]
    submit = submit(SAVE)

    @classmethod
    def initial(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """What the form shows for the saved values."""
        values = {}
        for name in rules.SECTION_FIELDS[cls.section]:
            unbound = getattr(cls, name)
            values[name] = unbound.field_class.form_value(data.get(name))
        return values

    def to_values(self) -> dict[str, Any]:
        """Every field of the section as the rules take it (a blank answer clears the saved one)."""
        return {name: getattr(self, name).service_value() for name in rules.SECTION_FIELDS[self.section]}

    def field_for(self, key: str) -> str | None:
        """The form field an error from the rules belongs next to, or None for the top of the form."""
        return key if key in rules.SECTION_FIELDS[self.section] and key in self._fields else None


_LIST_HINT = (
    f"Write one per line, up to {rules.LIST_MAX_ITEMS}. Each must be {rules.LIST_ITEM_MAX_WORDS} words or fewer. "
)


class AboutForm(SectionForm):
    section = "about"
    name = TextValue(
        "Service name",
        f"The name buyers see in search results. Use the name the service is known by, "
        f"{rules.NAME_MAX_CHARS} characters or fewer.",
        render_kw={"spellcheck": "true"},
    )
    summary = LongTextValue(
        "Summary",
        f"Say what the service does and who it is for, in {rules.SUMMARY_MAX_WORDS} words or fewer "
        f"(and no more than {rules.SUMMARY_MAX_CHARS} characters). It is shown under the name in search results.",
        max_words=rules.SUMMARY_MAX_WORDS,
        rows=4,
    )
    description = LongTextValue(
        "Description",
        f"Everything else a buyer should know: how the service works, what is included, and any limits. "
        f"{rules.DESCRIPTION_MAX_CHARS:,} characters or fewer.",
        max_chars=rules.DESCRIPTION_MAX_CHARS,
        rows=10,
    )


class FeaturesForm(SectionForm):
    section = "features"
    features = PhrasesValue(
        "Features",
        _LIST_HINT + "Say what the service does, for example ‘Automatic daily backups kept for 30 days’.",
    )
    benefits = PhrasesValue(
        "Benefits",
        _LIST_HINT + "Say what the buyer gains, for example ‘Staff can work securely from any device’.",
    )


class CategoriesForm(SectionForm):
    """The lot's categories; the view supplies them (and the software groups), the rules check the count."""

    section = "categories"
    categories = SomeOfValue("Categories", "", small=True)

    def set_lot(self, lot_name: str, options: list[tuple[str, str]], min_categories: int, max_categories: int) -> None:
        self.categories.choices = choices(options)
        self.categories.description = (
            f"Choose the categories buyers would look for this service under: at least {min_categories} "
            f"and no more than {max_categories} for {lot_name}."
        )


class PricingForm(SectionForm):
    section = "pricing"
    price_min = MoneyValue(
        "Starting price (£, excluding VAT)",
        "The lowest price a buyer can pay for one unit, in pounds and pence, like 12.50. Leave out VAT.",
    )
    price_max = MoneyValue(
        "Maximum price (£, excluding VAT, optional)",
        "If the price per unit varies, the highest it can be. It must be the same as or more than the starting price.",
    )
    price_unit = DropdownValue(
        "Price unit", "What each price is for, for example ‘per user’.", rules.PRICE_UNITS, blank="Choose a unit"
    )
    price_interval = DropdownValue(
        "Price interval (optional)",
        "How often the price is charged, for example ‘per month’. Leave as ‘No interval’ for a one-off price.",
        rules.PRICE_INTERVALS,
        blank="No interval",
    )
    pricing_model = OneOfValue(
        "Pricing model",
        "Contracts on Cloudstore are pay as you go or a fixed periodic charge: "
        "no upfront payment may cover more than 12 months.",
        rules.PRICING_MODELS,
    )
    free_trial = YesNoValue(
        "Is there a free trial or a free version?", "A way for buyers to try the service without paying."
    )
    education_pricing = YesNoValue(
        "Do you offer education pricing?", "Lower prices for schools, colleges and universities."
    )
    minimum_contract_period = OneOfValue(
        "Minimum contract period", "The shortest time a buyer can use the service for.", rules.MINIMUM_CONTRACT_PERIODS
    )


class SecurityForm(SectionForm):
    section = "security"
    data_location = OneOfValue(
        "Where is buyer data stored and processed?",
        "Include backups and any subcontractors' locations.",
        rules.DATA_LOCATIONS,
    )
    certifications = SomeOfValue(
        "Certifications that apply to this service (optional)",
        "Tick only certificates your organisation holds now: "
        "you can publish only if each one is on your accreditation.",
        rules.CERTIFICATIONS,
    )
    standards = SomeOfValue("Standards the service meets (optional)", "Select all that apply.", rules.STANDARDS)
    staff_security_clearance = OneOfValue(
        "Staff security clearance",
        "The highest clearance held by the staff who can reach buyer data.",
        rules.CLEARANCES,
    )


class SupportForm(SectionForm):
    section = "support"
    support_channels = SomeOfValue("How can buyers get support?", "Select all that apply.", rules.SUPPORT_CHANNELS)
    support_response_time = OneOfValue(
        "How quickly do you respond to a support request?",
        "Your usual first response, not the time to fix the problem.",
        rules.SUPPORT_RESPONSE_TIMES,
    )
    support_hours = OneOfValue(
        "When is support available?", "The hours buyers can reach your support team.", rules.SUPPORT_HOURS
    )
    accessibility = OneOfValue(
        "How accessible is the service?",
        "The Web Content Accessibility Guidelines (WCAG) level the service's user interface meets, "
        "as in your accessibility statement.",
        rules.WCAG_LEVELS,
    )


class ExitForm(SectionForm):
    section = "exit"
    onboarding = LongTextValue(
        "How do buyers start using the service?",
        f"Setup, training and help moving existing data in. {rules.TEXT_MAX_CHARS:,} characters or fewer.",
        max_chars=rules.TEXT_MAX_CHARS,
    )
    exit_process = LongTextValue(
        "How is the buyer's data returned at the end of the contract?",
        "How the buyer gets all their data back, how long it takes, and when you delete your copies. "
        "This goes into the contract "
        f"so the buyer can always leave. {rules.TEXT_MAX_CHARS:,} characters or fewer.",
        max_chars=rules.TEXT_MAX_CHARS,
    )
    exit_data_formats = SomeOfValue(
        "Formats the buyer's data is returned in",
        "Select all that apply. At least one must be an open format (CSV, JSON, XML, ODF or SQL).",
        rules.EXIT_FORMATS,
    )


SECTION_FORMS: dict[str, type[SectionForm]] = {
    form.section: form
    for form in (AboutForm, FeaturesForm, CategoriesForm, PricingForm, SecurityForm, SupportForm, ExitForm)
}


class ChooseLotForm(BaseForm):
    """The lot a new service is listed in; the view supplies the live framework's lots."""

    lot = RadioField(
        "Which lot is the service in?",
        validators=[InputRequired("Select the lot your service belongs in")],
        validate_choice=False,  # an unknown lot is refused by the service, with its own message
        widget=GovRadioInput(),
    )
    submit = submit("Create service")

    def set_lots(self, lots: list[tuple[str, str, str]]) -> None:
        """Lots as (slug, name, description)."""
        self.lot.choices = choices((slug, name) for slug, name, _ in lots)
        self.lot.render_kw = {
            "params": {
                "fieldset": {
                    "legend": {
                        "text": self.lot.label.text,
                        "isPageHeading": True,
                        "classes": "govuk-fieldset__legend--l",
                    }
                },
                "items": [{"hint": {"text": description}} for _, _, description in lots],
            }
        }


class WithdrawServiceForm(BaseForm):
    reason = TextAreaField(
        "Why are you withdrawing the service?",
        description="Buyers who open the service's page will see this, "
        "for example ‘Replaced by our Cloud Backup 2 service’.",
        # No InputRequired: the service refuses an empty reason with its own message.
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
        widget=GovTextArea(),
        render_kw={"rows": 4},
    )
    submit = submit("Withdraw service")


class ServiceDocumentForm(BaseForm):
    kind = RadioField(
        "What is this document?",
        validators=[InputRequired("Select what kind of document this is")],
        validate_choice=False,  # the service names the allowed kinds
        widget=GovRadioInput(),
        render_kw={
            "params": {
                "fieldset": {"legend": {"text": "What is this document?", "classes": "govuk-fieldset__legend--s"}}
            }
        },
    )
    document = FileField(
        "Upload a file",
        description="PDF or OpenDocument (ODT, ODS, ODP, ODG). A new document of the same kind replaces the old one.",
        validators=[InputRequired("Select a file to upload")],
        widget=GovFileInput(),
    )
    submit = submit("Upload document")

    def set_kinds(self, kinds: Mapping[str, str], max_bytes: int) -> None:
        self.kind.choices = choices(kinds.items())
        self.document.description = (
            f"PDF or OpenDocument (ODT, ODS, ODP, ODG), {max_bytes // (1024 * 1024)} MB or smaller. "
            "Buyers can download it from the service's page. A new document of the same kind replaces the old one."
        )
