"""The anti-forgery token of a public form (the sign form): signed, time-limited, and the same
for every visitor.

The public page is cached by browsers, proxies and CDNs and carries no session, so its token
cannot be a visitor's own. It is an HMAC (SECRET_KEY) over the form's scope (the petition) and
the start of the window it was made in, by the application clock: the page's bytes stay the
same through a window, so its ETag holds, and a token is accepted until `max_age` after its
window began. It proves the form came from our page not long ago; the sign view also checks
`Origin` and `Sec-Fetch-Site`, and every signature still has to be confirmed by email.
"""

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from app.core.clock import now
from app.core.links import secret_key

WINDOW_SECONDS = 900


def token_window() -> int:
    """The start of the window tokens are made in now: what a cached page holding one varies
    on."""
    return int(now().timestamp()) // WINDOW_SECONDS * WINDOW_SECONDS


class _WindowSigner(TimestampSigner):
    """Stamps with the start of the current window, so tokens made in it are identical."""

    def get_timestamp(self) -> int:
        return token_window()


def _signer() -> _WindowSigner:
    return _WindowSigner(secret_key(), salt="public-form")


def form_token(scope: str) -> str:
    return _signer().sign(scope).decode()


def check_form_token(token: str | None, scope: str, max_age: int) -> bool:
    """True if `token` was made by us for `scope`, less than `max_age` seconds ago (counted
    from its window's start)."""
    if not token:
        return False
    try:
        return _signer().unsign(token, max_age=max_age).decode() == scope
    except (SignatureExpired, BadSignature, UnicodeError):
        return False
