"""GET /healthz and /readyz."""

from flask import Response, jsonify

from app.operations.readiness import check_readiness
from app.web.caching import no_store, stateless
from app.web.ops import bp


@bp.get("/healthz")
@stateless
def healthz() -> Response:
    """The process answers; the database is not asked."""
    return no_store(jsonify(status="ok"))


@bp.get("/readyz")
@stateless
def readyz() -> Response:
    """Ready to serve (200) or not (503), and why, as JSON."""
    readiness = check_readiness()
    response = jsonify(readiness.as_json())
    response.status_code = 200 if readiness.ready else 503
    return no_store(response)
