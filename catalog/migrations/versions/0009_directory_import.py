"""Importing other platforms' directories (issue 21): update cycles as intervals, 待补全 resources with
their missing fields, the platform an entry came from, format lists, and saved column mappings.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('resource') as batch:
        batch.add_column(sa.Column('update_interval', sa.String(16), nullable=True))
        batch.add_column(sa.Column('missing_fields', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('imported_from', sa.String(64), nullable=True))
        batch.alter_column('format', type_=sa.String(200), existing_type=sa.String(32))
    op.create_table(
        'directory_mapping',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('platform', sa.String(64), nullable=False, unique=True),
        sa.Column('columns', sa.JSON(), nullable=False),
        sa.Column('defaults', sa.JSON(), nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('directory_mapping')
    with op.batch_alter_table('resource') as batch:
        batch.alter_column('format', type_=sa.String(32), existing_type=sa.String(200))
        for name in ('imported_from', 'pending', 'missing_fields', 'update_interval'):
            batch.drop_column(name)
