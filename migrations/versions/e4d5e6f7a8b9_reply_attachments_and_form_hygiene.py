"""reply attachments and form hygiene: the files a handler attaches to a reply (form hygiene needs no schema change)

Revision ID: e4d5e6f7a8b9
Revises: e3c4d5e6f7a8
Create Date: 2026-11-30 13:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e4d5e6f7a8b9'
down_revision = 'e3c4d5e6f7a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reply_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reply_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_reply_attachments_reply_id_replies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['added_by_id'], ['staff.id'], name=op.f('fk_reply_attachments_added_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_attachments')),
    )
    with op.batch_alter_table('reply_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_attachments_reply_id'), ['reply_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reply_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_attachments_reply_id'))
    op.drop_table('reply_attachments')
