"""case events: the structured parts of what happened (unit, handler, days, ground, ...), worded when shown

Revision ID: c5d6e7f8a9b0
Revises: c4d5e6f7a8b9
Create Date: 2026-12-01 10:00:00

Reviewed by hand. Existing rows get {} and keep their composed note, which the timeline shows as before:
there is no data migration (the old notes are English text, not reliably parseable back into parts).
"""
from alembic import op
import sqlalchemy as sa


revision = 'c5d6e7f8a9b0'
down_revision = 'c4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_events') as batch:
        batch.add_column(sa.Column('detail', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))


def downgrade():
    with op.batch_alter_table('case_events') as batch:
        batch.drop_column('detail')
