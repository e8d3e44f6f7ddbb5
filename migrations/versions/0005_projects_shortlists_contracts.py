"""projects_shortlists_contracts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contract_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('clauses', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'active', 'retired')", name=op.f('ck_contract_templates_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contract_templates_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_templates')),
    sa.UniqueConstraint('name', 'version', name='uq_contract_templates_name_version')
    )
    with op.batch_alter_table('contract_templates', schema=None) as batch_op:
        batch_op.create_index('uq_contract_templates_one_active', ['status'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('ready_to_assess_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_projects_buyer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_buyer_id'), ['buyer_id'], unique=False)

    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_saved_searches_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_project_id'), ['project_id'], unique=False)
        batch_op.create_index('uq_saved_searches_one_active_per_project', ['project_id'], unique=True, sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))

    op.create_table('shortlist_downloads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('downloaded_at', sa.DateTime(), nullable=False),
    sa.Column('downloaded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("format IN ('csv', 'ods')", name=op.f('ck_shortlist_downloads_format_known')),
    sa.ForeignKeyConstraint(['downloaded_by_id'], ['users.id'], name=op.f('fk_shortlist_downloads_downloaded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['search_id'], ['saved_searches.id'], name=op.f('fk_shortlist_downloads_search_id_saved_searches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_downloads'))
    )
    with op.batch_alter_table('shortlist_downloads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_downloads_search_id'), ['search_id'], unique=False)

    op.create_table('shortlist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('service_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('excluded_at', sa.DateTime(), nullable=True),
    sa.Column('exclusion_reason', sa.Text(), nullable=True),
    sa.Column('excluded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(excluded_at IS NULL) = (exclusion_reason IS NULL)', name=op.f('ck_shortlist_items_exclusion_has_reason')),
    sa.ForeignKeyConstraint(['excluded_by_id'], ['users.id'], name=op.f('fk_shortlist_items_excluded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['search_id'], ['saved_searches.id'], name=op.f('fk_shortlist_items_search_id_saved_searches')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_shortlist_items_service_id_services')),
    sa.ForeignKeyConstraint(['service_version_id'], ['service_versions.id'], name=op.f('fk_shortlist_items_service_version_id_service_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_items')),
    sa.UniqueConstraint('search_id', 'service_id', name='uq_shortlist_items_search_service')
    )
    with op.batch_alter_table('shortlist_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_items_search_id'), ['search_id'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('shortlist_item_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('buyer_organisation', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('service_version_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('initial_term_months', sa.Integer(), nullable=False),
    sa.Column('break_dates', sa.JSON(), nullable=False),
    sa.Column('buyer_notice_days', sa.Integer(), nullable=False),
    sa.Column('extensions_months', sa.JSON(), nullable=False),
    sa.Column('extensions_taken', sa.Integer(), nullable=False),
    sa.Column('exit_fee', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('upfront_payment_months', sa.Integer(), nullable=False),
    sa.Column('pricing_model', sa.String(length=20), nullable=False),
    sa.Column('data_return', sa.Text(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('purchase_order_number', sa.String(length=50), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=True),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('awarded_at', sa.DateTime(), nullable=False),
    sa.Column('awarded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("pricing_model IN ('pay_as_you_go', 'fixed')", name=op.f('ck_contracts_pricing_model_known')),
    sa.CheckConstraint("status IN ('active', 'ended', 'expired')", name=op.f('ck_contracts_status_known')),
    sa.CheckConstraint('buyer_notice_days >= 0', name=op.f('ck_contracts_notice_not_negative')),
    sa.CheckConstraint('exit_fee = 0', name=op.f('ck_contracts_no_exit_fee')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_contracts_value_not_negative')),
    sa.ForeignKeyConstraint(['awarded_by_id'], ['users.id'], name=op.f('fk_contracts_awarded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_contracts_buyer_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_contracts_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_contracts_project_id_projects')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_contracts_service_id_services')),
    sa.ForeignKeyConstraint(['service_version_id'], ['service_versions.id'], name=op.f('fk_contracts_service_version_id_service_versions')),
    sa.ForeignKeyConstraint(['shortlist_item_id'], ['shortlist_items.id'], name=op.f('fk_contracts_shortlist_item_id_shortlist_items')),
    sa.ForeignKeyConstraint(['template_id'], ['contract_templates.id'], name=op.f('fk_contracts_template_id_contract_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('shortlist_item_id', name=op.f('uq_contracts_shortlist_item_id'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_status'), ['status'], unique=False)

    op.create_table('contract_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('break_notice', 'end')", name=op.f('ck_contract_reminders_kind_known')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_reminders_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_reminders')),
    sa.UniqueConstraint('contract_id', 'kind', 'due_on', name='uq_contract_reminders_contract_kind_due')
    )
    with op.batch_alter_table('contract_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_reminders_contract_id'), ['contract_id'], unique=False)

    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(result = 'awarded') = (contract_id IS NOT NULL)", name=op.f('ck_outcomes_award_has_contract')),
    sa.CheckConstraint("result IN ('awarded', 'cancelled', 'none_suitable')", name=op.f('ck_outcomes_result_known')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_outcomes_contract_id_contracts')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_outcomes_project_id_projects')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_outcomes_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_outcomes_contract_id')),
    sa.UniqueConstraint('project_id', name=op.f('uq_outcomes_project_id'))
    )


def downgrade() -> None:
    op.drop_table('outcomes')
    with op.batch_alter_table('contract_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_reminders_contract_id'))

    op.drop_table('contract_reminders')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_status'))
        batch_op.drop_index(batch_op.f('ix_contracts_project_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_buyer_id'))

    op.drop_table('contracts')
    with op.batch_alter_table('shortlist_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_items_search_id'))

    op.drop_table('shortlist_items')
    with op.batch_alter_table('shortlist_downloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_downloads_search_id'))

    op.drop_table('shortlist_downloads')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index('uq_saved_searches_one_active_per_project', sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))
        batch_op.drop_index(batch_op.f('ix_saved_searches_project_id'))

    op.drop_table('saved_searches')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_buyer_id'))

    op.drop_table('projects')
    with op.batch_alter_table('contract_templates', schema=None) as batch_op:
        batch_op.drop_index('uq_contract_templates_one_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.drop_table('contract_templates')
