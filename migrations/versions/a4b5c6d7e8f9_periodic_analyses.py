"""The periodic analysis's improvement proposals (issue 14, deliver 6; domain rule 32)

One row per analysed period (a year, 2026, or a quarter, 2026-Q3): the proposals the management meeting adopted
and the meeting's date. The figures themselves are computed from the cases when read; nothing else is stored.

Revision ID: a4b5c6d7e8f9
Revises: a3b4c5d6e7f8
Create Date: 2026-11-30 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'a4b5c6d7e8f9'
down_revision = 'a3b4c5d6e7f8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'periodic_analyses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('proposals', sa.Text(), nullable=False),
        sa.Column('presented_on', sa.Date(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name=op.f('fk_periodic_analyses_updated_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_analyses')),
        sa.UniqueConstraint('period', name=op.f('uq_periodic_analyses_period')),
    )


def downgrade():
    op.drop_table('periodic_analyses')
