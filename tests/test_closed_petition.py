"""A closed petition, for signers and organizers: when it closed, in Philadelphia time, and its
final count, never a near-empty bar toward a goal nobody can reach any more."""

import re

import pytest

from tests import instants
from tests.conftest import log_in
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition, make_signature

CLOSED_ON = {"en": "Closed on August 31, 2027.", "es": "Cerró el 31 de agosto de 2027."}
LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        petition = make_petition(goal=100)
        for _ in range(3):
            make_signature(petition)
        return petition.slug


def page(client, slug: str, language: str = "en") -> str:
    return client.get(f"/petitions/{slug}", headers={"Accept-Language": language}).text


def progress_bars(html: str) -> list[str]:
    return re.findall(r"<progress[^>]*>", html)


@LANGUAGES
@pytest.mark.parametrize(
    "instant",
    [instants.AT_CLOSE, instants.IN_GRACE, instants.AFTER_GRACE],
    ids=["at-close", "in-grace", "after-grace"],
)
def test_the_closed_page_says_when_it_closed_and_shows_no_empty_bar(
    client, clock, slug, language, instant
):
    clock.move_to(instant)
    html = page(client, slug, language)
    assert CLOSED_ON[language] in html
    assert progress_bars(html) == [], "3 of 100 is a bar nobody can fill any more"
    assert '<strong class="count-number" data-count>3</strong>' in html
    assert ("3 people signed this petition." if language == "en" else "3 personas firmaron") in html


@LANGUAGES
def test_the_open_page_a_second_before_closing_still_shows_its_goal(client, clock, slug, language):
    clock.move_to(instants.SECOND_BEFORE_CLOSE)
    html = page(client, slug, language)
    assert CLOSED_ON[language] not in html
    (bar,) = progress_bars(html)
    assert 'max="100" value="3"' in bar and "data-progress" in bar


@pytest.mark.parametrize(
    ("goal", "signers", "reached"),
    [(2, 3, "Goal of 2 signatures reached."), (1, 1, "Goal of 1 signature reached.")],
)
def test_a_closed_petition_that_reached_its_goal_shows_a_full_bar(
    app, client, clock, goal, signers, reached
):
    with app.app_context():
        petition = make_petition(goal=goal)
        for _ in range(signers):
            make_signature(petition)
        slug = petition.slug
    clock.move_to(instants.AFTER_GRACE)
    html = page(client, slug)
    (bar,) = progress_bars(html)
    assert f'max="{signers}" value="{signers}"' in bar
    assert "data-progress" not in bar, "the script must not shrink it toward a next step"
    assert reached in html


def test_before_opening_the_page_says_when_it_opens(client, clock, slug):
    clock.move_to(instants.BEFORE_OPEN)
    html = page(client, slug)
    assert "This petition opens on June 1, 2027" in html
    assert "Closed on" not in html and "Petition Closed" not in html


# --- the organizers' dashboard -------------------------------------------------------------


def dashboard(app, client, clock, slug: str, instant, language: str) -> str:
    clock.move_to(instant)  # before logging in: sessions last 12 hours
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    log_in(client, "admin@example.org", ORGANIZER_PASSWORD)
    client.get(f"/language/{language}?next=/organizer/")
    return client.get(f"/organizer/petitions/{slug}").text


# The Spanish sentences are checked by their parts until the new wording ("%(zone)s") is
# translated: the date, the time and the zone's name, all in Spanish.
@pytest.mark.parametrize(
    ("language", "closed"),
    [
        ("en", ["Closed on August 31, 2027 at 11:59\u202fPM, Eastern Time."]),
        ("es", ["31 de agosto de 2027", "23:59", "hora oriental"]),
    ],
)
def test_the_dashboard_after_closing_says_closed_on(app, client, clock, slug, language, closed):
    html = dashboard(app, client, clock, slug, instants.AT_CLOSE, language)
    for part in closed:
        assert part in html, part
    for gone in ("Closes on", "Time left", "left", "Cierra el", "Tiempo restante", "Queda"):
        assert gone not in html, gone


@pytest.mark.parametrize(
    ("language", "left", "closes"),
    [
        ("en", "47 days left", ["Closes on August 31, 2027 at 11:59\u202fPM, Eastern Time."]),
        ("es", "Quedan 47 días", ["31 de agosto de 2027", "23:59", "hora oriental"]),
    ],
)
def test_the_open_dashboard_says_the_time_left_once(
    app, client, clock, slug, language, left, closes
):
    html = dashboard(app, client, clock, slug, instants.OPEN, language)
    assert left in html and all(part in html for part in closes)
    assert "Time left" not in html and "Tiempo restante" not in html
    assert html.count("left") == 1 if language == "en" else html.count("Quedan") == 1


def test_the_dashboard_before_opening_does_not_say_closed(app, client, clock, slug):
    html = dashboard(app, client, clock, slug, instants.BEFORE_OPEN, "en")
    assert "Not open yet" in html
    assert "Closes on August 31, 2027" in html
    assert "<dd>Closed</dd>" not in html and "Closed on" not in html
