"""open data: the published files (statistics.csv, statistics.json, datapackage.json), regenerated daily

Revision ID: a1b2c3d4e5f6
Revises: f1a2b3c4d5e6
Create Date: 2026-11-30 13:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'a1b2c3d4e5f6'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'open_data_files',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('media_type', sa.String(length=80), nullable=False),
        sa.Column('etag', sa.String(length=80), nullable=False),
        sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_open_data_files')),
    )


def downgrade():
    op.drop_table('open_data_files')
