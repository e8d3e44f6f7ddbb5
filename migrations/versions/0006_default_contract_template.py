"""default_contract_template

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Data only: the first active call-off contract template (T7), so a buyer can
award a contract on a fresh database. Admins change it by creating a new
version under Admin > Contract templates. The table is described here rather
than imported from the app, so this revision keeps working when the model
changes later.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

NAME = "Cloudstore call-off contract"

CLAUSES = [
    {
        "key": "parties",
        "title": "Parties and service",
        "text": (
            "This call-off contract, reference {{ contract.reference }}, is between:\n"
            "\n"
            "the buyer, {{ buyer.organisation }}, whose contact is {{ buyer.name }} ({{ buyer.email }}), and\n"
            "\n"
            "the supplier, {{ supplier.legal_name }}"
            "{% if supplier.companies_house_number %} (Companies House number "
            "{{ supplier.companies_house_number }}){% endif %}"
            "{% if supplier.contact_name %}, whose contact is {{ supplier.contact_name }}"
            "{% if supplier.contact_email %} ({{ supplier.contact_email }}){% endif %}{% endif %}.\n"
            "\n"
            "The supplier provides {{ service.name }} (service {{ service.id }}, in the {{ service.lot }} lot) "
            "under the {{ framework.name }} framework ({{ framework.ocid }}). The service is provided as its "
            "listing described it at version {{ service.version }}, the version the buyer chose. Later changes "
            "to the listing do not change this contract."
            "{% if service.url %} The listing is at {{ service.url }}.{% endif %}\n"
            "\n"
            "The buyer awarded this contract on {{ contract.awarded_on }}. If this contract and the supplier's "
            "own terms disagree, this contract applies."
        ),
    },
    {
        "key": "term",
        "title": "Term",
        "text": (
            "The contract starts on {{ contract.start_date }} and runs for an initial term of "
            "{{ contract.initial_term_months }} months. Unless it is extended or ended earlier, it ends on "
            "{{ contract.end_date }}: that is the first day it no longer runs.\n"
            "\n"
            "{% if contract.extensions_months %}"
            "The buyer may extend the contract by {{ contract.extensions_months | join(' months, then by ') }} "
            "months. Extending is the buyer's choice"
            "{% if contract.extensions_months | length > 1 %}, one extension at a time and in that order{% endif %}"
            "; the supplier cannot extend the contract. With every extension taken the contract lasts "
            "{{ contract.total_months }} months and ends on {{ contract.latest_end_date }} at the latest."
            "{% else %}"
            "No extensions were agreed, so the contract cannot be extended."
            "{% endif %}"
        ),
    },
    {
        "key": "break",
        "title": "Ending without cause (break dates)",
        "text": (
            "{% if contract.break_dates %}"
            "The buyer can end this contract without giving a reason on "
            "{% if contract.break_dates | length == 1 %}its break date, {{ contract.break_dates[0] }}"
            "{% else %}any of its break dates: {{ contract.break_dates | join(', ') }}{% endif %}. "
            "The contract then ends on that date."
            "{% else %}"
            "This contract has no break dates: the buyer can leave it at no cost when its term ends"
            "{% if contract.extensions_months %}, by not taking the next extension{% endif %}."
            "{% endif %}\n"
            "\n"
            "Ending the contract at a break date or at the end of its term costs the buyer nothing: no "
            "exit fee, termination charge or other penalty is payable. The buyer pays only for the service "
            "provided up to the day the contract ends, and the supplier refunds any charges paid in advance "
            "for the time after it."
        ),
    },
    {
        "key": "notice",
        "title": "Notice",
        "text": (
            "To end the contract at a break date the buyer tells the supplier in writing at least "
            "{{ contract.buyer_notice_days }} days before that date"
            "{% if supplier.contact_email %}, by email to {{ supplier.contact_email }}{% endif %}. "
            "The supplier cannot refuse the notice or charge for it: the exit fee is {{ contract.exit_fee }}.\n"
            "\n"
            "Notices from the supplier go to {{ buyer.name }} at {{ buyer.email }}, unless the buyer names "
            "someone else in writing."
        ),
    },
    {
        "key": "charges",
        "title": "Charges",
        "text": (
            "The estimated value of this contract is {{ contract.value }}, excluding VAT. The pricing model is "
            "{{ contract.pricing_model }}, at the prices in the service listing at version "
            "{{ service.version }}.\n"
            "\n"
            "{% if contract.upfront_payment_months %}"
            "The supplier may invoice at most {{ contract.upfront_payment_months }} "
            "{{ 'month' if contract.upfront_payment_months == 1 else 'months' }} of charges in advance."
            "{% else %}"
            "No charges are paid in advance."
            "{% endif %}"
            "{% if contract.purchase_order_number %} Every invoice quotes the purchase order number "
            "{{ contract.purchase_order_number }}.{% endif %}"
        ),
    },
    {
        "key": "data_return",
        "title": "Returning the buyer's data",
        "text": (
            "When the contract ends, however it ends, the supplier returns the buyer's data as the order form "
            "says: {{ contract.data_return }}\n"
            "\n"
            "The data comes back in an open format the buyer can read without the supplier's software, and "
            "returning it costs the buyer nothing.\n"
            "\n"
            "Once the buyer confirms that the returned data is complete and readable, the supplier securely "
            "deletes every copy it and its subcontractors hold, unless the law requires it to keep one, and "
            "confirms the deletion in writing."
        ),
    },
    {
        "key": "law",
        "title": "Liability and law",
        "text": (
            "Nothing in this contract limits either party's liability for death or personal injury caused by "
            "its negligence, or for fraud.\n"
            "\n"
            "This contract is governed by the law of England and Wales, and the courts of England and Wales "
            "decide any dispute about it."
        ),
    },
]

contract_templates = sa.table(
    "contract_templates",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("version", sa.Integer),
    sa.column("clauses", sa.JSON),
    sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("created_by_id", sa.Integer),
    sa.column("activated_at", sa.DateTime),
)
contracts = sa.table("contracts", sa.column("template_id", sa.Integer))


def upgrade() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)  # the database keeps naive UTC timestamps
    op.bulk_insert(
        contract_templates,
        [
            {
                "name": NAME,
                "version": 1,
                "clauses": CLAUSES,
                "status": "active",
                "created_at": now,
                "created_by_id": None,
                "activated_at": now,
            }
        ],
    )


def downgrade() -> None:
    # A template a contract was awarded from stays: the contract is pinned to it.
    op.execute(
        contract_templates.delete().where(
            contract_templates.c.name == NAME,
            contract_templates.c.version == 1,
            ~sa.exists().where(contracts.c.template_id == contract_templates.c.id),
        )
    )
