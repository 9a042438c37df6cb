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
        batch.add_column(sa.Column('routing_due_on', sa.Date(), nullable=True))
    for column, source, fallback in (('limit_days', 'days', '30'), ('limit_counts_holidays', 'counts_holidays', 'false'),
                                     ('limit_name_zh', 'name_zh', "''"), ('limit_name_en', 'name_en', "''")):
        op.execute(f"UPDATE cases SET {column} = COALESCE((SELECT t.{source} FROM time_limit_classes t "
                   f"WHERE t.code = cases.limit_class), {fallback})")
    op.execute("UPDATE cases SET due_on_provisional = false")
    with op.batch_alter_table('cases') as batch:
        for column in ('limit_days', 'limit_counts_holidays', 'limit_name_zh', 'limit_name_en', 'due_on_provisional'):
            batch.alter_column(column, nullable=False)

    with op.batch_alter_table('case_events') as batch:
        batch.add_column(sa.Column('due_before', sa.Date(), nullable=True))
        batch.add_column(sa.Column('due_after', sa.Date(), nullable=True))

    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('about', sa.String(length=40), nullable=True))
        batch.create_index(batch.f('ix_outbox_messages_about'), ['about'], unique=False)

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
    with op.batch_alter_table('case_events') as batch:
        batch.drop_column('due_after')
        batch.drop_column('due_before')
    with op.batch_alter_table('cases') as batch:
        for column in ('routing_due_on', 'due_on_provisional', 'limit_name_en', 'limit_name_zh',
                       'limit_counts_holidays', 'limit_days'):
            batch.drop_column(column)
