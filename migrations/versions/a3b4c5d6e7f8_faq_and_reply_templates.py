"""FAQ entries and versions, reply templates, reply-quality overrides (reserved: filled in by the change that needs it)

Revision ID: a3b4c5d6e7f8
Revises: a2b3c4d5e6f7
Create Date: 2026-11-30 13:50:00
"""


revision = 'a3b4c5d6e7f8'
down_revision = 'a2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
