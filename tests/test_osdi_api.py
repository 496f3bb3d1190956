"""The OSDI API under /api/v1/: tokens and their scopes, petitions, signatures (paginated,
filtered by modified date, personal data only with its scope and recorded when read), and
the record signature helper, whose confirmation email is read from the SMTP server."""

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.core.clock import now
from app.core.email_address import canonical_email
from app.extensions import db
from app.models import (
    NameDisplay,
    Organizer,
    PetitionMember,
    Signature,
    SignatureExport,
    SignatureStatus,
)
from app.organizers.api_tokens import TokenScopes, create_api_token, revoke_api_token
from app.signatures.signing import name_key
from tests import instants
from tests.conftest import deliver_mail, links_in, press_button
from tests.factories import make_organizer, make_petition, make_signature
from tests.smtp_sink import text_of

HEADER = "OSDI-API-Token"


def _member(petition, organizer):
    db.session.add(PetitionMember(petition_id=petition.id, organizer_id=organizer.id))
    db.session.commit()


@pytest.fixture
def world(app):
    """Ana manages one published petition and one draft; another petition is Bob's."""
    with app.app_context():
        ana = make_organizer("ana@example.org")
        bob = make_organizer("bob@example.org")
        mine = make_petition(slug="fix-the-bus", title="Fix the bus")
        draft = make_petition(slug="a-draft", published_at=None)
        theirs = make_petition(slug="bobs-petition")
        _member(mine, ana)
        _member(draft, ana)
        _member(theirs, bob)
        return {"mine": mine.id, "draft": draft.id, "theirs": theirs.id, "ana": ana.id}


def _token(app, email="ana@example.org", **scopes) -> str:
    from app.organizers import organizer_by_email

    with app.app_context():
        _, secret = create_api_token(organizer_by_email(email), "test", TokenScopes(**scopes))
    return secret


def _get(client, path, token, **kwargs):
    return client.get(path, headers={HEADER: token}, **kwargs)


def _settle(clock):
    """Move past the second or two before a confirmed signature is listed."""
    clock.shift(timedelta(seconds=3))


# --- tokens ---------------------------------------------------------------------------------


def test_without_a_token_or_with_a_bad_one_401_json_and_no_cookie(app, client, world):
    for headers in ({}, {HEADER: "not-a-token"}, {HEADER: ""}):
        answer = client.get("/api/v1/petitions", headers=headers)
        assert answer.status_code == 401
        assert answer.is_json
        assert answer.json["code"] == 401
        assert "OSDI-API-Token" in answer.json["message"]
        assert "Set-Cookie" not in answer.headers


def test_a_revoked_token_is_refused(app, client, world):
    token = _token(app)
    assert _get(client, "/api/v1/petitions", token).status_code == 200
    with app.app_context():
        from app.models import ApiToken, Organizer

        revoke_api_token(
            db.session.get(Organizer, world["ana"]), db.session.scalar(sa.select(ApiToken.id))
        )
    answer = _get(client, "/api/v1/petitions", token)
    assert answer.status_code == 401
    assert answer.is_json


def test_a_disabled_organizers_token_is_refused(app, client, world):
    from app.organizers import set_organizer_enabled

    token = _token(app)
    with app.app_context():
        set_organizer_enabled(world["ana"], False)
    assert _get(client, "/api/v1/", token).status_code == 401


def test_use_is_remembered_and_shown_on_the_tokens_page(app, client, world):
    from app.models import ApiToken

    token = _token(app)
    _get(client, "/api/v1/", token)
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


# --- reading --------------------------------------------------------------------------------


def test_the_entry_point(app, client, world):
    answer = _get(client, "/api/v1/", _token(app))
    assert answer.status_code == 200
    body = answer.json
    assert body["osdi_version"] == "1.1"
    assert body["max_pagesize"] == 100
    assert body["motd"] and body["vendor_name"] and body["product_name"]
    assert body["_links"]["self"]["href"] == "http://petitions.test/api/v1/"
    assert body["_links"]["osdi:petitions"]["href"] == "http://petitions.test/api/v1/petitions"
    assert body["_links"]["curies"][0]["name"] == "osdi"
    assert body["namespace"] == "petitions", "the prefix of its identifiers"
    # RFC 8631's relation for a machine-readable description of the service.
    described = body["_links"]["service-desc"]
    assert described["href"] == "http://petitions.test/api/v1/openapi.json"
    assert client.get(described["href"]).status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers


