"""The public pages: the home page, a petition's page and lists, its share image and pictures,
the language switch."""

from flask import Blueprint

bp = Blueprint("public", __name__)

# The views register on `bp`.
from app.web.public import images, routes  # noqa: E402,F401,I001
