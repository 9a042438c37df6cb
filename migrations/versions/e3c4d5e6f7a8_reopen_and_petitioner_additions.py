"""reopen and petitioner additions (issue 13, delivers 4 and 6): a case reopened from an earlier one, links the
petitioner made (no member of staff), and what the petitioner added to an open case with its attachments

Revision ID: e3c4d5e6f7a8
Revises: e2b3c4d5e6f7
Create Date: 2026-11-30 13:05:00

Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e3c4d5e6f7a8'
down_revision = 'e2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopened_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_reopened_from_id_cases'), 'cases', ['reopened_from_id'],
                                    ['id'])
        batch_op.create_index(batch_op.f('ix_cases_reopened_from_id'), ['reopened_from_id'], unique=False)
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.alter_column('by_id', existing_type=sa.Integer(), nullable=True)
    op.create_table(
        'petitioner_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('idempotency_digest', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_petitioner_messages_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_petitioner_messages')),
        sa.UniqueConstraint('idempotency_digest', name=op.f('uq_petitioner_messages_idempotency_digest')),
    )
    op.create_index(op.f('ix_petitioner_messages_case_id'), 'petitioner_messages', ['case_id'])
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('petitioner_message_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attachments_petitioner_message_id_petitioner_messages'),
                                    'petitioner_messages', ['petitioner_message_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_attachments_petitioner_message_id'), ['petitioner_message_id'],
                              unique=False)


def downgrade():
    # The petitioner's later files go with the messages they belong to.
    op.execute("DELETE FROM attachments WHERE petitioner_message_id IS NOT NULL")
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_petitioner_message_id'))
        batch_op.drop_constraint(batch_op.f('fk_attachments_petitioner_message_id_petitioner_messages'),
                                 type_='foreignkey')
        batch_op.drop_column('petitioner_message_id')
    op.drop_index(op.f('ix_petitioner_messages_case_id'), table_name='petitioner_messages')
    op.drop_table('petitioner_messages')
    # Links the petitioner made have no member of staff: they go with the column's NOT NULL.
    op.execute("DELETE FROM case_links WHERE by_id IS NULL")
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.alter_column('by_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_reopened_from_id'))
        batch_op.drop_constraint(batch_op.f('fk_cases_reopened_from_id_cases'), type_='foreignkey')
        batch_op.drop_column('reopened_from_id')
