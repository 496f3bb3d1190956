"""petitions as a platform: zones, residency, drafts, owners, former slugs, images

The residency rule is renamed and may hold several prefixes (resident_zip_prefix ->
resident_zip_prefixes, resident_area -> resident_label); each petition gets its own time zone
(existing ones: America/New_York, where PARS lives); petitions that existed were public, so
they are published as of their creation.

Revision ID: 38639765b24d
Revises: eee63218b32b
Create Date: 2026-11-23 12:05:41.754776

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '38639765b24d'
down_revision = 'eee63218b32b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('former_slug',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_former_slug_petition_id_petition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_former_slug')),
    sa.UniqueConstraint('slug', name=op.f('uq_former_slug_slug'))
    )
    with op.batch_alter_table('former_slug', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_former_slug_petition_id'), ['petition_id'], unique=False)

    op.create_table('petition_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organizer_id'], ['organizer.id'], name=op.f('fk_petition_member_organizer_id_organizer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_petition_member_petition_id_petition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_member')),
    sa.UniqueConstraint('petition_id', 'organizer_id', name=op.f('uq_petition_member_petition_id_organizer_id'))
    )
    with op.batch_alter_table('petition_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_member_organizer_id'), ['organizer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_petition_member_petition_id'), ['petition_id'], unique=False)

    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.alter_column('resident_zip_prefix', new_column_name='resident_zip_prefixes',
                              existing_type=sa.String(length=5), type_=sa.String(length=80),
                              existing_nullable=False)
        batch_op.alter_column('resident_area', new_column_name='resident_label',
                              existing_type=sa.String(length=80), existing_nullable=False)
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default='America/New_York'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('image_filename', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('image_width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('image_height', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_petition_created_by_id_organizer'), 'organizer', ['created_by_id'], ['id'], ondelete='SET NULL')

    op.execute("UPDATE petition SET published_at = created_at WHERE published_at IS NULL")

    with op.batch_alter_table('petition_translation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter_subject', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('letter_body', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('petition_translation', schema=None) as batch_op:
        batch_op.drop_column('letter_body')
        batch_op.drop_column('letter_subject')

    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.alter_column('resident_label', new_column_name='resident_area',
                              existing_type=sa.String(length=80), existing_nullable=False)
        batch_op.alter_column('resident_zip_prefixes', new_column_name='resident_zip_prefix',
                              existing_type=sa.String(length=80), type_=sa.String(length=5),
                              existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_petition_created_by_id_organizer'), type_='foreignkey')
        batch_op.drop_column('image_height')
        batch_op.drop_column('image_width')
        batch_op.drop_column('image_filename')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('published_at')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('petition_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_member_petition_id'))
        batch_op.drop_index(batch_op.f('ix_petition_member_organizer_id'))

    op.drop_table('petition_member')
    with op.batch_alter_table('former_slug', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_former_slug_petition_id'))

    op.drop_table('former_slug')
