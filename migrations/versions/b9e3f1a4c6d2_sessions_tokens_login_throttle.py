"""session generation per account; API tokens expire and have a name; failed logins per account and address

Revision ID: b9e3f1a4c6d2
Revises: 7c4d2a9e1b55
Create Date: 2026-12-01 09:00:00

Reviewed by hand. Tokens issued before this revision had no expiry: they are given one 90 days (the default
API_TOKEN_DAYS) after the upgrade, so integrations keep working while their owners replace them. The
account-wide lock-out columns (staff.failed_logins, staff.locked_until) give way to the login_failures
table; a lock in force at the upgrade is not carried over. Every session open at the upgrade carries no
generation stamp and ends: staff log in once more.
"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


revision = 'b9e3f1a4c6d2'
down_revision = '7c4d2a9e1b55'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('session_generation', sa.Integer(), server_default=sa.text('0'),
                                   nullable=False))
        batch.drop_column('locked_until')
        batch.drop_column('failed_logins')

    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('name', sa.String(length=100), nullable=True))
    # Bound as the column's type, so each database stores it as the application does (UTC).
    op.get_bind().execute(
        sa.text("UPDATE api_tokens SET expires_at = :expires").bindparams(
            sa.bindparam("expires", type_=sa.DateTime(timezone=True))),
        {"expires": datetime.now(UTC) + timedelta(days=90)})
    with op.batch_alter_table('api_tokens') as batch:
        batch.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_digest', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures') as batch:
        batch.create_index('ix_login_failures_account_client', ['account_digest', 'client', 'failed_at'],
                           unique=False)
        batch.create_index(batch.f('ix_login_failures_failed_at'), ['failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failures') as batch:
        batch.drop_index(batch.f('ix_login_failures_failed_at'))
        batch.drop_index('ix_login_failures_account_client')
    op.drop_table('login_failures')

    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('name')
        batch.drop_column('expires_at')

    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('failed_logins', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE staff SET failed_logins = 0")
    with op.batch_alter_table('staff') as batch:
        batch.alter_column('failed_logins', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('session_generation')
