"""reply attachments and form hygiene (reserved: filled in by the change that needs it)

Revision ID: e4d5e6f7a8b9
Revises: e3c4d5e6f7a8
Create Date: 2026-11-30 13:05:00
"""


revision = 'e4d5e6f7a8b9'
down_revision = 'e3c4d5e6f7a8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
