"""four eyes: every version of a reply kept

Revision ID: c1a2b3c4d5e6
Revises: b9e3f1a4c6d2
Create Date: 2026-11-30 10:00:00

Reviewed by hand. Every existing reply gets its first version: its text as it stands, by its drafter, when drafted.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c1a2b3c4d5e6'
down_revision = 'b9e3f1a4c6d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reply_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('remedy_notice', sa.Boolean(), nullable=False),
    sa.Column('edited_by_id', sa.Integer(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_id'], ['staff.id'], name=op.f('fk_reply_versions_edited_by_id_staff')),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_reply_versions_reply_id_replies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_versions')),
    sa.UniqueConstraint('reply_id', 'number', name=op.f('uq_reply_versions_reply_id'))
    )
    with op.batch_alter_table('reply_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_versions_reply_id'), ['reply_id'], unique=False)

    # Backfill: one version per existing reply, as it stands.
    op.execute(
        "INSERT INTO reply_versions (reply_id, number, body, language, outcome, remedy_notice, edited_by_id, "
        "edited_at, return_reason) "
        "SELECT id, 1, body, language, outcome, remedy_notice, drafted_by_id, drafted_at, '' FROM replies"
    )


def downgrade():
    with op.batch_alter_table('reply_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_versions_reply_id'))
    op.drop_table('reply_versions')
