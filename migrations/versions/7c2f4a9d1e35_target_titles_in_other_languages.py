"""target titles in other languages

Revision ID: 7c2f4a9d1e35
Revises: c4f1a7d9e2b3
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2f4a9d1e35'
down_revision = 'c4f1a7d9e2b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('target_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], name=op.f('fk_target_translation_target_id_target'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_translation')),
    sa.UniqueConstraint('target_id', 'locale', name=op.f('uq_target_translation_target_id_locale'))
    )
    with op.batch_alter_table('target_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_translation_target_id'), ['target_id'], unique=False)


def downgrade():
    with op.batch_alter_table('target_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_translation_target_id'))

    op.drop_table('target_translation')
