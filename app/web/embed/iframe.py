"""The code organizers paste into another site to show the embedded sign form."""

from flask_babel import gettext as _
from markupsafe import escape

from app.core.urls import absolute_url
from app.models import Petition

# The form fits 400px. On a phone the frame is narrower (max-width: 100% of the host's
# column) and the form taller: measured in chromium with PARS's titles, the blank form is at
# most 1009px high at 368px wide, 1056px at 328 (a 360px phone) and 1101px at 288 (a 320px
# one), in Spanish, the longer language. The height holds that with room for a longer title;
# a form shown again with its errors may scroll inside the frame.
FRAME_WIDTH = 400
FRAME_HEIGHT = 1150


def iframe_code(petition: Petition) -> str:
    """An <iframe> of the petition's embedded form: its absolute address, its size, and a
    title that tells screen readers what the frame holds."""
    url = absolute_url("embed.embed", slug=petition.slug)
    title = _("Sign the petition: %(title)s", title=petition.title)
    return (
        f'<iframe src="{escape(url)}" width="{FRAME_WIDTH}" height="{FRAME_HEIGHT}" '
        f'title="{escape(title)}" style="border: 0; max-width: 100%;" loading="lazy">'
        "</iframe>"
    )