def test_an_organizer_sees_their_published_petitions_only(app, client, world):
    with app.app_context():
        make_signature(db.session.get(__import__("app.models").models.Petition, world["mine"]))
    answer = _get(client, "/api/v1/petitions", _token(app))
    assert answer.status_code == 200
    body = answer.json
    assert body["total_records"] == 1 and body["total_pages"] == 1 and body["page"] == 1
    assert body["per_page"] == 25
    (petition,) = body["_embedded"]["osdi:petitions"]
    assert petition["title"] == "Fix the bus"
    assert petition["identifiers"] == [f"petitions:petition-{world['mine']}"]
    assert petition["total_signatures"] == 1
    assert petition["browser_url"] == "http://petitions.test/petitions/fix-the-bus"
    assert petition["target"][0] == {"name": "Mayor Michael Nutter"}
    assert petition["created_date"].endswith("Z")
    assert "<p>First paragraph.</p>" in petition["description"]
    assert petition["petition_text"].startswith("I am writing you")
    assert petition["featured_image_url"].startswith("http://petitions.test/petitions/fix-the-bus/")
    links = petition["_links"]
    assert links["self"]["href"].endswith(f"/api/v1/petitions/{world['mine']}")
    assert links["osdi:signatures"]["href"].endswith(
        f"/api/v1/petitions/{world['mine']}/signatures"
    )
    assert links["osdi:record_signature_helper"]["href"].endswith("/record_signature_helper")
    assert "next" not in body["_links"] and "previous" not in body["_links"]

    token = _token(app)
    assert _get(client, f"/api/v1/petitions/{world['mine']}", token).json["title"] == "Fix the bus"
    assert _get(client, "/api/v1/petitions/fix-the-bus", token).status_code == 200
    for hidden in (world["draft"], world["theirs"], "bobs-petition", "a-draft", "nothing", "99999"):
        missing = _get(client, f"/api/v1/petitions/{hidden}", token)
        assert missing.status_code == 404, hidden
        assert missing.is_json


def test_an_admin_sees_every_published_petition(app, client, world):
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    body = _get(client, "/api/v1/petitions", _token(app, "admin@example.org")).json
    titles = {
        p["_links"]["self"]["href"].rsplit("/", 1)[1] for p in body["_embedded"]["osdi:petitions"]
    }
    assert titles == {str(world["mine"]), str(world["theirs"])}


def test_petitions_can_be_filtered_by_modified_date(app, client, world):
    """A petition's modified date is the latest of when it was made, edited and published."""
    day = instants.OPEN - timedelta(days=10)
    with app.app_context():
        edited = make_petition(slug="edited", created_at=day, published_at=day)
        edited.updated_at = day + timedelta(days=5, seconds=0.5)
        published_late = make_petition(
            slug="published-late", created_at=day, published_at=day + timedelta(days=3)
        )
        untouched = make_petition(slug="untouched", created_at=day, published_at=day)
        for petition in (edited, published_late, untouched):
            _member(petition, db.session.get(Organizer, world["ana"]))
        make_petition(slug="bobs-new", created_at=day, published_at=day + timedelta(days=6))
        ids = {p.slug: p.id for p in (edited, published_late, untouched)}
    token = _token(app)

    def found(text: str) -> set[str]:
        answer = _get(client, "/api/v1/petitions", token, query_string={"filter": text})
        assert answer.status_code == 200, answer.json
        if answer.json["total_pages"] == 1:
            assert "filter=" in answer.json["_links"]["self"]["href"]
        by_id = {v: k for k, v in ids.items()}
        return {
            by_id.get(int(p["identifiers"][0].rsplit("-", 1)[1]), "mine")
            for p in answer.json["_embedded"]["osdi:petitions"]
        }

    def shown(moment) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    # "mine" was made now, ten days after the others.
    assert found(f"modified_date gt '{shown(day)}'") == {"edited", "published-late", "mine"}
    assert found(f"modified_date le '{shown(day)}'") == {"untouched"}
    five_days = shown(day + timedelta(days=5))
    assert found(f"modified_date eq '{five_days}'") == {"edited"}
    assert found(f"modified_date gt '{five_days}'") == {"mine"}
    refused = _get(client, "/api/v1/petitions", token, query_string={"filter": "title eq 'x'"})
    assert refused.status_code == 400
    assert "modified_date" in refused.json["message"]


def _petition(app, petition_id):
    from app.models import Petition

    return db.session.get(Petition, petition_id)


def test_signatures_without_the_personal_data_scope_hide_the_signer(app, client, clock, world):
    with app.app_context():
        petition = _petition(app, world["mine"])
        make_signature(petition, first_name="Maria", email="maria@example.org", reason="Because")
        make_signature(petition, status=SignatureStatus.PENDING, email="pending@example.org")
    _settle(clock)
    answer = _get(client, f"/api/v1/petitions/{world['mine']}/signatures", _token(app))
    assert answer.status_code == 200
    body = answer.json
    assert body["total_records"] == 1, "only confirmed signatures"
    (signature,) = body["_embedded"]["osdi:signatures"]
    assert "_embedded" not in signature
    assert signature.get("comments") is None
    assert "maria" not in answer.text.lower() and "19107" not in answer.text
    assert signature["identifiers"][0].startswith("petitions:")
    assert signature["status"] == "confirmed"
    for key in ("created_date", "modified_date", "action_date"):
        assert signature[key].endswith("Z")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SignatureExport.id))) == 0


