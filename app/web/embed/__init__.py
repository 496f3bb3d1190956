"""The sign form other sites show in a frame: no cookie, no script, framable."""

from flask import Blueprint

bp = Blueprint("embed", __name__)

# The views register on `bp`.
from app.web.embed import routes  # noqa: E402,F401,I001
