"""The lists of petitions: the other open ones under the home page's featured petition, and
/petitions (newest first, open or closed, a page at a time, in the reader's language)."""

import re
from datetime import timedelta
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import PetitionTranslation, TargetTranslation
from tests import instants
from tests.factories import make_petition, make_signature

LATER = timedelta(days=1)


def spanish(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-US,es;q=0.9,en;q=0.5"
    return client


def titles_in(html: str) -> list[str]:
    return re.findall(r'class="petition-row-title"><a href="[^"]+" lang="\w+">([^<]+)</a>', html)


def test_the_home_page_lists_the_other_open_petitions_under_the_featured_one(app, client):
    with app.app_context():
        make_petition(title="Featured campaign", featured=True)
        make_petition(
            title="Open elsewhere", featured=False, published_at=instants.OPENS_AT + LATER
        )
        make_petition(title="A draft", featured=False, published_at=None)
        make_petition(title="Closed already", featured=False, closes_at=instants.OPEN - LATER)
        make_petition(title="Opens later", featured=False, opens_at=instants.OPEN + LATER)
    html = client.get("/").get_data(as_text=True)
    assert '<h1 lang="en">Featured campaign</h1>' in html
    assert "More petitions to sign" in html
    assert titles_in(html) == ["Open elsewhere"]
    assert 'href="/petitions/' in html and "See all petitions" in html
    # The petition's own page lists nothing else.
    page = client.get("/petitions/petition-1").get_data(as_text=True)
    assert "More petitions to sign" not in page


def test_the_home_page_of_a_single_petition_is_as_before(app, client):
    with app.app_context():
        make_petition(title="The only one")
    html = client.get("/").get_data(as_text=True)
    assert "More petitions to sign" not in html
    assert "petition-list" not in html


def test_the_list_is_newest_first_and_says_what_each_petition_needs(app, client):
    with app.app_context():
        oldest = make_petition(title="Oldest", published_at=instants.OPENS_AT)
        make_petition(
            title="Closed one",
            published_at=instants.OPENS_AT + LATER,
            closes_at=instants.OPEN - LATER,
        )
        make_petition(
            title="Not yet open",
            published_at=instants.OPENS_AT + 2 * LATER,
            opens_at=instants.OPEN + LATER,
        )
        make_petition(title="Draft", published_at=None)
        for _ in range(3):
            make_signature(oldest)
    response = client.get("/petitions")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert titles_in(html) == ["Not yet open", "Closed one", "Oldest"]
    rows = html.split('class="petition-row"')[1:]
    assert "Not open yet" in rows[0]
    assert "0 signatures" in rows[1] and "Closed" in rows[1]
    assert "3 signatures" in rows[2] and "47 days left" in rows[2]
    assert (
        "To Mayor Michael Nutter, District Attorney Seth Williams, Judge Marsha Neifield" in rows[2]
    )
    assert 'aria-current="page">All petitions' in html


def test_open_and_closed_tabs(app, client, clock):
    with app.app_context():
        make_petition(title="Still open")
        make_petition(title="Long closed", closes_at=instants.OPEN - LATER)
        make_petition(title="Erased", closes_at=instants.OPEN + LATER, purged_at=instants.OPEN)
    open_page = client.get("/petitions?show=open").get_data(as_text=True)
    assert titles_in(open_page) == ["Still open"]
    assert 'aria-current="page">Open petitions' in open_page
    assert set(titles_in(client.get("/petitions?show=closed").get_data(as_text=True))) == {
        "Long closed",
        "Erased",
    }
    clock.move_to(instants.AT_CLOSE)
    assert titles_in(client.get("/petitions?show=open").get_data(as_text=True)) == []
    assert "No petition is open right now." in client.get("/petitions?show=open").get_data(
        as_text=True
    )
    assert client.get("/petitions?show=lost").status_code == 404


def test_pages_of_twenty(app, client):
    with app.app_context():
        for number in range(25):
            make_petition(
                title=f"Campaign {number:02}", published_at=instants.OPENS_AT + number * LATER
            )
    first = client.get("/petitions").get_data(as_text=True)
    assert titles_in(first) == [f"Campaign {n:02}" for n in range(24, 4, -1)]
    assert "Page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/petitions?page=2").get_data(as_text=True)
    assert titles_in(second) == [f"Campaign {n:02}" for n in range(4, -1, -1)]
    assert 'rel="prev"' in second
    assert '<link rel="canonical" href="http://petitions.test/petitions?page=2">' in second
    for bad in ("3", "0", "abc", "-1", "99999999999999999999"):
        assert client.get(f"/petitions?page={bad}").status_code == 404, bad


def test_the_list_in_spanish_uses_the_translations(app, client):
    with app.app_context():
        translated = make_petition(title="Protect Philly")
        translated.translations.append(
            PetitionTranslation(locale="es", title="Protege a Philly", about="Texto.")
        )
        translated.targets[0].translations.append(TargetTranslation(locale="es", title="Alcalde"))
        make_petition(title="Only in English", published_at=instants.OPENS_AT + LATER)
        db.session.commit()
    html = spanish(client).get("/petitions").get_data(as_text=True)
    assert 'lang="es">Protege a Philly</a>' in html
    assert 'lang="en">Only in English</a>' in html
    assert "Alcalde Michael Nutter, District Attorney Seth Williams" in html
    home = client.get("/").get_data(as_text=True)
    assert 'lang="en">Only in English</a>' in home


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(show=st.text(max_size=20), page=st.text(max_size=20))
def test_fuzzed_list_queries_never_cause_a_500(app, client, show, page):
    response = client.get(f"/petitions?show={quote(show)}&page={quote(page)}")
    assert response.status_code in (200, 404), response.status_code


def test_won_petitions_have_a_tab_and_a_mark(app, client):
    from app.models import Outcome
    from app.petitions.outcomes import declare_outcome
    from app.petitions.queries import petition_by_slug

    with app.app_context():
        won = make_petition(title="We won this one").slug
        make_petition(title="Still going")
        declare_outcome(petition_by_slug(won), Outcome.WON)
    html = client.get("/petitions?show=won").get_data(as_text=True)
    assert "We won this one" in html and "Still going" not in html
    assert "Victory!" in html
    everything = client.get("/petitions").get_data(as_text=True)
    assert "We won this one" in everything and "Still going" in everything


SITE_NAV = re.compile(r'<nav class="site-nav"[^>]*>(.*?)</nav>', re.DOTALL)


def test_every_public_page_links_to_the_list_in_its_header(app, client):
    with app.app_context():
        make_petition(title="Featured campaign", featured=True)
    for path in ("/", "/petitions/petition-1", "/petitions", "/petitions?show=closed"):
        html = client.get(path).get_data(as_text=True)
        nav = SITE_NAV.search(html.split("</header>")[0])
        assert nav, f"no site navigation in the header of {path}"
        assert 'href="/petitions"' in nav.group(1) and "All petitions" in nav.group(1), path
        on_the_list = path.split("?")[0] == "/petitions"
        assert ('aria-current="page"' in nav.group(1)) == on_the_list, path
    spanish_page = spanish(app.test_client()).get("/petitions/petition-1").get_data(as_text=True)
    nav = SITE_NAV.search(spanish_page.split("</header>")[0])
    assert nav and "Todas las peticiones" in nav.group(1)
