"""printable documents: the agency's outgoing document numbers

Revision ID: c3c4d5e6f7a8
Revises: c2b3c4d5e6f7
Create Date: 2026-11-30 10:00:00

Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3c4d5e6f7a8'
down_revision = 'c2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_number_sequences',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_document_number_sequences')),
    )
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_number', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_replies_document_number'), ['document_number'])
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('phone')
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_replies_document_number'), type_='unique')
        batch_op.drop_column('document_number')
    op.drop_table('document_number_sequences')
