"""generated files: letters and exports built by the worker, stored in chunks

Revision ID: e5b8c2d4f6a1
Revises: 3c5e8f1a2b7d
Create Date: 2026-12-03 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b8c2d4f6a1'
down_revision = '3c5e8f1a2b7d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('generated_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('actor', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_generated_file_job_id_job'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_generated_file_petition_id_petition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generated_file'))
    )
    with op.batch_alter_table('generated_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generated_file_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_generated_file_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_generated_file_petition_id'), ['petition_id'], unique=False)

    op.create_table('generated_file_chunk',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['generated_file.id'], name=op.f('fk_generated_file_chunk_file_id_generated_file'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('file_id', 'position', name=op.f('pk_generated_file_chunk'))
    )


def downgrade():
    op.drop_table('generated_file_chunk')
    with op.batch_alter_table('generated_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generated_file_petition_id'))
        batch_op.drop_index(batch_op.f('ix_generated_file_job_id'))
        batch_op.drop_index(batch_op.f('ix_generated_file_expires_at'))

    op.drop_table('generated_file')
