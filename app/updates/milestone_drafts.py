"""The update a milestone prepares for its petition's signers: a draft ("We reached 1,000
signatures"), in the petition's language and a translation per language the site speaks,
waiting on the updates page for an organizer to edit, publish or email it.

Nothing goes to signers without an organizer's word: the draft is emailed only when they
chose "send an update automatically" for that milestone (PetitionMilestone.auto_send), and
then through the usual sending (app.updates.sending), to the confirmed signers who asked for
updates and nobody else.

Made from the petition.milestone event by the worker (its consumer is wired in
app.cli.consumers); made once per milestone, however often the event is delivered."""

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _

from app.core.clock import now
from app.core.database import rows_matched, write_transaction
from app.extensions import db
from app.models import Petition, PetitionMilestone, Update, UpdateTranslation
from app.models.audit import record_change
from app.petitions.sharing import canonical_url
from app.updates.drafts import ORIGINAL_LOCALE
from app.updates.sending import AlreadySent, SendRefused, request_sending

log = logging.getLogger("app.updates.milestone_drafts")

AUTHOR = "milestone (automatic)"


class _TakenMeanwhile(Exception):
    """Another delivery made this milestone's draft a moment ago."""


def _texts(petition: Petition, count: int) -> tuple[str, str]:
    shown = format_decimal(count)
    title = _("We reached %(count)s signatures!", count=shown)
    body = "\n\n".join(
        [
            _(
                "Thank you: “%(title)s” now has %(count)s signatures, and yours is one of them.",
                title=petition.title,
                count=shown,
            ),
            _(
                "Every signature makes our letter harder to ignore. If you know someone who "
                "would sign, please send them the petition:"
            ),
            canonical_url(petition),
        ]
    )
    return title, body


def prepare_milestone_draft(milestone_id: int) -> int | None:
    """Make the milestone's update draft if it has none, and email it if its organizers chose
    so; the update's id (None: the milestone or its petition is gone, or nothing may go)."""
    milestone = db.session.get(PetitionMilestone, milestone_id)
    if milestone is None or milestone.reached_at is None:
        return None
    petition = db.session.get_one(Petition, milestone.petition_id)
    if petition.purged_at is not None:
        return None  # no signers to tell any more
    update_id = milestone.update_id
    if update_id is None:
        try:
            update_id = _make_draft(petition, milestone)
        except _TakenMeanwhile:
            db.session.expire_all()
            update_id = db.session.get_one(PetitionMilestone, milestone_id).update_id
    if update_id is None:
        return None
    milestone = db.session.get_one(PetitionMilestone, milestone_id)
    update = db.session.get_one(Update, update_id)
    if milestone.auto_send and not update.is_sent:
        try:
            request_sending(petition, update)
        except AlreadySent:
            pass
        except SendRefused as refusal:
            log.warning("milestone %s: its update was not sent: %s", milestone_id, refusal)
    return update_id


def _make_draft(petition: Petition, milestone: PetitionMilestone) -> int:
    milestone_id, count = milestone.id, milestone.count
    with write_transaction() as session:
        with force_locale(ORIGINAL_LOCALE):
            title, body = _texts(petition, count)
        update = Update(
            petition_id=petition.id,
            title=title,
            body=body,
            created_by=AUTHOR,
            created_at=now(),
            recipient_count=0,
        )
        for locale in current_app.config["LANGUAGES"]:
            if locale == ORIGINAL_LOCALE:
                continue
            with force_locale(locale):
                translated = _texts(petition, count)
            if translated != (title, body):  # a language whose catalog says no more: skip
                update.translations.append(
                    UpdateTranslation(locale=locale, title=translated[0], body=translated[1])
                )
        session.add(update)
        session.flush()
        taken = rows_matched(
            session.execute(
                sa.update(PetitionMilestone)
                .where(PetitionMilestone.id == milestone_id, PetitionMilestone.update_id.is_(None))
                .values(update_id=update.id)
                .execution_options(synchronize_session=False)
            )
        )
        if not taken:
            raise _TakenMeanwhile  # rolls the draft back
        record_change(petition, "update drafted", new=title, actor=AUTHOR)
        update_id = update.id
    return update_id
