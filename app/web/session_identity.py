"""What ties an organizer's login session to the browser that opened it, for Flask-Login's
"strong" session protection: a session shown from elsewhere is emptied."""

from hashlib import sha512

from flask import request


def session_identifier() -> str:
    """A digest of the visitor's address and User-Agent.

    The address is `request.remote_addr`, the one the rest of the app uses: ProxyFix sets it
    from X-Forwarded-For only when PROXY_COUNT proxies are trusted to write that header.
    Flask-Login's own identifier reads X-Forwarded-For whoever sent it, so a thief could
    replay a stolen cookie with the victim's address in that header.
    """
    user_agent = request.headers.get("User-Agent", "")
    base = f"{request.remote_addr}|{user_agent}"
    return sha512(base.encode("utf-8", "backslashreplace")).hexdigest()
