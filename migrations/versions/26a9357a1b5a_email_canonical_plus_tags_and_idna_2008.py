"""email_canonical: plus tags folded for more providers, domains in IDNA 2008 form

Recomputes `signature.email_canonical` from `signature.email` with the rule of
app.email_address.canonical_email as of this revision (copied below, so that later changes to
the app do not change what this migration did): `+tags` folded for the providers that document
plus addressing, not only Gmail, and the domain in its IDNA 2008 ASCII form, lower-cased.

Only rows whose value changes are written. A row whose new value would break one of the
unique constraints (petition_id, email_canonical, household_slot) or (petition_id,
email_canonical, name_key), because the same person (or a third member of a household)
already signed under another spelling of the address, keeps its old value: both signatures
stay, as they were counted. Purged rows (email NULL) are skipped. No schema change.

Downgrade does nothing: the old rule reads either value.

Revision ID: 26a9357a1b5a
Revises: 5bf978036190
Create Date: 2026-11-22 15:10:00.000000

"""
from alembic import op
import idna
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '26a9357a1b5a'
down_revision = '5bf978036190'
branch_labels = None
depends_on = None

BATCH = 5000

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
PLUS_ADDRESSING_DOMAINS = {
    "outlook.com", "hotmail.com", "live.com", "msn.com",
    "icloud.com", "me.com", "mac.com",
    "fastmail.com", "fastmail.fm",
    "proton.me", "protonmail.com", "protonmail.ch", "pm.me",
}

signature = sa.table(
    "signature",
    sa.column("id", sa.Integer),
    sa.column("petition_id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("email_canonical", sa.String),
    sa.column("household_slot", sa.SmallInteger),
    sa.column("name_key", sa.String),
)


def canonical_email(address):
    local, _, domain = address.strip().lower().rpartition("@")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii").lower()
        except idna.IDNAError:
            pass  # kept as it is, as the app does
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "") or local
        domain = "gmail.com"
    elif domain in PLUS_ADDRESSING_DOMAINS:
        local = local.split("+", 1)[0] or local
    return f"{local}@{domain}"


def changed_rows(connection):
    """(id, petition_id, new canonical, household_slot, name_key) of the rows that change."""
    changes = []
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(
                signature.c.id,
                signature.c.petition_id,
                signature.c.email,
                signature.c.email_canonical,
                signature.c.household_slot,
                signature.c.name_key,
            )
            .where(signature.c.id > last_id, signature.c.email.is_not(None))
            .order_by(signature.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return changes
        for row in rows:
            new = canonical_email(row.email)
            if new != row.email_canonical:
                changes.append((row.id, row.petition_id, new, row.household_slot, row.name_key))
        last_id = rows[-1].id


def recompute_email_canonical(connection):
    """Rewrite the rows whose canonical address changes; the number written and skipped."""
    written = skipped = 0
    for id_, petition_id, new, household_slot, name_key in changed_rows(connection):
        taken = connection.execute(
            sa.select(signature.c.id)
            .where(
                signature.c.petition_id == petition_id,
                signature.c.email_canonical == new,
                signature.c.id != id_,
                sa.or_(
                    signature.c.household_slot == household_slot,
                    signature.c.name_key == name_key,
                ),
            )
            .limit(1)
        ).first()
        if taken is not None:
            skipped += 1
            continue
        connection.execute(
            signature.update().where(signature.c.id == id_).values(email_canonical=new)
        )
        written += 1
    return written, skipped


def upgrade():
    recompute_email_canonical(op.get_bind())


def downgrade():
    pass
