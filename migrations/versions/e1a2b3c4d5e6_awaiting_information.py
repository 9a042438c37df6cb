"""awaiting information: the stopped clock (reserved: filled in by the change that needs it)

Revision ID: e1a2b3c4d5e6
Revises: d1e2f3a4b5c6
Create Date: 2026-11-30 13:05:00
"""


revision = 'e1a2b3c4d5e6'
down_revision = 'd1e2f3a4b5c6'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
