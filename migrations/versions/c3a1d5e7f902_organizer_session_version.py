"""organizer session version

Revision ID: c3a1d5e7f902
Revises: 26a9357a1b5a
Create Date: 2026-11-23 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a1d5e7f902'
down_revision = '26a9357a1b5a'
branch_labels = None
depends_on = None


def upgrade():
    # Existing organizers start at version 1; their sessions from before (a plain id) end.
    with op.batch_alter_table('organizer', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), server_default='1', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('organizer', schema=None) as batch_op:
        batch_op.drop_column('session_version')
