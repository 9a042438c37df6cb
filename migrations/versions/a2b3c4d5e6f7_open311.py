"""Open311: the client applications' keys, and the place a submission is about (lat, long, address_string)

Revision ID: a2b3c4d5e6f7
Revises: a1b2c3d4e5f6
Create Date: 2026-11-30 13:50:00

Reviewed by hand. The location columns are nullable: existing submissions said nothing of a place.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a2b3c4d5e6f7'
down_revision = 'a1b2c3d4e5f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'open311_clients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('key_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_clients')),
        sa.UniqueConstraint('key_digest', name=op.f('uq_open311_clients_key_digest')),
    )
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch.add_column(sa.Column('address_string', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('address_string')
        batch.drop_column('longitude')
        batch.drop_column('latitude')
    op.drop_table('open311_clients')
