"""Cache-Control for views: short public caching for what is the same for everyone, none at
all for forms and anything personal; and views that never touch the session, so they set no
cookie whoever asks (an organizer logged in too)."""

from collections.abc import Callable
from functools import wraps

from flask import g, make_response
from flask.sessions import SecureCookieSessionInterface

from app.web.errors import API_PREFIX

PUBLIC_MAX_AGE = 5
PUBLIC_STALE_WHILE_REVALIDATE = 30


def public_cache(
    response,
    max_age: int = PUBLIC_MAX_AGE,
    stale_while_revalidate: int = PUBLIC_STALE_WHILE_REVALIDATE,
):
    response.headers["Cache-Control"] = (
        f"public, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}"
    )
    return response


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def never_cached(view: Callable) -> Callable:
    """For forms and pages reached from a personal link."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return no_store(make_response(view(*args, **kwargs)))

    return wrapper


def stateless(view: Callable) -> Callable:
    """A public view that neither reads nor writes the session: its answer carries no
    Set-Cookie and does not vary on the session cookie, so a cache may share it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.stateless = True
        return view(*args, **kwargs)

    return wrapper


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left unsaved by `stateless` views: a logged-in
    organizer's session would otherwise be refreshed (Set-Cookie) on every page."""

    def open_session(self, app, request):
        # A visitor without a session cookie (most of a crowd) gets an empty session without
        # building the cookie's signer first. The API acts for its token alone: a browser's
        # session there would be read by Flask-Login (through any template rendered, such as
        # an email), whose session protection then clears the remember cookie.
        if request.cookies.get(self.get_cookie_name(app)) is None and app.secret_key:
            return self.session_class()
        if request.path.startswith(API_PREFIX):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if not g.get("stateless"):
            super().save_session(app, session, response)
