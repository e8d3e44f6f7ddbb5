"""search_outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_outbox_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_outbox_service_id'), ['service_id'], unique=False)

    op.create_table('search_outbox_pruned',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pruned_up_to', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox_pruned'))
    )


def downgrade() -> None:
    op.drop_table('search_outbox_pruned')
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_service_id'))
        batch_op.drop_index(batch_op.f('ix_search_outbox_created_at'))

    op.drop_table('search_outbox')
