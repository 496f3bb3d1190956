"""The deadline at named instants: before open, open, a second before close, at close, inside
and after the 24-hour grace for confirming."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Signature
from app.petitions import deadlines
from app.petitions.queries import petition_by_slug
from tests import instants
from tests.conftest import (
    deliver_mail,
    form_token_from,
    links_in,
    path_of,
    press_button,
    sign,
)
from tests.factories import make_petition, make_signature
from tests.smtp_sink import text_of


def count_of(client, slug):
    return client.get(f"/petitions/{slug}.json").json


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (instants.BEFORE_OPEN, False),
        (instants.OPENS_AT, True),
        (instants.OPEN, True),
        (instants.SECOND_BEFORE_CLOSE, True),
        (instants.AT_CLOSE, False),
        (instants.IN_GRACE, False),
    ],
)
def test_is_open_at_named_instants(app, instant, expected):
    with app.app_context():
        petition = make_petition()
        assert deadlines.is_open(petition, at=instant) is expected


def test_signing_a_second_before_close_is_accepted(app, client, slug, clock):
    clock.move_to(instants.SECOND_BEFORE_CLOSE)
    page = client.get(f"/petitions/{slug}")
    assert 'action="/petitions/' in page.get_data(as_text=True)
    clock.move_to(instants.SECOND_BEFORE_CLOSE)
    assert sign(client, slug).status_code == 303


def test_at_close_the_form_is_gone_and_signing_is_refused(app, client, slug, clock):
    page_before = client.get(f"/petitions/{slug}")
    token_html = page_before.get_data(as_text=True)
    clock.move_to(instants.AT_CLOSE)
    page = client.get(f"/petitions/{slug}")
    html = page.get_data(as_text=True)
    assert "Petition Closed" in html
    assert "<form" not in html
    assert count_of(client, slug)["is_open"] is False

    refused = sign(client, slug, form_token=form_token_from(token_html))
    assert refused.status_code == 403
    assert "no longer takes signatures" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_before_opening_there_is_no_form(app, client, slug, clock):
    clock.move_to(instants.BEFORE_OPEN)
    html = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert "opens on" in html
    assert "<form" not in html
    assert "Petition Closed" not in html


def _signed_and_emailed(app, client, smtp, slug) -> str:
    sign(client, slug)
    deliver_mail(app)
    return links_in(text_of(smtp.wait_for(1)[0]), "confirm")[0]


def test_confirmation_inside_the_grace_period_counts(app, client, smtp, slug, clock):
    clock.move_to(instants.SECOND_BEFORE_CLOSE)
    link = _signed_and_emailed(app, client, smtp, slug)
    clock.move_to(instants.IN_GRACE)
    response = press_button(client, link)
    assert response.status_code == 303
    assert count_of(client, slug)["signature_count"] == 1


def test_confirmation_after_the_grace_period_is_too_late(app, client, smtp, slug, clock):
    link = _signed_and_emailed(app, client, smtp, slug)
    clock.move_to(instants.AFTER_GRACE)
    page = client.get(path_of(link))
    assert page.status_code == 410
    assert "closed before this signature was confirmed" in page.get_data(as_text=True)
    assert count_of(client, slug)["signature_count"] == 0


def test_closed_page_shows_the_final_count(app, client, slug, clock):
    with app.app_context():
        petition = petition_by_slug(slug)
        for _ in range(3):
            make_signature(petition)
    clock.move_to(instants.AFTER_GRACE)
    response = client.get(f"/petitions/{slug}")
    html = response.get_data(as_text=True)
    assert "Petition Closed" in html
    assert "3 people signed this petition" in html
    assert "public" in response.headers["Cache-Control"]


def test_time_left_is_shown_in_the_petitions_time(app, client, slug, clock):
    clock.move_to(instants.OPEN)
    html = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert "47 days left" in html
    assert "Closes on August 31, 2027 at 11:59\u202fPM, Eastern Time." in html
    clock.move_to(instants.CLOSES_AT - timedelta(hours=5, minutes=30))
    assert "5 hours left" in client.get(f"/petitions/{slug}").get_data(as_text=True)
