"""trigram search indexes

Revision ID: c6f1a50112df
Revises: 06b225dbabf5
Create Date: 2026-11-23 20:06:27.594743

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6f1a50112df'
down_revision = '06b225dbabf5'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index('ix_submissions_name_trgm', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
        batch_op.create_index('ix_submissions_subject_trgm', ['subject'], unique=False, postgresql_using='gin', postgresql_ops={'subject': 'gin_trgm_ops'})



def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_subject_trgm', postgresql_using='gin', postgresql_ops={'subject': 'gin_trgm_ops'})
        batch_op.drop_index('ix_submissions_name_trgm', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})

