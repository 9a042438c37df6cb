"""FAQ entries and versions, reply templates, reply-quality overrides (issue 14, delivers 4 and 5)

Reply templates (常見問答集 for staff): per unit (none: agency-wide) and category, a Chinese and an English text.
The reply-quality overrides are timeline events (case_events.detail): no table of their own.

Revision ID: a3b4c5d6e7f8
Revises: a2b3c4d5e6f7
Create Date: 2026-11-30 13:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'a3b4c5d6e7f8'
down_revision = 'a2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reply_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('category', sa.String(length=60), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body_zh', sa.Text(), nullable=False),
        sa.Column('body_en', sa.Text(), nullable=False),
        sa.Column('remedy_notice', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_reply_templates_unit_id_units')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name=op.f('fk_reply_templates_updated_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates')),
    )
    op.create_index(op.f('ix_reply_templates_unit_id'), 'reply_templates', ['unit_id'])


def downgrade():
    op.drop_index(op.f('ix_reply_templates_unit_id'), table_name='reply_templates')
    op.drop_table('reply_templates')
