"""Signing and the links emailed to signers: confirm, resend, withdraw, unsubscribe."""

from flask import Blueprint

bp = Blueprint("signing", __name__)

# The views register on `bp`.
from app.web.signing import routes, unsubscribe  # noqa: E402,F401,I001
