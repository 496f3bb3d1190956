"""background jobs: the job table

Revision ID: c4f1a7d9e2b3
Revises: c3a1d5e7f902
Create Date: 2026-11-23 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1a7d9e2b3'
down_revision = 'c3a1d5e7f902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus', native_enum=False, length=16), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=300), nullable=False),
    sa.Column('exclusive_key', sa.String(length=80), nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('progress_label', sa.String(length=200), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_job_petition_id_petition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('exclusive_key', name=op.f('uq_job_exclusive_key'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_due', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_petition_id'), ['petition_id'], unique=False)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_petition_id'))
        batch_op.drop_index('ix_job_due')

    op.drop_table('job')
