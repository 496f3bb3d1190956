"""Was a form sent from a page of ours? Browsers say where a request comes from: `Origin` on
every POST, and `Sec-Fetch-Site` in current ones. A public form has no session to protect,
but it should not be posted by another site's page in a visitor's browser. Clients that send
neither (scripts, old browsers) are left to the form's signed token."""

from urllib.parse import urlsplit

from flask import current_app, request

_OURS = ("same-origin", "none")  # "none": the visitor's own action, such as a bookmark


def _our_hosts() -> set[str]:
    hosts = {request.host.lower()}
    base = current_app.config.get("BASE_URL")
    if base:
        hosts.add(urlsplit(base).netloc.lower())
    return hosts


def sent_from_another_site() -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in _OURS:
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    # "null" (a sandboxed frame, a page from a file) is no origin of ours. Only the host is
    # compared: a proxy in front may end TLS, so the scheme this app sees may not be the
    # browser's.
    return urlsplit(origin).netloc.lower() not in _our_hosts()
