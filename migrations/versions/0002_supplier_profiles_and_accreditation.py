"""supplier_profiles_and_accreditation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('cyber_essentials', 'cyber_essentials_plus', 'iso27001')", name=op.f('ck_certificates_kind_known')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_certificates_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('organisation_id', 'kind', name='uq_certificates_organisation_kind')
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('accreditations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('declarations', sa.JSON(), nullable=False),
    sa.Column('declaration_explanations', sa.JSON(), nullable=False),
    sa.Column('declarations_completed_at', sa.DateTime(), nullable=True),
    sa.Column('employers_liability_exempt', sa.Boolean(), nullable=True),
    sa.Column('employers_liability_gbp', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('professional_indemnity_gbp', sa.Numeric(precision=15, scale=2), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('accredited_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'changes_requested', 'accredited', 'rejected', 'suspended', 'expired')", name=op.f('ck_accreditations_status_known')),
    sa.CheckConstraint("status NOT IN ('accredited', 'suspended') OR expires_on IS NOT NULL", name=op.f('ck_accreditations_accredited_has_expiry')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_accreditations_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_accreditations_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accreditations')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_accreditations_organisation_id'))
    )
    with op.batch_alter_table('accreditations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accreditations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_accreditations_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('evidence_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_evidence_documents_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_documents')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_evidence_documents_storage_key'))
    )
    with op.batch_alter_table('evidence_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_documents_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_invitations_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('description', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('address_line_1', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('address_line_2', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('town', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('postcode', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('country', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('contact_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('website', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('companies_house_number', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('other_registration_number', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('duns_number', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('vat_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('vat_registered', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('organisation_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('is_public_service_mutual', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_social_enterprise', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_vcse', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_supported_employment_provider', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('employee_ownership_pct', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('headcount', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('turnover_gbp', sa.Numeric(precision=15, scale=2), nullable=True))
        batch_op.add_column(sa.Column('balance_sheet_gbp', sa.Numeric(precision=15, scale=2), nullable=True))
        batch_op.add_column(sa.Column('size', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('size_reason', sa.String(length=500), nullable=True))
        # Existing rows need a value; new rows get theirs from the application.
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()))
        batch_op.create_index(batch_op.f('ix_organisations_size'), ['size'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_organisations_companies_house_number'), ['companies_house_number'])
        batch_op.create_check_constraint(
            'organisation_type_known',
            "organisation_type IN ('ltd', 'plc', 'llp', 'sole_trader', 'cic', 'charity', 'co_operative', "
            "'community_benefit_society', 'public_service_mutual', 'public_body', 'other')",
        )
        batch_op.create_check_constraint('size_known', "size IN ('micro', 'small', 'medium', 'large')")
        batch_op.create_check_constraint(
            'employee_ownership_pct_range',
            'employee_ownership_pct IS NULL OR (employee_ownership_pct >= 0 AND employee_ownership_pct <= 100)',
        )
        batch_op.create_check_constraint('headcount_not_negative', 'headcount IS NULL OR headcount >= 0')



def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        for name in ('organisation_type_known', 'size_known', 'employee_ownership_pct_range', 'headcount_not_negative'):
            batch_op.drop_constraint(batch_op.f(f'ck_organisations_{name}'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_organisations_companies_house_number'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_organisations_size'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('size_reason')
        batch_op.drop_column('size')
        batch_op.drop_column('balance_sheet_gbp')
        batch_op.drop_column('turnover_gbp')
        batch_op.drop_column('headcount')
        batch_op.drop_column('employee_ownership_pct')
        batch_op.drop_column('is_supported_employment_provider')
        batch_op.drop_column('is_vcse')
        batch_op.drop_column('is_social_enterprise')
        batch_op.drop_column('is_public_service_mutual')
        batch_op.drop_column('organisation_type')
        batch_op.drop_column('vat_registered')
        batch_op.drop_column('vat_number')
        batch_op.drop_column('duns_number')
        batch_op.drop_column('other_registration_number')
        batch_op.drop_column('companies_house_number')
        batch_op.drop_column('website')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_name')
        batch_op.drop_column('country')
        batch_op.drop_column('postcode')
        batch_op.drop_column('town')
        batch_op.drop_column('address_line_2')
        batch_op.drop_column('address_line_1')
        batch_op.drop_column('description')
        batch_op.drop_column('legal_name')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_organisation_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('evidence_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_documents_organisation_id'))

    op.drop_table('evidence_documents')
    with op.batch_alter_table('accreditations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accreditations_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_accreditations_status'))

    op.drop_table('accreditations')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_organisation_id'))

    op.drop_table('certificates')
