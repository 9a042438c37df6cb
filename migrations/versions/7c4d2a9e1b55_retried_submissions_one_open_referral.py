"""a retried submission finds the first; one open ethics referral per case; recovered mails say so

Revision ID: 7c4d2a9e1b55
Revises: 3f9a1c7d2e80
Create Date: 2026-11-30 07:00:00

Reviewed by hand. Before the unique index, duplicate open referrals of a case (possible until now) are
folded into the oldest one: their reasons are appended to it, so nothing a colleague wrote is lost.
"""
from alembic import op
import sqlalchemy as sa


revision = '7c4d2a9e1b55'
down_revision = '3f9a1c7d2e80'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('idempotency_digest', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(batch.f('uq_submissions_idempotency_digest'), ['idempotency_digest'])
    _fold_duplicate_open_referrals()
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('recovered_note', sa.Text(), nullable=True))
        batch.add_column(sa.Column('confidential', sa.Boolean(), nullable=True))
    op.execute("UPDATE outbox_messages SET confidential = false")
    op.execute("UPDATE outbox_messages SET confidential = true WHERE about IN "
               "(SELECT 'submission:' || id FROM submissions WHERE confidential)")
    with op.batch_alter_table('outbox_messages') as batch:
        batch.alter_column('confidential', nullable=False)
    op.create_index('uq_ethics_referrals_open_case', 'ethics_referrals', ['case_id'], unique=True,
                    postgresql_where=sa.text('ethics_case_id IS NULL'), sqlite_where=sa.text('ethics_case_id IS NULL'))


def downgrade():
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_column('confidential')
        batch.drop_column('recovered_note')
    op.drop_index('uq_ethics_referrals_open_case', table_name='ethics_referrals',
                  postgresql_where=sa.text('ethics_case_id IS NULL'), sqlite_where=sa.text('ethics_case_id IS NULL'))
    with op.batch_alter_table('submissions') as batch:
        batch.drop_constraint(batch.f('uq_submissions_idempotency_digest'), type_='unique')
        batch.drop_column('idempotency_digest')


def _fold_duplicate_open_referrals():
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, case_id, reason FROM ethics_referrals WHERE ethics_case_id IS NULL "
                                "ORDER BY case_id, id")).all()
    kept: dict[int, tuple[int, str]] = {}
    for referral_id, case_id, reason in rows:
        if case_id not in kept:
            kept[case_id] = (referral_id, reason)
            continue
        first_id, text = kept[case_id]
        text = f"{text}\n\n---\n{reason}"
        kept[case_id] = (first_id, text)
        conn.execute(sa.text("UPDATE ethics_referrals SET reason = :reason WHERE id = :id"),
                     {"reason": text, "id": first_id})
        conn.execute(sa.text("DELETE FROM ethics_referrals WHERE id = :id"), {"id": referral_id})
