"""Sharing that serves its purpose (issue 20): verification calls, plain items granted on a legal basis,
usage records and ratings, data requests, and their counts in the daily figures.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_NEW_COUNTS = ('verification_calls', 'verified_keys', 'usage_records', 'ratings')


def upgrade() -> None:
    with op.batch_alter_table('application') as batch:
        batch.add_column(sa.Column('method', sa.String(8), nullable=False, server_default='copy'))
        batch.add_column(sa.Column('plain_items', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('plain_basis', sa.Text(), nullable=True))
    with op.batch_alter_table('daily_stat') as batch:
        for name in _NEW_COUNTS:
            batch.add_column(sa.Column(name, sa.BigInteger() if name == 'verified_keys' else sa.Integer(),
                                       nullable=False, server_default='0'))
    op.create_table(
        'verification',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column('consumer_id', sa.Integer(), sa.ForeignKey('department.id'), nullable=False, index=True),
        sa.Column('resource_id', sa.Integer(), sa.ForeignKey('resource.id'), nullable=False, index=True),
        sa.Column('snapshot_id', sa.BigInteger(), nullable=False),
        sa.Column('application_ids', sa.JSON(), nullable=False),
        sa.Column('key_item', sa.String(128), nullable=False),
        sa.Column('method', sa.String(8), nullable=False),
        sa.Column('keys', sa.Integer(), nullable=False),
        sa.Column('found', sa.Integer(), nullable=False),
        sa.Column('key_digests', sa.JSON(), nullable=False),
    )
    op.create_table(
        'usage_record',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column('consumer_id', sa.Integer(), sa.ForeignKey('department.id'), nullable=False, index=True),
        sa.Column('resource_id', sa.Integer(), sa.ForeignKey('resource.id'), nullable=False, index=True),
        sa.Column('used_for', sa.Text(), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.Column('records_used', sa.BigInteger(), nullable=True),
    )
    op.create_table(
        'rating',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column('consumer_id', sa.Integer(), sa.ForeignKey('department.id'), nullable=False, index=True),
        sa.Column('resource_id', sa.Integer(), sa.ForeignKey('resource.id'), nullable=False, index=True),
        sa.Column('accuracy', sa.Integer(), nullable=False),
        sa.Column('timeliness', sa.Integer(), nullable=False),
        sa.Column('completeness', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
    )
    op.create_table(
        'data_request',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('requester_id', sa.Integer(), sa.ForeignKey('department.id'), nullable=False, index=True),
        sa.Column('title', sa.String(200), nullable=False),
        sa.Column('purpose', sa.Text(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False, index=True),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('provider_id', sa.Integer(), sa.ForeignKey('department.id'), nullable=True, index=True),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('answer', sa.String(16), nullable=True),
        sa.Column('provide_by', sa.Date(), nullable=True),
        sa.Column('answer_text', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    for table in ('data_request', 'rating', 'usage_record', 'verification'):
        op.drop_table(table)
    with op.batch_alter_table('daily_stat') as batch:
        for name in _NEW_COUNTS:
            batch.drop_column(name)
    with op.batch_alter_table('application') as batch:
        batch.drop_column('plain_basis')
        batch.drop_column('plain_items')
        batch.drop_column('method')
