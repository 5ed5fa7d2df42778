"""Data items whose personal kind the quality gate found in the values (quality.pii) rather than read
from a declaration: the directory says which.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('data_item') as batch:
        batch.add_column(sa.Column('sensitive_found', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('data_item') as batch:
        batch.drop_column('sensitive_found')