def test_personal_data_with_its_scope_and_every_read_is_recorded(app, client, clock, world):
    with app.app_context():
        petition = _petition(app, world["mine"])
        signed = make_signature(
            petition,
            first_name="Maria",
            last_name="Lopez",
            email="maria@example.org",
            zip_code="19125",
            reason="Because",
            source="facebook",
        ).id
    _settle(clock)
    token = _token(app, personal_data=True)
    body = _get(client, f"/api/v1/petitions/{world['mine']}/signatures", token).json
    (signature,) = body["_embedded"]["osdi:signatures"]
    person = signature["_embedded"]["osdi:person"]
    assert person["given_name"] == "Maria" and person["family_name"] == "Lopez"
    assert person["email_addresses"][0]["address"] == "maria@example.org"
    assert person["postal_addresses"][0]["postal_code"] == "19125"
    assert signature["comments"] == "Because"
    assert signature["referrer_data"] == {"source": "facebook"}
    one = _get(client, f"/api/v1/petitions/{world['mine']}/signatures/{signed}", token)
    assert one.json["_embedded"]["osdi:person"]["given_name"] == "Maria"
    with app.app_context():
        records = db.session.scalars(sa.select(SignatureExport).order_by(SignatureExport.id)).all()
        assert len(records) == 2
        assert records[0].actor == "API token 'test' of ana@example.org"
        assert records[0].row_count == 1 and records[0].finished_at is not None
        assert "API signatures page=1" in records[0].filters


def test_a_petition_and_a_signature_never_share_an_identifier(app, client, clock, world):
    with app.app_context():
        petition = _petition(app, world["mine"])
        for n in range(world["mine"]):  # a signature numbered as the petition is
            signature_id = make_signature(petition, email=f"s{n}@example.org").id
    assert signature_id >= world["mine"]
    _settle(clock)
    token = _token(app)
    petitions = _get(client, "/api/v1/petitions", token).json["_embedded"]["osdi:petitions"]
    signatures = _get(
        client, f"/api/v1/petitions/{world['mine']}/signatures?per_page=100", token
    ).json["_embedded"]["osdi:signatures"]
    petition_ids = {i for p in petitions for i in p["identifiers"]}
    signature_ids = {i for s in signatures for i in s["identifiers"]}
    assert petition_ids == {f"petitions:petition-{world['mine']}"}
    assert f"petitions:signature-{world['mine']}" in signature_ids
    assert not petition_ids & signature_ids
    # The addresses keep their numbers.
    for signature in signatures:
        number = signature["identifiers"][0].removeprefix("petitions:signature-")
        assert signature["_links"]["self"]["href"].endswith(f"/signatures/{number}")
        assert _get(client, signature["_links"]["self"]["href"], token).status_code == 200


def test_the_email_status_says_whether_the_signer_gets_updates(app, client, clock, world):
    """OSDI's email_addresses[].status: subscribed when the signer ticked "Email me updates"
    and their address is not suppressed (unsubscribed, or refused by its mail server)."""
    from app.core.database import write_transaction
    from app.mail.suppression import suppress
    from app.models import SuppressionReason

    with app.app_context():
        petition = _petition(app, world["mine"])
        wants = make_signature(petition, email="wants@example.org", wants_updates=True).id
        declined = make_signature(petition, email="declined@example.org").id
        left = make_signature(petition, email="left@example.org", wants_updates=True).id
        with write_transaction():
            suppress(petition.id, "left@example.org", SuppressionReason.UNSUBSCRIBED)
    _settle(clock)
    token = _token(app, personal_data=True)
    base = f"/api/v1/petitions/{world['mine']}/signatures"
    listed = _get(client, base, token).json["_embedded"]["osdi:signatures"]
    status = {
        int(s["identifiers"][0].rsplit("-", 1)[1]): s["_embedded"]["osdi:person"][
            "email_addresses"
        ][0]["status"]
        for s in listed
    }
    assert status == {wants: "subscribed", declined: "unsubscribed", left: "unsubscribed"}
    one = _get(client, f"{base}/{wants}", token).json
    assert one["_embedded"]["osdi:person"]["email_addresses"][0]["status"] == "subscribed"


