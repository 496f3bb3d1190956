"""petition.page_version: raised by every change a petition's public page shows

The rendered page is cached under this number (and the ETag follows the bytes), so a change
made by any process, the worker's or another web server's, is seen at the next request.

Revision ID: 3c5e8f1a2b7d
Revises: d7e2a94c1b58
Create Date: 2026-12-03 22:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3c5e8f1a2b7d"
down_revision = "d7e2a94c1b58"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("petition", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("page_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("petition", schema=None) as batch_op:
        batch_op.drop_column("page_version")
