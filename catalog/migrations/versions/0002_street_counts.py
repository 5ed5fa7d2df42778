"""Per-street figures: a block resource's block column, and its records per street.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.add_column(sa.Column('block_column', sa.String(length=128), nullable=True))
    op.create_table('street_count',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('street_code', sa.String(length=9), nullable=False),
    sa.Column('street_name', sa.String(length=100), nullable=True),
    sa.Column('records', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', 'street_code')
    )


def downgrade() -> None:
    op.drop_table('street_count')
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_column('block_column')
