"""staff language: each person's language for their notices and digests (zh_Hant_TW or en)

Revision ID: e5f6a7b8c9d0
Revises: e4d5e6f7a8b9
Create Date: 2026-11-30 13:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'e5f6a7b8c9d0'
down_revision = 'e4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), server_default='zh_Hant_TW',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('language')
