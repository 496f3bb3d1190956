"""emails name their sender and take replies; a petition's contact address and share channel

Outbox messages carry the name on their From line (the petition's organizer) and a Reply-To
(a letter to an official: the organizers' contact address). A petition keeps that contact
address, and the network its signers are asked to share on after signing: PARS's page has
always asked for Facebook, so the PARS petition gets "facebook".

Revision ID: a7c3e9f1b2d4
Revises: 880d1eedf257
Create Date: 2026-12-07 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b2d4'
down_revision = '880d1eedf257'
branch_labels = None
depends_on = None

PARS_SLUG = "end-the-pars-contract"


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('share_channel', sa.String(length=16), nullable=True))
    petition = sa.table('petition', sa.column('slug', sa.String), sa.column('share_channel', sa.String))
    op.execute(
        petition.update().where(petition.c.slug == PARS_SLUG).values(share_channel="facebook")
    )


def downgrade():
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_column('share_channel')
        batch_op.drop_column('contact_email')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
        batch_op.drop_column('sender_name')
