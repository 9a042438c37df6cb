"""awaiting information: the stopped clock (補陳, issue 13 deliver 3): the state awaiting_information and the
requests for information, each with its question, reply-by date, answer and paused working days

Revision ID: e1a2b3c4d5e6
Revises: d1e2f3a4b5c6
Create Date: 2026-11-30 13:05:00

Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e1a2b3c4d5e6'
down_revision = 'd1e2f3a4b5c6'
branch_labels = None
depends_on = None

STATES_BEFORE = ("'registered', 'routed', 'in_progress', 'awaiting_approval', 'closed', 'transferred', "
                 "'not_handled'")
STATES_AFTER = ("'registered', 'routed', 'in_progress', 'awaiting_approval', 'awaiting_information', 'closed', "
                "'transferred', 'not_handled'")


def _states(allowed: str) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode copies the table with the new one.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cases_state_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cases_state_known'), f"state IN ({allowed})")


def upgrade():
    _states(STATES_AFTER)
    op.create_table(
        'information_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('asked_by_id', sa.Integer(), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('asked_on', sa.Date(), nullable=False),
        sa.Column('reply_by', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_on', sa.Date(), nullable=True),
        sa.Column('paused_days', sa.Integer(), nullable=True),
        sa.Column('due_before', sa.Date(), nullable=True),
        sa.Column('due_after', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_information_requests_case_id_cases')),
        sa.ForeignKeyConstraint(['asked_by_id'], ['staff.id'],
                                name=op.f('fk_information_requests_asked_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_information_requests')),
    )
    op.create_index(op.f('ix_information_requests_case_id'), 'information_requests', ['case_id'])
    # One open question per case.
    op.create_index('uq_information_requests_open_case', 'information_requests', ['case_id'], unique=True,
                    postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))


def downgrade():
    op.drop_index('uq_information_requests_open_case', table_name='information_requests')
    op.drop_index(op.f('ix_information_requests_case_id'), table_name='information_requests')
    op.drop_table('information_requests')
    # A case still awaiting information goes back to being handled: the old constraint knows no other state.
    op.execute("UPDATE cases SET state = 'in_progress' WHERE state = 'awaiting_information'")
    _states(STATES_BEFORE)
