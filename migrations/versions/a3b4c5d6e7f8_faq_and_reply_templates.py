"""FAQ entries and versions, reply templates, reply-quality overrides (issue 14, delivers 4 and 5)

Reply templates (常見問答集 for staff): per unit (none: agency-wide) and category, a Chinese and an English text.
The reply-quality overrides are timeline events (case_events.detail): no table of their own.

Revision ID: a3b4c5d6e7f8
Revises: a2b3c4d5e6f7
Create Date: 2026-11-30 13:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'a3b4c5d6e7f8'
down_revision = 'a2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reply_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('category', sa.String(length=60), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body_zh', sa.Text(), nullable=False),
        sa.Column('body_en', sa.Text(), nullable=False),
        sa.Column('remedy_notice', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_reply_templates_unit_id_units')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name=op.f('fk_reply_templates_updated_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates')),
    )
    op.create_index(op.f('ix_reply_templates_unit_id'), 'reply_templates', ['unit_id'])

    # The public FAQ (業務問與答): the entry as published now, every save a version, the suggestions' daily count.
    op.create_table(
        'faq_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=60), nullable=False),
        sa.Column('question_zh', sa.String(length=300), nullable=False),
        sa.Column('answer_zh', sa.Text(), nullable=False),
        sa.Column('question_en', sa.String(length=300), nullable=False),
        sa.Column('answer_en', sa.Text(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entries')),
    )
    op.create_index('ix_faq_entries_published_category', 'faq_entries', ['published', 'category'])
    # Search with ILIKE '%term%': trigram GIN indexes on PostgreSQL (pg_trgm: migration c6f1a50112df); plain
    # indexes on SQLite, which ignores the options.
    for column in ('question_zh', 'answer_zh', 'question_en', 'answer_en'):
        op.create_index(f'ix_faq_entries_{column}_trgm', 'faq_entries', [column], postgresql_using='gin',
                        postgresql_ops={column: 'gin_trgm_ops'})
    op.create_table(
        'faq_entry_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=60), nullable=False),
        sa.Column('question_zh', sa.String(length=300), nullable=False),
        sa.Column('answer_zh', sa.Text(), nullable=False),
        sa.Column('question_en', sa.String(length=300), nullable=False),
        sa.Column('answer_en', sa.Text(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False),
        sa.Column('edited_by_id', sa.Integer(), nullable=False),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_entry_versions_entry_id_faq_entries')),
        sa.ForeignKeyConstraint(['edited_by_id'], ['staff.id'], name=op.f('fk_faq_entry_versions_edited_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entry_versions')),
        sa.UniqueConstraint('entry_id', 'number', name=op.f('uq_faq_entry_versions_entry_id')),
    )
    op.create_index(op.f('ix_faq_entry_versions_entry_id'), 'faq_entry_versions', ['entry_id'])
    op.create_table(
        'faq_suggestion_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('shown', sa.Integer(), nullable=False),
        sa.Column('stopped', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_faq_suggestion_days')),
    )


def downgrade():
    op.drop_table('faq_suggestion_days')
    op.drop_index(op.f('ix_faq_entry_versions_entry_id'), table_name='faq_entry_versions')
    op.drop_table('faq_entry_versions')
    for column in ('question_zh', 'answer_zh', 'question_en', 'answer_en'):
        op.drop_index(f'ix_faq_entries_{column}_trgm', table_name='faq_entries')
    op.drop_index('ix_faq_entries_published_category', table_name='faq_entries')
    op.drop_table('faq_entries')
    op.drop_index(op.f('ix_reply_templates_unit_id'), table_name='reply_templates')
    op.drop_table('reply_templates')
