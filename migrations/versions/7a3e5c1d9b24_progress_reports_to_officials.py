"""progress reports to officials: each target's frequency, and a delivery's kind

A target gets a report never (the default), weekly or at the petition's milestones; a
report is recorded as a delivery of kind "report" beside the letters.

Revision ID: 7a3e5c1d9b24
Revises: 049859d439e9
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3e5c1d9b24'
down_revision = '049859d439e9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_frequency', sa.Enum('never', 'weekly', 'milestones', name='reportfrequency', native_enum=False, create_constraint=False, length=16), server_default='never', nullable=False))
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('letter', 'report', name='deliverykind', native_enum=False, create_constraint=False, length=16), server_default='letter', nullable=False))


def downgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_column('report_frequency')
