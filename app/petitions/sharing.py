"""Share links: plain URLs to each network's own share page. No SDK, pixel or script of
theirs ever loads on our pages. Each link tags the petition URL with `?source=`, so the
organizers see where signatures came from."""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.urls import absolute_url, with_query
from app.models import Petition


@dataclass(frozen=True)
class ShareLink:
    network: str
    label: str
    href: str


def canonical_url(petition: Petition) -> str:
    return absolute_url("public.petition", slug=petition.slug)


def tagged_url(petition: Petition, source: str) -> str:
    return with_query(canonical_url(petition), source=source)


# The networks a petition may ask its signers to share on (Petition.share_channel), and how
# it asks: on its page, and after signing. Whole sentences, so each language says it its way.
SHARE_CALLS = {
    "facebook": (_l("Share it on Facebook!"), _l("Now share it on Facebook!")),
    "whatsapp": (_l("Share it on WhatsApp!"), _l("Now share it on WhatsApp!")),
    "x": (_l("Share it on X!"), _l("Now share it on X!")),
    "email": (_l("Share it by email!"), _l("Now share it by email!")),
}
SHARE_CHANNELS = tuple(SHARE_CALLS)
ANYWHERE = (_l("Share it with your friends!"), _l("Now share it with your friends!"))


def share_call(petition: Petition, *, after_signing: bool = False) -> str:
    """What the page (or the page after signing) asks: to share on the petition's network,
    or with friends wherever they are."""
    on_page, after = SHARE_CALLS.get(petition.share_channel or "", ANYWHERE)
    return str(after if after_signing else on_page)


def share_links(petition: Petition) -> list[ShareLink]:
    """Every network's link, the one the petition asks for first."""
    links = _links(petition)
    return sorted(links, key=lambda link: link.network != petition.share_channel)


def _links(petition: Petition) -> list[ShareLink]:
    message = _("Sign the petition: %(title)s", title=petition.title)
    facebook = tagged_url(petition, "facebook")
    x = tagged_url(petition, "x")
    whatsapp = tagged_url(petition, "whatsapp")
    email = tagged_url(petition, "email")
    return [
        ShareLink(
            "facebook",
            _("Share on Facebook"),
            "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": facebook}),
        ),
        ShareLink(
            "x",
            _("Share on X"),
            "https://x.com/intent/post?" + urlencode({"text": message, "url": x}),
        ),
        ShareLink(
            "whatsapp",
            _("Share on WhatsApp"),
            "https://wa.me/?" + urlencode({"text": f"{message} {whatsapp}"}),
        ),
        ShareLink(
            "email",
            _("Share by email"),
            "mailto:?subject=" + quote(petition.title) + "&body=" + quote(f"{message}\n\n{email}"),
        ),
    ]
