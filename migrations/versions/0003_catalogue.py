"""catalogue

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import re
import tomllib
from pathlib import Path

from alembic import op
import sqlalchemy as sa

# The framework is data: its lots, categories and contract limits come from this file.
FRAMEWORK_FILE = Path(__file__).resolve().parent.parent / "data" / "cloudstore-1.toml"


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('frameworks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ocid', sa.String(length=100), nullable=False),
    sa.Column('max_initial_months', sa.Integer(), nullable=False),
    sa.Column('max_extensions', sa.Integer(), nullable=False),
    sa.Column('max_extension_months', sa.Integer(), nullable=False),
    sa.Column('max_total_months', sa.Integer(), nullable=False),
    sa.Column('max_months_to_break', sa.Integer(), nullable=False),
    sa.Column('max_notice_days', sa.Integer(), nullable=False),
    sa.Column('max_upfront_months', sa.Integer(), nullable=False),
    sa.Column('end_search_limit', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('live', 'expired')", name=op.f('ck_frameworks_status_known')),
    sa.CheckConstraint('max_months_to_break <= 12', name=op.f('ck_frameworks_break_within_a_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frameworks')),
    sa.UniqueConstraint('slug', name=op.f('uq_frameworks_slug'))
    )
    op.create_table('lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('min_categories', sa.Integer(), nullable=False),
    sa.Column('max_categories', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_lots_framework_id_frameworks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
    sa.UniqueConstraint('framework_id', 'slug', name='uq_lots_framework_slug')
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_categories_lot_id_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('lot_id', 'slug', name='uq_categories_lot_slug')
    )
    op.create_table('category_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_category_groups_lot_id_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_groups')),
    sa.UniqueConstraint('lot_id', 'slug', name='uq_category_groups_lot_slug')
    )
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('reviewed_version_number', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status = 'draft' OR version_number >= 1", name=op.f('ck_services_published_has_version')),
    sa.CheckConstraint("status IN ('draft', 'published', 'withdrawn', 'disabled')", name=op.f('ck_services_status_known')),
    sa.CheckConstraint('reviewed_version_number <= version_number', name=op.f('ck_services_reviewed_not_ahead')),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_services_lot_id_lots')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_services_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services'))
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_services_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_services_status_organisation', ['status', 'organisation_id'], unique=False)

    op.create_table('category_group_members',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_group_members_category_id_categories')),
    sa.ForeignKeyConstraint(['group_id'], ['category_groups.id'], name=op.f('fk_category_group_members_group_id_category_groups')),
    sa.PrimaryKeyConstraint('group_id', 'category_id', name=op.f('pk_category_group_members'))
    )
    op.create_table('service_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('service_definition', 'pricing', 'terms')", name=op.f('ck_service_documents_kind_known')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_documents_service_id_services')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_service_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_documents')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_service_documents_storage_key'))
    )
    with op.batch_alter_table('service_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_documents_service_id'), ['service_id'], unique=False)

    op.create_table('service_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_service_versions_number_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_service_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_versions_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_versions')),
    sa.UniqueConstraint('service_id', 'number', name='uq_service_versions_service_number')
    )
    with op.batch_alter_table('service_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_versions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_versions_service_id'), ['service_id'], unique=False)
    load_framework(FRAMEWORK_FILE)


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load_framework(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    conn = op.get_bind()
    meta = sa.MetaData()
    frameworks, lots, categories, groups, members = (
        sa.Table(name, meta, autoload_with=conn)
        for name in ("frameworks", "lots", "categories", "category_groups", "category_group_members")
    )
    framework_id = conn.execute(
        frameworks.insert().values(slug=data["slug"], name=data["name"], status="live", ocid=data["ocid"], **data["limits"])
    ).inserted_primary_key[0]
    for position, lot in enumerate(data["lots"], start=1):
        lot_id = conn.execute(
            lots.insert().values(
                framework_id=framework_id, slug=lot["slug"], name=lot["name"], description=lot["description"],
                position=position, min_categories=lot["min_categories"], max_categories=lot["max_categories"],
            )
        ).inserted_primary_key[0]
        names = list(lot.get("categories", []))
        for members_of_group in lot.get("groups", {}).values():
            names += [n for n in members_of_group if n not in names]
        category_ids = {}
        for name in names:
            category_ids[name] = conn.execute(
                categories.insert().values(lot_id=lot_id, slug=slugify(name), name=name)
            ).inserted_primary_key[0]
        for group_position, (group_name, group_members) in enumerate(lot.get("groups", {}).items(), start=1):
            group_id = conn.execute(
                groups.insert().values(lot_id=lot_id, slug=slugify(group_name), name=group_name, position=group_position)
            ).inserted_primary_key[0]
            conn.execute(members.insert(), [{"group_id": group_id, "category_id": category_ids[n]} for n in group_members])


def downgrade() -> None:
    with op.batch_alter_table('service_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_versions_service_id'))
        batch_op.drop_index(batch_op.f('ix_service_versions_created_at'))

    op.drop_table('service_versions')
    with op.batch_alter_table('service_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_documents_service_id'))

    op.drop_table('service_documents')
    op.drop_table('category_group_members')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index('ix_services_status_organisation')
        batch_op.drop_index(batch_op.f('ix_services_organisation_id'))

    op.drop_table('services')
    op.drop_table('category_groups')
    op.drop_table('categories')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('lots')
    op.drop_table('frameworks')
