"""profile_reviews

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

An accredited supplier's profile changes wait for an admin to review them: accreditations record when an
admin last saw the profile (existing accreditations count from their decision).
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accreditations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_reviewed_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('accreditations', schema=None) as batch_op:
        batch_op.drop_column('profile_reviewed_at')