def test_the_helper_takes_the_updates_consent_from_the_email_status(app, client, world):
    token = _token(app, write=True, personal_data=True)
    for email, status, wants in (
        ("yes@example.org", "subscribed", True),
        ("no@example.org", "unsubscribed", False),
        ("unsaid@example.org", None, False),
    ):
        address = {"address": email, **({"status": status} if status else {})}
        answer = _helper(client, world["mine"], token, _body(email_addresses=[address]))
        assert answer.status_code == 202, answer.json
        shown = answer.json["_embedded"]["osdi:person"]["email_addresses"][0]["status"]
        assert shown == ("subscribed" if wants else "unsubscribed")
        with app.app_context():
            recorded = db.session.scalar(sa.select(Signature).where(Signature.email == email))
            assert recorded.wants_updates is wants, email
    refused = _helper(
        client,
        world["mine"],
        token,
        _body(email_addresses=[{"address": "x@example.org", "status": "maybe"}]),
    )
    assert refused.status_code == 422
    assert "person.email_addresses.0.status" in refused.json["errors"]["json"]


def test_erased_signers_are_never_listed(app, client, world):
    with app.app_context():
        petition = _petition(app, world["mine"])
        make_signature(petition)
        petition.purged_at = now()
        db.session.commit()
    body = _get(client, f"/api/v1/petitions/{world['mine']}/signatures", _token(app)).json
    assert body["total_records"] == 0


def _bulk_signatures(petition_id: int, count: int, confirmed_at) -> None:
    rows = [
        {
            "petition_id": petition_id,
            "status": SignatureStatus.CONFIRMED,
            "first_name": f"Bulk{n}",
            "last_name": "Signer",
            "name_key": name_key(f"Bulk{n}", "Signer"),
            "name_display": NameDisplay.FULL,
            "email": f"bulk{n}@example.org",
            "email_canonical": canonical_email(f"bulk{n}@example.org"),
            "zip_code": "19107",
            "is_resident": True,
            "link_key": secrets.token_urlsafe(16),
            "created_at": confirmed_at,
            "confirmed_at": confirmed_at,
            "household_slot": 1,
        }
        for n in range(count)
    ]
    db.session.execute(sa.insert(Signature), rows)
    db.session.commit()


def test_pagination_over_2500_signatures(app, client, world):
    with app.app_context():
        _bulk_signatures(world["mine"], 2500, instants.OPEN - timedelta(hours=1))
    token = _token(app)
    base = f"/api/v1/petitions/{world['mine']}/signatures"
    first = _get(client, base, token).json
    assert (
        first["per_page"] == 25 and first["total_records"] == 2500 and first["total_pages"] == 100
    )
    capped = _get(client, base + "?per_page=5000", token).json
    assert capped["per_page"] == 100 and len(capped["_embedded"]["osdi:signatures"]) == 100
    seen = []
    url = base + "?per_page=100"
    pages = 0
    while url:
        body = _get(client, url, token).json
        pages += 1
        assert body["total_pages"] == 25
        seen += [s["identifiers"][0] for s in body["_embedded"]["osdi:signatures"]]
        assert ("previous" in body["_links"]) == (body["page"] > 1)
        next_link = body["_links"].get("next")
        url = next_link["href"].removeprefix("http://petitions.test") if next_link else None
    assert pages == 25
    assert len(seen) == 2500 == len(set(seen))
    beyond = _get(client, base + "?page=26&per_page=100", token).json
    assert beyond["_embedded"]["osdi:signatures"] == []
    assert _get(client, base + "?page=0", token).status_code == 422


