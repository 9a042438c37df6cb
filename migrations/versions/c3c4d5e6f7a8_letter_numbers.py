"""printable documents: the agency's outgoing document numbers

Revision ID: c3c4d5e6f7a8
Revises: c2b3c4d5e6f7
Create Date: 2026-11-30 10:00:00

Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3c4d5e6f7a8'
down_revision = 'c2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
