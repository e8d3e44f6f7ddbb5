"""The order form and the contract actions. Field names are those of the contract terms body (the interface's
``POST /api/v1/contracts/validate``), so the form and the API speak the same language; the rules themselves are
checked by ``app.contracts.terms`` and their messages attached to these fields."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovTextArea, GovTextInput
from wtforms import BooleanField, Field, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired

from app.contracts.terms import PRICING_MODELS
from app.forms import BaseForm, choices, submit


def _text(label: str, hint: str = "", **render_kw: Any) -> StringField:
    return StringField(label, description=hint, widget=GovTextInput(), render_kw={"spellcheck": "false", **render_kw})


class RepeatedField(Field):
    """Several inputs sharing one name (``break_dates``, ``extensions_months``), read as a list with the empty
    ones left out; rendered by the page, one input per slot."""

    def __init__(self, label: str = "", *, slots: int = 3, hint: str = "", **kwargs: Any) -> None:
        super().__init__(label, description=hint, **kwargs)
        self.slots = slots
        self.data: list[str] = []

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [str(value).strip() for value in valuelist if str(value).strip()]

    def process_data(self, value: Any) -> None:
        self.data = [str(v) for v in value] if isinstance(value, list | tuple) else []

    def values(self) -> list[str]:
        """The value of each input slot, empty where there is none."""
        return (self.data + [""] * self.slots)[: max(self.slots, len(self.data))]


class AwardForm(BaseForm):
    buyer_organisation = _text("Buying organisation", "The public body that will pay for the service.", autocomplete="organization")
    start_date = _text("Start date", "For example, 2027-01-04 (year, month, day). The contract cannot start in the past.", inputmode="numeric")
    initial_term_months = _text("Initial term, in months", "At most 24 months.", inputmode="numeric")
    break_dates = RepeatedField(
        "Break dates",
        slots=3,
        hint="Dates on which you can end the contract without cause, at no cost, like 2028-01-04. A contract longer "
        "than 12 months needs a break no later than 12 months after the start, then at least every 12 months.",
    )
    buyer_notice_days = _text("Notice you must give before a break date, in days", "At most 30 days.", inputmode="numeric")
    extensions_months = RepeatedField(
        "Extensions you may take, in months",
        slots=2,
        hint="Declared now or never: at most 2 extensions of at most 12 months each, and at most 48 months in all.",
    )
    value = _text("Total contract value, in pounds", "Excluding VAT. For example, 24000.", inputmode="decimal")
    pricing_model = RadioField(
        "Pricing model",
        choices=choices((key, label[:1].upper() + label[1:]) for key, label in PRICING_MODELS.items()),
        widget=GovRadioInput(),
        validate_choice=False,  # the contract rules say what is wrong with it, next to the field
    )
    upfront_payment_months = _text("Months paid upfront", "0 for none; at most 12 months.", inputmode="numeric")
    purchase_order_number = _text("Purchase order number (optional)")
    data_return = TextAreaField(
        "How the buyer's data is returned at the end of the contract",
        description="Taken from the supplier's exit answer. Say how and in which open format, such as CSV, JSON or ODF.",
        widget=GovTextArea(),
    )
    submit = submit("Award contract")

    def terms_body(self) -> dict[str, Any]:
        """The order form as the contract terms body, for ``terms.validate``; an exit fee is never asked for."""
        return {
            "buyer_organisation": self.buyer_organisation.data,
            "start_date": (self.start_date.data or "").strip() or None,
            "initial_term_months": (self.initial_term_months.data or "").strip() or None,
            "break_dates": self.break_dates.data,
            "buyer_notice_days": (self.buyer_notice_days.data or "").strip() or None,
            "extensions_months": self.extensions_months.data,
            "exit_fee": "0.00",
            "upfront_payment_months": (self.upfront_payment_months.data or "").strip() or "0",
            "pricing_model": self.pricing_model.data,
            "data_return": self.data_return.data,
            "value": self.value.data,
            "purchase_order_number": self.purchase_order_number.data,
        }


class BreakForm(BaseForm):
    break_date = RadioField("Which break date do you want to end the contract on?", widget=GovRadioInput(), validate_choice=False)
    confirm = BooleanField(
        "I am giving notice to end this contract on that break date",
        validators=[InputRequired("Confirm that you are giving notice to end the contract")],
        widget=GovCheckboxInput(),
    )
    submit = submit("End the contract at this break")


class ExtendForm(BaseForm):
    confirm = BooleanField(
        "I want to extend the contract by its next declared extension",
        validators=[InputRequired("Confirm that you want to extend the contract")],
        widget=GovCheckboxInput(),
    )
    submit = submit("Extend the contract")