def test_new_signatures_since_yesterday(app, client, clock, world):
    with app.app_context():
        petition = _petition(app, world["mine"])
        _bulk_signatures(world["mine"], 3, instants.OPEN - timedelta(days=3))
        make_signature(
            petition, email="new1@example.org", confirmed_at=instants.OPEN - timedelta(hours=2)
        )
        make_signature(
            petition, email="new2@example.org", confirmed_at=instants.OPEN - timedelta(hours=1)
        )
    clock.move_to(instants.OPEN)
    yesterday = (now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token = _token(app)
    base = f"/api/v1/petitions/{world['mine']}/signatures"
    recent = _get(client, base, token, query_string={"filter": f"modified_date gt '{yesterday}'"})
    assert recent.status_code == 200, recent.json
    assert recent.json["total_records"] == 2
    assert "filter=" in recent.json["_links"]["self"]["href"]
    older = _get(client, base, token, query_string={"filter": f"modified_date lt '{yesterday}'"})
    assert older.json["total_records"] == 3
    for bad in (
        "modified_date gt '2027-01-01' or modified_date lt '2026-01-01'",
        "created_date gt '2027-01-01T00:00:00Z'",
        "modified_date gt 'yesterday'",
    ):
        refused = _get(client, base, token, query_string={"filter": bad})
        assert refused.status_code == 400, bad
        assert refused.is_json
        assert "modified_date" in refused.json["message"] or "ISO 8601" in refused.json["message"]


def test_eq_and_ne_compare_the_date_as_shown(app, client, world):
    first = instants.OPEN - timedelta(hours=1)
    with app.app_context():
        petition = _petition(app, world["mine"])
        ids = [
            make_signature(petition, confirmed_at=first + timedelta(seconds=seconds)).id
            for seconds in (0, 1.4, 2.999)
        ]
    token = _token(app)
    base = f"/api/v1/petitions/{world['mine']}/signatures"

    def found(text: str) -> list[int]:
        answer = _get(client, base, token, query_string={"filter": text})
        assert answer.status_code == 200, answer.json
        return [
            int(s["identifiers"][0].rsplit("-", 1)[1])
            for s in answer.json["_embedded"]["osdi:signatures"]
        ]

    shown = (first + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")  # as 1.4 s shows
    assert found(f"modified_date eq '{shown}'") == [ids[1]]
    assert found(f"modified_date ne '{shown}'") == [ids[0], ids[2]]
    assert found(f"MODIFIED_DATE NE '{shown}' and modified_date ge '{shown}'") == [ids[2]]
    # Shown dates are whole seconds: none is equal to a time between two.
    between = (first + timedelta(seconds=1.4)).isoformat()
    assert found(f"modified_date eq '{between}'") == []
    assert found(f"modified_date ne '{between}'") == ids


def _sync(client, url, token, since):
    """One run of a client's incremental sync: every page of the signatures modified after
    `since` (everything the first time). Returns their identifiers and the last
    modified_date seen, as shown."""
    query = {"per_page": 2}
    if since:
        query["filter"] = f"modified_date gt '{since}'"
    seen, page = [], _get(client, url, token, query_string=query).json
    while True:
        for signature in page["_embedded"]["osdi:signatures"]:
            seen.append(signature["identifiers"][0])
            since = max(since or "", signature["modified_date"])
        if "next" not in page["_links"]:
            return seen, since
        page = _get(client, page["_links"]["next"]["href"], token).json


def test_an_incremental_sync_gets_each_signature_once(app, client, world):
    """A client that asks for `modified_date gt` the last one it saw (shown to the second)
    gets every signature once, two confirmed in the same second included, even when it
    asks between them."""
    url = f"/api/v1/petitions/{world['mine']}/signatures"
    token = _token(app)
    start = instants.OPEN + timedelta(minutes=5)

    def at(seconds: float):
        return start + timedelta(seconds=seconds)

    # (what happens, when): confirmations, and the client's runs between them
    timeline = [
        ("confirm", 0.2),
        ("confirm", 0.6),
        ("sync", 0.7),  # in the second of the two before it, and of the next one
        ("confirm", 0.9),
        ("sync", 1.3),
        ("confirm", 1.5),
        ("sync", 2.05),
        ("confirm", 2.1),
        ("confirm", 2.1),  # two at the same instant
        ("sync", 2.2),
        ("sync", 3.4),
        ("confirm", 3.999999),
        ("sync", 4.0),
        ("sync", 5.5),
        ("sync", 9.0),
        ("sync", 9.0),
    ]
    confirmed, fetched, since = [], [], None
    with app.app_context():
        petition = _petition(app, world["mine"])
        for what, seconds in timeline:
            with time_machine.travel(at(seconds), tick=False):
                if what == "confirm":
                    signature = make_signature(petition, confirmed_at=at(seconds))
                    confirmed.append(f"petitions:signature-{signature.id}")
                else:
                    seen, since = _sync(client, url, token, since)
                    fetched += seen
    assert len(fetched) == len(set(fetched)), "a signature came twice"
    assert sorted(fetched) == sorted(confirmed), "one was missed"


# --- recording -------------------------------------------------------------------------------


def _body(**person):
    values = {
        "given_name": "Rosa",
        "family_name": "Parks",
        "email_addresses": [{"address": "rosa@example.org", "primary": True}],
        "postal_addresses": [{"postal_code": "19107"}],
    }
    values.update(person)
    return {"person": values, "comments": "For the riders", "add_tags": ["bus"]}


def _helper(client, petition_id, token, body):
    return client.post(
        f"/api/v1/petitions/{petition_id}/record_signature_helper",
        json=body,
        headers={HEADER: token},
    )


def test_recording_needs_the_write_scope(app, client, world):
    answer = _helper(client, world["mine"], _token(app, personal_data=True), _body())
    assert answer.status_code == 403
    assert "write" in answer.json["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def test_the_helper_records_a_pending_signature_and_emails_the_signer(
    app, client, clock, smtp, world
):
    token = _token(app, write=True)
    answer = _helper(client, world["mine"], token, _body())
    assert answer.status_code == 202, answer.json
    assert answer.json["status"] == "pending"
    assert "self" not in answer.json["_links"], "not listed until confirmed: no address yet"
    assert answer.json["identifiers"] == [], "none of ours: the answer says nothing we keep"
    assert answer.json["referrer_data"] == {"source": "api"}
    assert "Set-Cookie" not in answer.headers
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature))
        assert signature.status == SignatureStatus.PENDING
        assert signature.reason == "For the riders"
        assert signature.name_display == NameDisplay.HIDDEN
        assert _petition(app, world["mine"]).signature_count == 0
    assert deliver_mail(app).sent == 1
    (email,) = smtp.wait_for(1)
    assert email["To"] == "rosa@example.org"
    (confirm_url,) = links_in(text_of(email), "confirm")
    assert press_button(client, confirm_url).status_code == 303
    with app.app_context():
        assert _petition(app, world["mine"]).signature_count == 1
    _settle(clock)
    listed = _get(client, f"/api/v1/petitions/{world['mine']}/signatures", token).json
    assert listed["total_records"] == 1
    (confirmed,) = listed["_embedded"]["osdi:signatures"]
    assert confirmed["identifiers"][0].startswith("petitions:signature-")
    assert confirmed["referrer_data"] == {"source": "api"}
    assert _get(client, confirmed["_links"]["self"]["href"], token).status_code == 200


