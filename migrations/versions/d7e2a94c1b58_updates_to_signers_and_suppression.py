"""updates to signers, their translations, suppressed addresses; outbox headers per message

The outbox learns which update a message belongs to (its progress is counted from there, and
an update reaches a signature at most once) and the headers subscription mail carries
(List-Unsubscribe...), as JSON text. A sender's claim no longer reads every waiting message
(100,000 of an update): its due index covers `claimed_until`, and `claim_token` is indexed.

Revision ID: d7e2a94c1b58
Revises: 51dfa96a67ad
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e2a94c1b58'
down_revision = '51dfa96a67ad'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('petition_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('send_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('send_requested_by', sa.String(length=300), nullable=True),
    sa.Column('send_cursor', sa.Integer(), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('queued_all_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_petition_update_petition_id_petition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_update'))
    )
    with op.batch_alter_table('petition_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_update_petition_id'), ['petition_id'], unique=False)

    op.create_table('petition_update_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['update_id'], ['petition_update.id'], name=op.f('fk_petition_update_translation_update_id_petition_update'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_update_translation')),
    sa.UniqueConstraint('update_id', 'locale', name=op.f('uq_petition_update_translation_update_id_locale'))
    )
    with op.batch_alter_table('petition_update_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_update_translation_update_id'), ['update_id'], unique=False)

    op.create_table('suppression',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Enum('unsubscribed', 'bounced', name='suppressionreason', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_suppression_petition_id_petition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppression')),
    sa.UniqueConstraint('petition_id', 'email_hash', name=op.f('uq_suppression_petition_id_email_hash'))
    )

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('update_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('headers', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_update_id_petition_update'), 'petition_update', ['update_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_message_update_id_signature_id'), ['update_id', 'signature_id'])
        batch_op.drop_index('ix_outbox_message_due')
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at', 'claimed_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_claim_token'), ['claim_token'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_claim_token'))
        batch_op.drop_index('ix_outbox_message_due')
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.drop_constraint(batch_op.f('uq_outbox_message_update_id_signature_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_update_id_petition_update'), type_='foreignkey')
        batch_op.drop_column('headers')
        batch_op.drop_column('update_id')

    op.drop_table('suppression')
    with op.batch_alter_table('petition_update_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_update_translation_update_id'))

    op.drop_table('petition_update_translation')
    with op.batch_alter_table('petition_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_update_petition_id'))

    op.drop_table('petition_update')
