"""The public pages: the home page and each petition's page."""

from flask import Blueprint

from app.petitions import home_petition
from app.web.errors import render_error
from app.web.petition_page import blank_petition_page

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    petition = home_petition()
    if petition is None:
        return render_error(404)
    return blank_petition_page(petition.slug)


@bp.get("/petitions/<slug:slug>")
def petition(slug: str):
    return blank_petition_page(slug)
