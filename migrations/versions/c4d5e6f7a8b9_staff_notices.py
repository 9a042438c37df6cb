"""staff notifications: what reached whom, read or not; each person's choice of immediate mail or a daily digest

Revision ID: c4d5e6f7a8b9
Revises: c3c4d5e6f7a8
Create Date: 2026-11-30 10:00:00

Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c4d5e6f7a8b9'
down_revision = 'c3c4d5e6f7a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_notices_staff_id_staff'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_staff_notices_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notices')),
        sa.UniqueConstraint('key', name=op.f('uq_staff_notices_key')),
    )
    op.create_index('ix_staff_notices_staff_read', 'staff_notices', ['staff_id', 'read_at'])
    op.create_index(op.f('ix_staff_notices_case_id'), 'staff_notices', ['case_id'])
    op.create_index('ix_staff_notices_held', 'staff_notices', ['staff_id'],
                    postgresql_where=sa.text('mailed_at IS NULL'), sqlite_where=sa.text('mailed_at IS NULL'))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_delivery', sa.String(length=10), server_default='immediate',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('notice_delivery')
    op.drop_index('ix_staff_notices_held', table_name='staff_notices')
    op.drop_index(op.f('ix_staff_notices_case_id'), table_name='staff_notices')
    op.drop_index('ix_staff_notices_staff_read', table_name='staff_notices')
    op.drop_table('staff_notices')