def _answer_without_dates(answer) -> tuple:
    body = {k: v for k, v in answer.json.items() if not k.endswith("_date")}
    return answer.status_code, sorted(answer.headers.keys()), body


def test_a_new_signer_and_one_who_signed_get_the_same_answer(app, client, clock, smtp, world):
    """A write token cannot learn whether someone signed: the same answer, with nothing from
    our records in it. Only the signer's mailbox is told, as the sign form does."""
    token = _token(app, write=True)
    new = _helper(client, world["mine"], token, _body())
    assert new.status_code == 202, new.json
    assert "Location" not in new.headers
    assert not any(i.startswith("petitions:") for i in new.json["identifiers"])
    assert deliver_mail(app).sent == 1
    (confirmation,) = smtp.wait_for(1)
    assert confirmation["To"] == "rosa@example.org"
    smtp.clear()

    # Again at once, the same person (case aside): the same answer, no second email yet.
    again = _helper(client, world["mine"], token, _body(given_name="ROSA"))
    assert _answer_without_dates(again) == _answer_without_dates(new)
    assert deliver_mail(app).sent == 0

    # Confirmed, then again minutes later: the same answer; her mailbox hears she signed.
    (confirm_url,) = links_in(text_of(confirmation), "confirm")
    assert press_button(client, confirm_url).status_code == 303
    clock.shift(timedelta(minutes=5))
    later = _helper(client, world["mine"], token, _body())
    assert "Set-Cookie" not in later.headers, "the confirm page's session is not the API's"
    assert _answer_without_dates(later) == _answer_without_dates(new)
    assert deliver_mail(app).sent == 1
    (told,) = smtp.wait_for(1)
    assert told["To"] == "rosa@example.org"
    assert told["Subject"].startswith("You have already signed")

    # A household of two at one address is full: a third name gets the same answer too.
    for name in ("Raymond", "Third"):
        other = _helper(client, world["mine"], token, _body(given_name=name))
        assert _answer_without_dates(other) == _answer_without_dates(new)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 2


REFERRER = {
    "source": "partner-site",
    "referrer": "jane-doe",
    "website": "facebook.com",
    "url": "https://facebook.com/posts/12345",
}


def test_the_helper_echoes_identifiers_and_referrer_data(app, client, smtp, world):
    """As OSDI's helper does: the caller's identifiers and referrer data come back in the
    answer (we keep only the source). An autoresponse trigger changes nothing: the signer
    gets our confirmation email (double opt-in) whatever it says."""
    body = {
        **_body(),
        "identifiers": ["partner_crm:123"],
        "referrer_data": REFERRER,
        "triggers": {"autoresponse": {"enabled": False, "identifiers": ["partner_crm:9"]}},
    }
    pending = _helper(client, world["mine"], _token(app, write=True), body)
    assert pending.status_code == 202, pending.json
    assert pending.json["identifiers"] == ["partner_crm:123"]
    assert pending.json["referrer_data"] == REFERRER
    assert deliver_mail(app).sent == 1, "our confirmation email, autoresponse or not"
    assert smtp.wait_for(1)[0]["To"] == "rosa@example.org"
    with app.app_context():
        assert db.session.scalar(sa.select(Signature.source)) == "partner-site"

    importer = _token(app, write=True, import_confirmed=True)
    body = {**body, "person": _body(email_addresses=[{"address": "ida@example.org"}])["person"]}
    body["referrer_data"] = {**REFERRER, "source": "not a source name!"}
    confirmed = _helper(client, world["mine"], importer, body)
    assert confirmed.status_code == 201, confirmed.json
    ours, theirs = confirmed.json["identifiers"]
    assert ours.startswith("petitions:signature-") and theirs == "partner_crm:123"
    assert confirmed.json["referrer_data"] == {**REFERRER, "source": "api"}, "as kept"

    for identifiers in (["petitions:signature-1"], ["no system"], ["x:" + "1" * 300]):
        refused = _helper(client, world["mine"], importer, {**body, "identifiers": identifiers})
        assert refused.status_code == 422, identifiers
        assert "identifiers.0" in refused.json["errors"]["json"]

    spec = client.get("/api/v1/openapi.json").json
    helper = spec["components"]["schemas"]["SignatureHelper"]["properties"]
    assert "no effect" in helper["triggers"]["description"]
    assert "identifiers" in helper


