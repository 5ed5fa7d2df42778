"""The lake type of each data item (so its guide type code can be recomputed without asking the lake),
and each resource's newest record by its own business time (freshness judged by the data, not the load).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('data_item') as batch:
        batch.add_column(sa.Column('duckdb_type', sa.String(64), nullable=True))
    with op.batch_alter_table('resource') as batch:
        batch.add_column(sa.Column('data_until', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('resource') as batch:
        batch.drop_column('data_until')
    with op.batch_alter_table('data_item') as batch:
        batch.drop_column('duckdb_type')
