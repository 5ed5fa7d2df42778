"""Each data item's data element (数据元), from the registry: the element inventory (一数一源) counts
what departments collect by element, not by column names.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('data_item') as batch:
        batch.add_column(sa.Column('element', sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('data_item') as batch:
        batch.drop_column('element')