def test_a_closed_petition_is_a_409(app, client, clock, world):
    clock.move_to(instants.AFTER_GRACE)
    answer = _helper(client, world["mine"], _token(app, write=True), _body())
    assert answer.status_code == 409
    assert "does not take signatures" in answer.json["message"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (_body(given_name="=HYPERLINK(1)"), "person.given_name"),
        (_body(family_name="visit evil.de"), "person.family_name"),
        (
            _body(email_addresses=[{"address": "not an address"}]),
            "person.email_addresses.0.address",
        ),
        (
            _body(postal_addresses=[{"postal_code": "1910"}]),
            "person.postal_addresses.0.postal_code",
        ),
        (_body(given_name=""), "person.given_name"),
        (_body(email_addresses=[]), "person"),
        ({"comments": "no person"}, "person"),
        ({"person": "Rosa"}, "person"),
        ([1, 2], None),
    ],
)
def test_a_bad_body_is_a_422_and_records_nothing(app, client, world, body, where):
    answer = _helper(client, world["mine"], _token(app, write=True), body)
    assert answer.status_code == 422, answer.json
    assert answer.is_json
    if where:
        assert where in str(answer.json["errors"]), answer.json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Signature.id))) == 0


def _is_by_path(errors: dict) -> bool:
    """The documented shape: {location: {"dotted.path": ["message", ...]}}."""
    return all(
        isinstance(by_path, dict)
        and all(
            isinstance(path, str)
            and isinstance(messages, list)
            and messages
            and all(isinstance(m, str) for m in messages)
            for path, messages in by_path.items()
        )
        for by_path in errors.values()
    )


def test_every_422_has_the_same_shape(app, client, world):
    token = _token(app, write=True)
    # The body's schema (a field missing, a list too short, not an object) and the sign
    # form's rules (a bad address): the same shape, problems by their dotted path.
    expected = [
        ({"person": {"family_name": "Parks"}}, "person.given_name"),
        (_body(email_addresses=[]), "person.email_addresses"),
        (_body(email_addresses=[{"primary": True}]), "person.email_addresses.0.address"),
        ({"person": "Rosa"}, "person"),
        ([1, 2], "_schema"),
        (
            _body(email_addresses=[{"address": "not an address"}]),
            "person.email_addresses.0.address",
        ),
        (_body(given_name="=HYPERLINK(1)"), "person.given_name"),
    ]
    for body, path in expected:
        answer = _helper(client, world["mine"], token, body)
        assert answer.status_code == 422, body
        assert set(answer.json) == {"code", "status", "message", "errors"}
        assert list(answer.json["errors"]) == ["json"]
        assert _is_by_path(answer.json["errors"]), answer.json
        assert path in answer.json["errors"]["json"], (path, answer.json)
    query = _get(client, "/api/v1/petitions?page=0", token)
    assert query.status_code == 422
    assert _is_by_path(query.json["errors"]) and "page" in query.json["errors"]["query"]
    # ... and the description says so.
    spec = client.get("/api/v1/openapi.json").json
    errors = spec["components"]["schemas"]["Error"]["properties"]["errors"]
    assert errors["additionalProperties"]["additionalProperties"]["items"]["type"] == "string"


def test_not_json_at_all_is_a_4xx(app, client, world):
    answer = client.post(
        f"/api/v1/petitions/{world['mine']}/record_signature_helper",
        data="{not json",
        content_type="application/json",
        headers={HEADER: _token(app, write=True)},
    )
    assert 400 <= answer.status_code < 500
    assert answer.is_json


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_body_is_a_4xx_not_a_500(app, client, world, depth):
    for nested in ("[" * depth, '{"a":' * depth, '{"person": ' + "[" * depth):
        answer = client.post(
            f"/api/v1/petitions/{world['mine']}/record_signature_helper",
            data=nested,
            content_type="application/json",
            headers={HEADER: _token(app, write=True)},
        )
        assert 400 <= answer.status_code < 500, answer.status_code
        assert answer.is_json


def test_the_scope_is_checked_before_the_body(app, client, world):
    read_only = _token(app, personal_data=True)
    for body in ({"person": "Rosa"}, [1, 2]):
        answer = _helper(client, world["mine"], read_only, body)
        assert answer.status_code == 403, answer.json
    nested = client.post(
        f"/api/v1/petitions/{world['mine']}/record_signature_helper",
        data="[" * 100_000,
        content_type="application/json",
        headers={HEADER: read_only},
    )
    assert nested.status_code == 403


