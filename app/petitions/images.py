"""A petition's picture, and the share image drawn for it in each language.

The picture is re-encoded from its pixels (`app.core.images`) and stored under UPLOAD_FOLDER
named by its content hash: a name is never reused for other content, so it may be cached for
ever. The share image is drawn from what a link preview shows (the title in the reader's
language, the officials, the organizer, the picture) and kept on disk under a hash of those:
an edit draws a new one, nothing else does.
"""

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from app.core.clock import now
from app.core.database import write_transaction
from app.core.images import StoredImage, draw_share_image, reencode_upload
from app.extensions import db
from app.models import Organizer, Petition
from app.models.audit import record_change
from app.petitions.deadlines import has_closed
from app.petitions.translations import petition_text, target_names

STORED_NAME = re.compile(r"[0-9a-f]{20}\.jpg")  # StoredImage.filename
SHARE_FOLDER = "share"
# Part of every share image's key: change it when the drawing changes, to redraw them all.
SHARE_DRAWING_VERSION = "1"


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def stored_image_path(filename: str) -> Path | None:
    """Where a stored picture lives, or None for a name that cannot be one of ours."""
    if not STORED_NAME.fullmatch(filename):
        return None
    return upload_folder() / filename


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_if_unused(filename: str) -> None:
    """Delete a stored picture no petition shows any more (two may share one file)."""
    path = stored_image_path(filename)
    if path is None:
        return
    users = db.session.scalar(
        sa.select(sa.func.count()).select_from(Petition).where(Petition.image_filename == filename)
    )
    if not users:
        path.unlink(missing_ok=True)


def _actor(actor: Organizer | None) -> str | None:
    return actor.email if actor is not None else None


def set_petition_image(
    petition: Petition, data: bytes, actor: Organizer | None = None
) -> StoredImage:
    """Give the petition this picture (an uploaded file's bytes), replacing any it had.

    Raises ImageRefused, with the reason for the organizer, before changing anything."""
    stored = reencode_upload(data)
    _write_atomically(upload_folder() / stored.filename, stored.data)
    with write_transaction():
        previous = petition.image_filename
        if previous != stored.filename:
            record_change(petition, "image", previous, stored.filename, actor=_actor(actor))
            petition.image_filename = stored.filename
            petition.image_width = stored.width
            petition.image_height = stored.height
            petition.updated_at = now()
    if previous and previous != stored.filename:
        _remove_if_unused(previous)
    return stored


def remove_petition_image(petition: Petition, actor: Organizer | None = None) -> bool:
    """Take the petition's picture away; False if it had none."""
    with write_transaction():
        previous = petition.image_filename
        if previous is None:
            return False
        record_change(petition, "image", previous, None, actor=_actor(actor))
        petition.image_filename = None
        petition.image_width = None
        petition.image_height = None
        petition.updated_at = now()
    _remove_if_unused(previous)
    return True


# --- the share image ------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareImage:
    """What a petition's share image shows to readers of one language."""

    petition_id: int
    locale: str
    title: str
    kicker: str
    addressed_to: str
    call_to_action: str
    organizer: str
    picture: str | None  # the stored picture's file name

    @property
    def key(self) -> str:
        """A hash of everything drawn: it names the cached file and is its ETag."""
        described = json.dumps([SHARE_DRAWING_VERSION, asdict(self)], sort_keys=True)
        return hashlib.sha256(described.encode()).hexdigest()[:20]

    @property
    def filename(self) -> str:
        return f"{self.petition_id}-{self.locale}-{self.key}.png"


def _addressed_to(names: list[str]) -> str:
    """'To Mayor Michael Nutter and 2 others'."""
    if not names:
        return ""
    text: str  # flask_babel has no type hints
    if len(names) == 1:
        text = _("To %(first)s", first=names[0])
        return text
    others = len(names) - 1
    text = ngettext(
        "To %(first)s and %(num)d other", "To %(first)s and %(num)d others", others, first=names[0]
    )
    return text


def share_image_for(petition: Petition, locale: str) -> ShareImage:
    picture = petition.image_filename
    if picture is not None:
        path = stored_image_path(picture)
        picture = picture if path is not None and path.is_file() else None
    with force_locale(locale):
        closed = has_closed(petition)
        return ShareImage(
            petition_id=petition.id,
            locale=locale,
            title=petition_text(petition, locale).title,
            kicker=_("Petition"),
            addressed_to=_addressed_to(target_names(petition, locale)),
            call_to_action=_("Petition Closed") if closed else _("Sign this petition"),
            organizer=petition.organizer_name,
            picture=picture,
        )


def share_image_png(image: ShareImage) -> bytes:
    """The PNG, drawn once per key and then read from disk. Older drawings of the same
    petition and language are removed when a new one is made."""
    folder = upload_folder() / SHARE_FOLDER
    path = folder / image.filename
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    picture_path = stored_image_path(image.picture) if image.picture else None
    try:
        picture = picture_path.read_bytes() if picture_path else None
    except FileNotFoundError:  # removed since: drawn without, redrawn when the key changes
        picture = None
    png = draw_share_image(
        title=image.title,
        kicker=image.kicker,
        addressed_to=image.addressed_to,
        call_to_action=image.call_to_action,
        organizer=image.organizer,
        picture=picture,
    )
    _write_atomically(path, png)
    for older in folder.glob(f"{image.petition_id}-{image.locale}-*.png"):
        if older.name != image.filename:
            older.unlink(missing_ok=True)
    return png
