"""answer attachments: the files the petitioner sent with an answer to a request for information (補陳) name that
request, so that retention erases them with the answer

Revision ID: f1a2b3c4d5e6
Revises: e5f6a7b8c9d0
Create Date: 2026-11-30 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'f1a2b3c4d5e6'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('information_request_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attachments_information_request_id_information_requests'),
                                    'information_requests', ['information_request_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_attachments_information_request_id'), ['information_request_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_information_request_id'))
        batch_op.drop_constraint(batch_op.f('fk_attachments_information_request_id_information_requests'),
                                 type_='foreignkey')
        batch_op.drop_column('information_request_id')
