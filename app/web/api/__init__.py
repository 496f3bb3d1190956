"""JSON for scripts and the page's live count (this blueprint); the OSDI API is osdi.py's."""

from flask import Blueprint

bp = Blueprint("api", __name__)

# The views register on `bp`.
from app.web.api import routes  # noqa: E402,F401,I001
