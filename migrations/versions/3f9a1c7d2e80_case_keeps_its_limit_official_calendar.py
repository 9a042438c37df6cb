"""a case keeps its limit; due-date events; routing milestone; the official office calendar; whose data a message carries

Revision ID: 3f9a1c7d2e80
Revises: 2532f52fa2a7
Create Date: 2026-11-30 06:30:00

Reviewed by hand: the snapshot columns are filled from each case's class as it is now (the best
knowledge there is of the limit it was classified with), then made NOT NULL.
"""
from alembic import op
import sqlalchemy as sa


revision = '3f9a1c7d2e80'
down_revision = '2532f52fa2a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('limit_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('limit_counts_holidays', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('limit_name_zh', sa.String(length=60), nullable=True))
        batch.add_column(sa.Column('limit_name_en', sa.String(length=60), nullable=True))
        batch.add_column(sa.Column('due_on_provisional', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('routing_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('routing_due_on', sa.Date(), nullable=True))
    for column, source, fallback in (('limit_days', 'days', '30'), ('limit_counts_holidays', 'counts_holidays', 'false'),
                                     ('limit_name_zh', 'name_zh', "''"), ('limit_name_en', 'name_en', "''")):
        op.execute(f"UPDATE cases SET {column} = COALESCE((SELECT t.{source} FROM time_limit_classes t "
                   f"WHERE t.code = cases.limit_class), {fallback})")
    op.execute("UPDATE cases SET due_on_provisional = false")
    with op.batch_alter_table('cases') as batch:
        for column in ('limit_days', 'limit_counts_holidays', 'limit_name_zh', 'limit_name_en', 'due_on_provisional'):
            batch.alter_column(column, nullable=False)

    # Extensions granted so far were counted in working days, whatever the class: they keep that (I3).
    with op.batch_alter_table('extensions') as batch:
        batch.add_column(sa.Column('counts_holidays', sa.Boolean(), nullable=True))
    op.execute("UPDATE extensions SET counts_holidays = false")
    with op.batch_alter_table('extensions') as batch:
        batch.alter_column('counts_holidays', nullable=False)

    with op.batch_alter_table('case_events') as batch:
        batch.add_column(sa.Column('due_before', sa.Date(), nullable=True))
        batch.add_column(sa.Column('due_after', sa.Date(), nullable=True))

    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('about', sa.String(length=40), nullable=True))
        batch.create_index(batch.f('ix_outbox_messages_about'), ['about'], unique=False)
    _mark_whose_data_messages_carry()

    op.create_table('office_calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_office_calendar_years'))
    )
    op.create_table('office_calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working_day', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_office_calendar_days'))
    )


def downgrade():
    op.drop_table('office_calendar_days')
    op.drop_table('office_calendar_years')
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_index(batch.f('ix_outbox_messages_about'))
        batch.drop_column('about')
    with op.batch_alter_table('extensions') as batch:
        batch.drop_column('counts_holidays')
    with op.batch_alter_table('case_events') as batch:
        batch.drop_column('due_after')
        batch.drop_column('due_before')
    with op.batch_alter_table('cases') as batch:
        for column in ('routing_due_on', 'routing_days', 'due_on_provisional', 'limit_name_en', 'limit_name_zh',
                       'limit_counts_holidays', 'limit_days'):
            batch.drop_column(column)


def _mark_whose_data_messages_carry():
    """Messages written before this revision carry no `about`: derive it from their idempotency keys
    (verify:{submission}, receipt:{case}, reply:{case}:…, {notice}:{case}:…, survey…:{invitation}), so that
    retention erases them too; and erase now those of petitioners whose identity was already erased."""
    conn = op.get_bind()
    case_submission = dict(conn.execute(sa.text("SELECT id, submission_id FROM cases")).all())
    invitation_case = dict(conn.execute(sa.text("SELECT id, case_id FROM survey_invitations")).all())
    by_case = ("receipt", "reply", "transfer_notice", "not_handled_notice", "extension_notice")
    updates = []
    for message_id, key in conn.execute(sa.text("SELECT id, idempotency_key FROM outbox_messages")):
        kind, _, rest = key.partition(":")
        number = rest.split(":", 1)[0]
        if not number.isdigit():
            continue
        submission = None
        if kind == "verify":
            submission = int(number)
        elif kind in by_case:
            submission = case_submission.get(int(number))
        elif kind in ("survey", "survey-reminder"):
            submission = case_submission.get(invitation_case.get(int(number)))
        if submission is not None:
            updates.append({"id": message_id, "about": f"submission:{submission}"})
    if updates:
        conn.execute(sa.text("UPDATE outbox_messages SET about = :about WHERE id = :id"), updates)
    erased = [row[0] for row in conn.execute(sa.text(
        "SELECT id FROM submissions WHERE identity_erased_at IS NOT NULL"))]
    for start in range(0, len(erased), 1000):
        chunk = erased[start:start + 1000]
        abouts = [f"submission:{i}" for i in chunk]
        conn.execute(sa.text("UPDATE outbox_messages SET recipient = '', context = '{}', secrets = NULL, "
                             "last_error = NULL WHERE about IN :abouts").bindparams(
                                 sa.bindparam("abouts", expanding=True)), {"abouts": abouts})
        conn.execute(sa.text("UPDATE survey_invitations SET email = '' WHERE case_id IN "
                             "(SELECT id FROM cases WHERE submission_id IN :ids)").bindparams(
                                 sa.bindparam("ids", expanding=True)), {"ids": chunk})
