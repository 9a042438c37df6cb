"""SMS notices: the petitioner's choice and E.164 mobile number; the outbox's channel is 'email' or 'sms'

Revision ID: e2b3c4d5e6f7
Revises: e1a2b3c4d5e6
Create Date: 2026-11-30 13:05:00

Reviewed by hand. Existing petitioners did not ask for SMS (false, no number); every existing outbox row is mail
(the channel column existed with 'email' as its only value), so the new check holds for them.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e2b3c4d5e6f7'
down_revision = 'e1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('petitioner_identities') as batch:
        batch.add_column(sa.Column('sms_notices', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('sms_phone', sa.String(length=16), server_default='', nullable=False))
    with op.batch_alter_table('outbox_messages') as batch:
        batch.create_check_constraint(op.f('ck_outbox_messages_channel_known'), "channel IN ('email', 'sms')")


def downgrade():
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_constraint(op.f('ck_outbox_messages_channel_known'), type_='check')
    with op.batch_alter_table('petitioner_identities') as batch:
        batch.drop_column('sms_phone')
        batch.drop_column('sms_notices')
