"""reminders, officials' responses and outcomes

A pending signature records when its one reminder went out (signature.reminded_at, with an
index for the worker's search); an official's response is a row of target_response (text, and
the PDF as bytes); a petition has an outcome (none, won, answered, lost) declared when.

Revision ID: 51dfa96a67ad
Revises: 38639765b24d
Create Date: 2026-11-24 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '51dfa96a67ad'
down_revision = '38639765b24d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('target_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('responded_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('pdf_data', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_size', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], name=op.f('fk_target_response_target_id_target'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_response')),
    sa.UniqueConstraint('target_id', 'responded_on', name=op.f('uq_target_response_target_id_responded_on'))
    )
    with op.batch_alter_table('target_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_response_target_id'), ['target_id'], unique=False)

    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.Enum('none', 'won', 'answered', 'lost', name='outcome', native_enum=False, length=16), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_signature_reminder_due', ['petition_id', 'status', 'reminded_at', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_reminder_due')
        batch_op.drop_column('reminded_at')

    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_column('outcome_at')
        batch_op.drop_column('outcome')

    with op.batch_alter_table('target_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_response_target_id'))

    op.drop_table('target_response')