def test_import_confirmed_counts_at_once_without_an_email(app, client, smtp, world):
    token = _token(app, write=True, import_confirmed=True, personal_data=True)
    body = {**_body(), "referrer_data": {"source": "partner-site"}, "name_display": "full"}
    answer = _helper(client, world["mine"], token, body)
    assert answer.status_code == 201
    assert answer.json["status"] == "confirmed"
    assert answer.headers["Location"] == answer.json["_links"]["self"]["href"]
    assert _get(client, answer.headers["Location"], token).status_code == 200
    spec = client.get("/api/v1/openapi.json").json
    helper = spec["paths"]["/api/v1/petitions/{petition_id}/record_signature_helper"]["post"]
    assert "Location" in helper["responses"]["201"]["headers"]
    assert "headers" not in helper["responses"]["202"], "a pending one has no address"
    assert answer.json["_embedded"]["osdi:person"]["given_name"] == "Rosa"
    assert answer.json["referrer_data"] == {"source": "partner-site"}
    assert deliver_mail(app).sent == 0
    with app.app_context():
        assert _petition(app, world["mine"]).signature_count == 1
        assert db.session.scalar(sa.select(Signature.name_display)) == NameDisplay.FULL


def test_no_csrf_token_is_needed_and_no_session_is_read(app, client, world):
    # A logged-in organizer's session cookie changes nothing: the token alone counts.
    client.set_cookie("session", "garbage")
    answer = _helper(client, world["mine"], _token(app, write=True), _body())
    assert answer.status_code == 202
    assert "Set-Cookie" not in answer.headers


def test_unknown_addresses_and_methods_answer_json(app, client, world):
    token = _token(app)
    missing = _get(client, "/api/v1/nothing-here", token)
    assert missing.status_code == 404 and missing.is_json
    wrong = client.delete("/api/v1/petitions", headers={HEADER: token})
    assert wrong.status_code == 405 and wrong.is_json
    assert "GET" in wrong.headers["Allow"]


HAL_JSON = "application/hal+json"


def test_every_answer_is_hal_json_errors_too(app, client, world):
    token = _token(app, write=True)
    answers = [
        _get(client, "/api/v1/", token),
        _get(client, "/api/v1/petitions", token),
        _get(client, f"/api/v1/petitions/{world['mine']}", token),
        _get(client, f"/api/v1/petitions/{world['mine']}/signatures", token),
        _helper(client, world["mine"], token, _body()),
        _get(client, "/api/v1/petitions/99999", token),  # 404
        _get(client, "/api/v1/petitions", "not-a-token"),  # 401
        _helper(client, world["mine"], token, {"person": "Rosa"}),  # 422
        _get(client, "/api/v1/nothing-here", token),  # no such address
    ]
    for answer in answers:
        assert answer.mimetype == HAL_JSON, (answer.status_code, answer.headers)
        assert answer.is_json
    spec = client.get("/api/v1/openapi.json")
    assert spec.mimetype == "application/json", "the description is OpenAPI, not HAL"
    documented = spec.json["paths"]["/api/v1/petitions"]["get"]["responses"]
    assert list(documented["200"]["content"]) == [HAL_JSON]
    errors = spec.json["components"]["responses"]["DEFAULT_ERROR"]
    assert list(errors["content"]) == [HAL_JSON]


def test_the_openapi_description(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    spec = answer.json
    assert spec["components"]["securitySchemes"]["OSDI-API-Token"] == {
        "type": "apiKey",
        "in": "header",
        "name": "OSDI-API-Token",
    }
    assert "/api/v1/petitions/{petition_id}/record_signature_helper" in spec["paths"]
    assert "Set-Cookie" not in answer.headers


def test_a_zip_code_refused_by_the_helper_is_told_with_the_petitions_own_example(
    app, client, world
):
    with app.app_context():
        la = make_petition(slug="la-buses", resident_zip_prefixes="900 902")
        _member(la, db.session.get(Organizer, world["ana"]))
        la_id = la.id
    answer = _helper(
        client, la_id, _token(app, write=True), _body(postal_addresses=[{"postal_code": "9"}])
    )
    assert answer.status_code == 422
    assert "like 90007" in str(answer.json["errors"]) and "19107" not in str(answer.json)


def test_a_signature_the_database_never_takes_is_a_503_not_a_500(app, client, world):
    from tests.test_concurrent_signing import ALWAYS_TAKEN, NOT_TAKEN, _run_on_the_database

    token = _token(app, write=True)
    _run_on_the_database(app, ALWAYS_TAKEN)
    try:
        answer = _helper(client, world["mine"], token, _body())
    finally:
        _run_on_the_database(app, NOT_TAKEN)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert "not recorded" in answer.json["message"]
