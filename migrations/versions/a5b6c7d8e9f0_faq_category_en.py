"""FAQ categories in English: the name English pages show for an entry's category (issue 14, deliver 4)

The Chinese name stays the key that groups and filters entries; the English one is empty for the entries written
before, which English pages show by their Chinese name as they did.

Revision ID: a5b6c7d8e9f0
Revises: a4b5c6d7e8f9
Create Date: 2026-11-30 20:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'a5b6c7d8e9f0'
down_revision = 'a4b5c6d7e8f9'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('faq_entries', 'faq_entry_versions'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('category_en', sa.String(length=60), nullable=False, server_default=''))


def downgrade():
    for table in ('faq_entry_versions', 'faq_entries'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('category_en')
