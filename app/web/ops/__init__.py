"""For those who run the site, not its visitors: GET /healthz (the process answers), GET /readyz
(ready to serve: database, migrations, worker) and GET /metrics (Prometheus). None sets a
cookie or may be kept by a cache, and none is rate limited (a probe every second must not be
refused)."""

from flask import Blueprint

from app.extensions import limiter

bp = limiter.exempt(Blueprint("ops", __name__))

# The views register on `bp`.
from app.web.ops import views  # noqa: E402,F401,I001
