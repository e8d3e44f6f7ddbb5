"""transparency_snapshots_and_search_log

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

Contracts keep the supplier's size and mutual / VCSE / social enterprise flags as they were at award
(existing contracts take the supplier's current values); search_queries logs searches without personal data.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_queries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('searched_at', sa.DateTime(), nullable=False),
    sa.Column('q', sa.String(length=200), nullable=False),
    sa.Column('lot', sa.String(length=50), nullable=True),
    sa.Column('filter_count', sa.Integer(), nullable=False),
    sa.Column('result_count', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_queries'))
    )
    with op.batch_alter_table('search_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_queries_searched_at'), ['searched_at'], unique=False)
        batch_op.create_index('ix_search_queries_zero_results', ['result_count', 'q'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_size', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('supplier_is_mutual', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('supplier_is_vcse', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('supplier_is_social_enterprise', sa.Boolean(), server_default=sa.false(), nullable=False))

    for column, source in (
        ("supplier_size", "size"),
        ("supplier_is_mutual", "is_public_service_mutual"),
        ("supplier_is_vcse", "is_vcse"),
        ("supplier_is_social_enterprise", "is_social_enterprise"),
    ):
        op.execute(
            f"UPDATE contracts SET {column} = "
            f"(SELECT {source} FROM organisations WHERE organisations.id = contracts.organisation_id)"
        )



def downgrade() -> None:
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('supplier_is_social_enterprise')
        batch_op.drop_column('supplier_is_vcse')
        batch_op.drop_column('supplier_is_mutual')
        batch_op.drop_column('supplier_size')

    with op.batch_alter_table('search_queries', schema=None) as batch_op:
        batch_op.drop_index('ix_search_queries_zero_results')
        batch_op.drop_index(batch_op.f('ix_search_queries_searched_at'))

    op.drop_table('search_queries')
