"""The review page (/organizer/petitions/<slug>/review) through the organizer's own client:
clusters made by signing through the real form behind one proxy (PROXY_COUNT=1, the
client's address in X-Forwarded-For), small thresholds so a few signatures make one;
invalidating, restoring, holding and releasing from the page's own forms."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Hold,
    Invalidation,
    NameDisplay,
    OutboxMessage,
    Petition,
    PetitionChange,
    Signature,
    SignatureStatus,
)
from app.signatures.signing import confirm_signature
from app.signatures.stats import dashboard as dashboard_figures
from tests import instants
from tests.conftest import csrf_token_from, deliver_mail, log_in, sign
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition, make_signature

ATTACKER = "185.220.101"  # one /24: one network
HOUSEHOLD = "92.40.7"


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "PROXY_COUNT": 1,
        "REVIEW_NETWORK_MIN": 3,
        "NETWORK_ALLOWANCE_BURST": "2 per 10 minutes",
        "REVIEW_DISPOSABLE_MIN": 3,
        "REVIEW_SAME_TEXT_MIN": 3,
        "REVIEW_FAST_CONFIRM_MIN": 3,
        "REVIEW_BURST_MIN": 3,
    }


def sign_from(app, slug: str, address: str, email: str, **fields) -> None:
    signer = app.test_client()  # a visitor of their own, not the organizer
    signer.environ_base["HTTP_X_FORWARDED_FOR"] = address
    response = sign(signer, slug, email=email, **fields)
    assert response.status_code == 303, response.status_code


@pytest.fixture
def attacked(app, clock) -> str:
    """A petition with four signatures from one network (the last two beyond its allowance,
    held), three from a throwaway domain, a household of two and three ordinary signers."""
    with app.app_context():
        slug = make_petition(title="Protect the library").slug
    for n in range(4):
        sign_from(app, slug, f"{ATTACKER}.{n + 1}", f"bot{n}@gmail.com", first_name=f"Bot{n}")
    for n in range(3):
        sign_from(app, slug, f"45.{n}.7.9", f"drop{n}@mailinator.com", first_name=f"Drop{n}")
    for n in range(2):
        sign_from(app, slug, f"{HOUSEHOLD}.{10 + n}", f"home{n}@gmail.com", first_name=f"Home{n}")
    for n in range(3):
        sign_from(app, slug, f"81.10.{n}.4", f"person{n}@yahoo.com", first_name=f"Person{n}")
    clock.shift(timedelta(minutes=3))
    with app.app_context():  # everyone but the network's reads their email
        for signature in db.session.scalars(
            sa.select(Signature).where(Signature.status == SignatureStatus.PENDING)
        ):
            if not signature.email.startswith("bot"):
                confirm_signature(signature)
    return slug


def page_of(client, slug: str) -> str:
    response = client.get(f"/organizer/petitions/{slug}/review")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def network_of(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Signature.network_key).where(Signature.email == email))


def count_of(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Petition.signature_count).where(Petition.slug == slug))


FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', re.DOTALL)
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def form_with(page: str, action_end: str, containing: str) -> tuple[str, dict[str, str]]:
    """The page's form posting to a URL ending in `action_end` whose inside holds
    `containing`: its URL and hidden fields (the CSRF token among them)."""
    for action, inside in FORM.findall(page):
        if action.endswith(action_end) and containing in inside:
            fields = {name: html.unescape(value) for name, value in HIDDEN.findall(inside)}
            fields["csrf_token"] = csrf_token_from(inside)
            return html.unescape(action), fields
    raise AssertionError(f"no form to {action_end} holding {containing!r}")


SECTION = re.compile(
    r'<section class="form-section" id="cluster-[0-9a-f]+".*?</section>', re.DOTALL
)


def cluster_form(page: str, containing: str) -> tuple[str, dict[str, str]]:
    """The "Invalidate these" form of the cluster whose section holds `containing`."""
    for section in SECTION.findall(page):
        if containing in section:
            return form_with(section, "/invalidate", "Invalidate th")
    raise AssertionError(f"no cluster holding {containing!r}")


def test_the_page_lists_the_network_and_the_throwaway_domain_not_the_household(
    app, organizer_client, attacked
):
    page = page_of(organizer_client, attacked)
    key = network_of(app, "bot0@gmail.com")
    assert f"One network signing many times: network {key}" in page
    assert "4 signatures, 33.3% of those in play. 2 of them are held." in page
    assert "Names as shown publicly, for example: Bot0 Lopez, Bot1 Lopez, Bot2 Lopez" in page
    assert "A throwaway email service: mailinator.com" in page
    assert "3 signatures, 25% of those in play." in page
    assert "Invalidate these 4" in page and "Invalidate these 3" in page
    assert "Hold new signatures from this network" in page
    assert "Hold new signatures with addresses at this domain" in page
    # Times in the petition's zone: signed at noon in Philadelphia.
    assert "Signed July 15, 2027, 12:00\u202fPM EDT." in page
    # A household of two on one network is no cluster; ordinary signers are in none.
    assert network_of(app, "home0@gmail.com") not in page
    assert page.count("One network signing many times") == 1
    # Held signatures: how many and their public names.
    assert "2 signatures are held" in page
    assert "Bot2 Lopez" in page and "Bot3 Lopez" in page
    # Never an address of a signer, nor of their client.
    assert "@gmail.com" not in page and "@mailinator.com" not in page
    assert ATTACKER not in page and HOUSEHOLD not in page
    # The dashboard leads here, saying how many are held (not among those pending).
    with app.app_context():
        figures = dashboard_figures(db.session.scalars(sa.select(Petition)).one())
        assert (figures.confirmed, figures.pending, figures.held) == (8, 2, 2)
    dashboard = organizer_client.get(f"/organizer/petitions/{attacked}").get_data(as_text=True)
    assert f'href="/organizer/petitions/{attacked}/review">Review signatures (2 held)</a>' in (
        dashboard
    )
    # In Spanish too, the page renders (its texts are translated once the catalog is).
    organizer_client.set_cookie("lang", "es")
    assert "mailinator.com" in page_of(organizer_client, attacked)


def test_invalidating_a_cluster_from_the_page_then_restoring_it(app, organizer_client, attacked):
    assert count_of(app, attacked) == 8
    action, fields = cluster_form(page_of(organizer_client, attacked), "mailinator")
    assert set(fields) == {"cluster", "csrf_token"}  # the cluster by its ident, no more
    response = organizer_client.post(action, data={**fields, "reason": "throwaway addresses"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/review#invalidations-heading")
    assert count_of(app, attacked) == 5
    with app.app_context():
        change = db.session.scalars(
            sa.select(PetitionChange).where(PetitionChange.what == "signatures invalidated")
        ).one()
        assert change.actor == "admin@example.org"
        assert change.new_value == "3 (domain mailinator.com): throwaway addresses"
        statuses = db.session.scalars(
            sa.select(Signature.status).where(Signature.email_domain == "mailinator.com")
        ).all()
        assert statuses == [SignatureStatus.INVALIDATED] * 3
    page = page_of(organizer_client, attacked)
    assert "3 signatures invalidated: they are out of the count" in page
    assert "A throwaway email service" not in page  # nothing left in it to look at
    assert "domain mailinator.com" in page and "throwaway addresses" in page

    action, fields = form_with(page, "/restore", "Restore")
    response = organizer_client.post(action, data=fields)
    assert response.status_code == 303
    assert count_of(app, attacked) == 8
    page = page_of(organizer_client, attacked)
    assert "3 signatures restored" in page
    assert "July 15, 2027" in page and ", by admin@example.org" in page
    assert "/restore" not in page  # restored once, it offers no button
    with app.app_context():
        assert db.session.scalar(sa.select(Invalidation.restored_by)) == "admin@example.org"


def test_a_span_of_time_in_the_petitions_zone_is_invalidated(app, organizer_client, attacked):
    page = page_of(organizer_client, attacked)
    token = csrf_token_from(page)
    path = f"/organizer/petitions/{attacked}/review/invalidate-span"
    # Noon to one o'clock in Philadelphia: every signature (16:00 UTC).
    response = organizer_client.post(
        path,
        data={
            "csrf_token": token,
            "since": "2027-07-15T11:59",
            "until": "2027-07-15T13:00",
            "reason": "a script",
        },
    )
    assert response.status_code == 303
    assert count_of(app, attacked) == 0
    page = page_of(organizer_client, attacked)
    assert "12 signatures invalidated" in page
    assert (
        "signed from July 15, 2027, 11:59\u202fAM EDT until July 15, 2027, 1:00\u202fPM EDT" in page
    ), "the criteria shows the span in the petition's zone"
    # Nothing left in it: a clear refusal, not an error page.
    again = organizer_client.post(
        path,
        data={
            "csrf_token": token,
            "since": "2027-07-15T11:59",
            "until": "2027-07-15T13:00",
            "reason": "a script",
        },
    )
    assert again.status_code == 409
    assert "No signature in play matches" in again.get_data(as_text=True)


def test_bad_input_is_refused_with_a_message(app, organizer_client, attacked):
    page = page_of(organizer_client, attacked)
    token = csrf_token_from(page)
    review = f"/organizer/petitions/{attacked}/review"
    # No reason: the cluster's own form says so.
    action, fields = cluster_form(page, "mailinator")
    response = organizer_client.post(action, data={**fields, "reason": "  "})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Say why: the reason is kept with the record." in text
    assert "<title>Error:" in text
    assert count_of(app, attacked) == 8
    # No cluster, or one the review does not find (any more).
    for chosen in ({}, {"cluster": "0123456789abcdef"}, {"cluster": "²"}):
        response = organizer_client.post(
            f"{review}/invalidate", data={"csrf_token": token, "reason": "x", **chosen}
        )
        assert response.status_code == 409, chosen
        assert "That cluster is no longer found" in response.get_data(as_text=True)
    # Dates that are no dates, or a span that ends before it starts.
    for since, until, message in (
        ("2027-07-15T25:00", "2027-07-15T13:00", "Not a valid datetime value."),
        ("soon", "", "Enter when the span ends."),
        ("2027-07-15T13:00", "2027-07-15T12:00", "The end is not after the start."),
    ):
        response = organizer_client.post(
            f"{review}/invalidate-span",
            data={"csrf_token": token, "since": since, "until": until, "reason": "x"},
        )
        assert response.status_code == 400, (since, until)
        assert message in response.get_data(as_text=True)
    # An invalidation that does not exist (or is another petition's).
    response = organizer_client.post(
        f"{review}/invalidations/999/restore", data={"csrf_token": token}
    )
    assert response.status_code == 409
    assert "No invalidation 999 on this petition." in response.get_data(as_text=True)
    # A hold on something that is no network key nor domain.
    for kind, value, message in (
        ("network", "185.220.101.0", "A network key is 16 letters and digits"),
        ("domain", "not a domain", "Enter a domain like example.com."),
        ("everything", "x.org", "Choose one of the options."),
    ):
        response = organizer_client.post(
            f"{review}/holds", data={"csrf_token": token, "kind": kind, "value": value}
        )
        assert response.status_code == 400, value
        assert message in response.get_data(as_text=True)
    # Without the page's token, nothing happens.
    response = organizer_client.post(f"{review}/release", data={})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hold)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invalidation)) == 0


def test_restoring_is_offered_only_while_the_petition_takes_signatures(
    app, organizer_client, attacked, clock
):
    action, fields = cluster_form(page_of(organizer_client, attacked), "mailinator")
    organizer_client.post(action, data={**fields, "reason": "throwaway addresses"})
    restore_form = form_with(page_of(organizer_client, attacked), "/restore", "Restore")
    clock.move_to(instants.AFTER_GRACE)
    log_in(organizer_client, "admin@example.org", ORGANIZER_PASSWORD)  # a fresh session
    page = page_of(organizer_client, attacked)
    assert "invalidated signatures cannot be restored" in page
    assert "/restore" not in page
    assert "The count is final: held signatures can no longer be confirmed" in page
    action, fields = restore_form
    fields["csrf_token"] = csrf_token_from(page)
    response = organizer_client.post(action, data=fields)
    assert response.status_code == 409
    assert "The petition no longer takes signatures." in response.get_data(as_text=True)
    assert count_of(app, attacked) == 5


def test_holding_a_network_and_a_domain_then_removing_a_hold(app, organizer_client, attacked):
    key = network_of(app, "bot0@gmail.com")
    action, fields = form_with(page_of(organizer_client, attacked), "/holds", key)
    assert fields["kind"] == "network"
    response = organizer_client.post(action, data=fields)
    assert response.status_code == 303
    page = page_of(organizer_client, attacked)
    assert f"New signatures from network {key} are now held." in page
    assert "New signatures from this network are held." in page
    # The add form: a domain, typed as an organizer might.
    response = organizer_client.post(
        f"/organizer/petitions/{attacked}/review/holds",
        data={"csrf_token": csrf_token_from(page), "kind": "domain", "value": " @Example.NET "},
    )
    assert response.status_code == 303
    page = page_of(organizer_client, attacked)
    assert "New signatures with addresses at example.net are now held." in page
    assert "addresses at example.net" in page
    sign_from(app, attacked, "77.1.2.3", "someone@example.net", first_name="Quiet")
    with app.app_context():
        status = db.session.scalar(
            sa.select(Signature.status).where(Signature.email == "someone@example.net")
        )
        assert status == SignatureStatus.HELD
        holds = db.session.scalars(sa.select(Hold).order_by(Hold.id)).all()
        assert [(hold.kind, hold.value) for hold in holds] == [
            ("network", key),
            ("domain", "example.net"),
        ]
        domain_hold = holds[1].id
    page = page_of(organizer_client, attacked)
    assert "3 signatures are held" in page
    action, fields = form_with(page, f"/holds/{domain_hold}/remove", "Remove")
    response = organizer_client.post(action, data=fields)
    assert response.status_code == 303
    page = page_of(organizer_client, attacked)
    assert "The hold is removed" in page
    assert "addresses at example.net" not in page
    again = organizer_client.post(action, data=fields)
    assert again.status_code == 303
    assert "That hold was already removed." in page_of(organizer_client, attacked)
    with app.app_context():
        assert [hold.value for hold in db.session.scalars(sa.select(Hold))] == [key]
        whats = db.session.scalars(sa.select(PetitionChange.what)).all()
        assert "hold network" in whats and "hold domain removed" in whats


def test_releasing_the_held_signatures_emails_each_its_confirmation(
    app, organizer_client, attacked, smtp
):
    deliver_mail(app)  # the confirmations of those signing as usual
    smtp.clear()
    action, fields = form_with(page_of(organizer_client, attacked), "/release", "Release all held")
    response = organizer_client.post(action, data=fields)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/review#held-heading")
    page = page_of(organizer_client, attacked)
    assert "2 held signatures released: each gets its confirmation email" in page
    assert "No signature is held." in page
    with app.app_context():
        held = db.session.scalars(
            sa.select(Signature).where(Signature.email.in_(["bot2@gmail.com", "bot3@gmail.com"]))
        ).all()
        assert {signature.status for signature in held} == {SignatureStatus.PENDING}
        queued = db.session.scalars(
            sa.select(OutboxMessage.signature_id).where(OutboxMessage.sent_at.is_(None))
        ).all()
        assert sorted(queued) == sorted(signature.id for signature in held)
    deliver_mail(app)
    assert sorted(message["To"] for message in smtp.messages) == [
        "bot2@gmail.com",
        "bot3@gmail.com",
    ]
    again = organizer_client.post(action, data=fields)
    assert again.status_code == 303
    assert "No signature was held." in page_of(organizer_client, attacked)


def test_an_organizer_outside_the_team_gets_404(app, client, attacked):
    with app.app_context():
        make_organizer("outsider@example.org")
    log_in(client, "outsider@example.org", ORGANIZER_PASSWORD)
    token = csrf_token_from(client.get("/organizer/").get_data(as_text=True))
    review = f"/organizer/petitions/{attacked}/review"
    assert client.get(review).status_code == 404
    for path in ("/invalidate", "/invalidate-span", "/holds", "/release"):
        response = client.post(review + path, data={"csrf_token": token, "reason": "x"})
        assert response.status_code == 404, path
    assert count_of(app, attacked) == 8


def test_every_kind_of_cluster_is_explained_and_a_name_stays_as_its_signers_chose(
    app, organizer_client
):
    """A quiet morning, then an hour with three times one hidden name, three times one
    reason and three confirmations in two seconds: a burst, and a cluster of each kind."""
    with app.app_context():
        petition = make_petition()
        slug = petition.slug
        for hours in (3, 2, 1):
            make_signature(petition, created_at=instants.OPEN - timedelta(hours=hours))
        minutes = iter(range(0, 60, 4))
        for n in range(3):
            make_signature(
                petition,
                first_name="María",
                last_name="López",
                email=f"maria{n}@example.org",
                name_display=NameDisplay.HIDDEN,
                created_at=instants.OPEN + timedelta(minutes=next(minutes)),
            )
            make_signature(
                petition,
                first_name=f"Ana{n}",
                last_name="Reyes",
                reason=" Stop PARS now" if n else "stop pars NOW ",
                created_at=instants.OPEN + timedelta(minutes=next(minutes)),
            )
            make_signature(
                petition,
                first_name=f"Kofi{n}",
                last_name="Chen",
                confirm_seconds=2,
                created_at=instants.OPEN + timedelta(minutes=next(minutes)),
            )
    page = page_of(organizer_client, slug)
    assert "A burst of signatures: July 15, 2027, 12:00\u202fPM EDT to 1:00\u202fPM" in page
    assert "9 signatures, 75% of those in play." in page
    assert "Signed from July 15, 2027, 12:00\u202fPM EDT to 12:32\u202fPM." in page
    assert "This hour had at least 5 times the petition's usual number" in page
    assert "The same reason many times: “stop pars now”" in page
    assert "Confirmed faster than a person reads an email: within 10 seconds" in page
    assert "The same name many times: 3 signatures" in page
    assert "None of them shows a name publicly." in page
    # No network nor domain to hold.
    assert "this network</button>" not in page and "this domain</button>" not in page
    # The hidden name is nowhere, not even folded in a form's hidden field.
    assert "maría" not in page.lower() and "maria" not in page.lower()

    action, fields = cluster_form(page, "The same name many times")
    response = organizer_client.post(action, data={**fields, "reason": "one person"})
    assert response.status_code == 303
    assert count_of(app, slug) == 9
    page = page_of(organizer_client, slug)
    assert "one name, signed many times" in page and "maria" not in page.lower()
    # The burst now holds the six left of that hour.
    action, fields = cluster_form(page, "A burst of signatures")
    assert "Invalidate these 6" in page
    response = organizer_client.post(action, data={**fields, "reason": "a script"})
    assert response.status_code == 303
    assert count_of(app, slug) == 3
    page = page_of(organizer_client, slug)
    assert "6 signatures invalidated" in page
    assert "Nothing stands out: no group of signatures is worth a look." in page
