"""staff language: each person's language for their notices (reserved: filled in by the change that needs it)

Revision ID: e5f6a7b8c9d0
Revises: e4d5e6f7a8b9
Create Date: 2026-11-30 13:45:00
"""


revision = 'e5f6a7b8c9d0'
down_revision = 'e4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
