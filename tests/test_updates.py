"""Updates to signers, through a real SMTP server: each opted-in confirmed signer gets the
update once, in the language they signed in, as subscription mail (List-Unsubscribe with
one-click, List-Id); they can leave with one POST and no cookie, and their signature still
counts; refused addresses and those who left get nothing more, even if they sign again."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import DEFAULT_LEASE_SECONDS, JobRun, run_due_jobs
from app.mail.suppression import email_hash
from app.models import (
    Job,
    OutboxMessage,
    OutboxStatus,
    PetitionTranslation,
    Signature,
    SignatureStatus,
    Suppression,
    SuppressionReason,
    Update,
)
from app.petitions.queries import petition_by_slug
from app.updates import sending
from app.updates.drafts import UpdateText, post_update, publish_update
from app.updates.queries import sending_progress
from app.updates.sending import AlreadySent, SendRefused, request_sending
from tests import instants
from tests.conftest import csrf_token_from, deliver_mail, sign
from tests.factories import make_petition, make_signature
from tests.smtp_sink import html_of, text_of

UNSUBSCRIBE = re.compile(r"https?://[^\s\"<>]+/u/[A-Za-z0-9._-]+")
ONE_CLICK = {"List-Unsubscribe": "One-Click"}

ENGLISH = UpdateText("The letters were delivered", "We delivered **the letters** to the Mayor.")
SPANISH = UpdateText("Las cartas fueron entregadas", "Entregamos **las cartas** al Alcalde.")


@pytest.fixture
def slug(app) -> str:
    """A petition with its Spanish text, and three confirmed signers: two asked for updates
    (one signed in English, one in Spanish), one did not; and a pending one who asked."""
    with app.app_context():
        petition = make_petition(slug="end-the-pars-contract", title="End the PARS contract")
        petition.translations.append(
            PetitionTranslation(locale="es", title="Terminen el contrato PARS", about="Texto.")
        )
        db.session.commit()
        make_signature(petition, email="ann@example.org", wants_updates=True, locale="en")
        make_signature(petition, email="beto@example.org", wants_updates=True, locale="es")
        make_signature(petition, email="quiet@example.org", wants_updates=False)
        make_signature(
            petition,
            email="pending@example.org",
            wants_updates=True,
            status=SignatureStatus.PENDING,
        )
        return petition.slug


def post(app, slug: str, text=ENGLISH, translation=SPANISH, *, send=True) -> int:
    with app.app_context():
        petition = petition_by_slug(slug)
        update = post_update(petition, text, {"es": translation} if translation else {})
        if send:
            request_sending(petition, update)
        return update.id


def unsubscribe_link(message) -> str:
    (link,) = set(UNSUBSCRIBE.findall(text_of(message)))
    return link


def raw_header(message, name: str) -> str:
    """A header as it arrived, unfolded but not decoded."""
    (value,) = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    return "".join(value.splitlines()).strip()


def path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def recipients(smtp) -> list[str]:
    return sorted(message["To"] for message in smtp.messages)


def test_each_opted_in_signer_gets_the_update_in_their_language_as_subscription_mail(
    app, smtp, slug
):
    post(app, slug)
    report = deliver_mail(app)
    assert report.sent == 2
    assert recipients(smtp) == ["ann@example.org", "beto@example.org"]

    (english,) = smtp.to("ann@example.org")
    assert english["Subject"] == "The letters were delivered"
    assert "We delivered the letters to the Mayor." in text_of(english)
    assert "<strong>the letters</strong>" in html_of(english)
    assert "An update on “End the PARS contract”" in text_of(english)
    assert "your signature still counts" in text_of(english)

    (spanish,) = smtp.to("beto@example.org")
    assert spanish["Subject"] == "Las cartas fueron entregadas"
    assert "Entregamos las cartas al Alcalde." in text_of(spanish)
    assert "<strong>las cartas</strong>" in html_of(spanish)
    assert "Terminen el contrato PARS" in text_of(spanish)
    assert "tu firma sigue contando" in text_of(spanish)
    assert 'lang="es"' in html_of(spanish)

    for message in (english, spanish):
        link = unsubscribe_link(message)
        assert link.startswith("http://petitions.test/u/")
        assert message["List-Unsubscribe"] == f"<{link}>"
        assert raw_header(message, "List-Unsubscribe") == f"<{link}>", (
            "the URL as it is, never as RFC 2047 encoded words, which mail programs cannot use"
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Id"] == "<end-the-pars-contract.petitions.petitions.test>"
        assert f'href="{link}"' in html_of(message), "a visible link in the HTML part too"
    assert unsubscribe_link(english) != unsubscribe_link(spanish)
    with app.app_context():
        scrubbed = db.session.scalars(sa.select(OutboxMessage)).all()
        assert {(m.status, m.recipient, m.body_text) for m in scrubbed} == {
            (OutboxStatus.SENT, "", "")
        }, "sent updates are counted but keep no address or personal link"


def test_confirmation_emails_stay_transactional(app, smtp, client, slug):
    assert sign(client, slug, email="new@example.org", wants_updates="y").status_code == 303
    deliver_mail(app)
    (confirmation,) = smtp.to("new@example.org")
    assert confirmation["List-Unsubscribe"] is None
    assert confirmation["List-Unsubscribe-Post"] is None
    assert confirmation["List-Id"] is None


def test_one_click_post_without_cookie_unsubscribes_and_the_signature_still_counts(
    app, smtp, slug
):
    post(app, slug)
    deliver_mail(app)
    link = unsubscribe_link(smtp.to("beto@example.org")[0])
    with app.app_context():
        count_before = petition_by_slug(slug).signature_count

    mail_program = app.test_client(use_cookies=False)
    response = mail_program.post(path(link), data=ONE_CLICK)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    assert "unsubscribed" in page.lower() or "cancelaste" in page.lower()
    assert mail_program.post(path(link), data=ONE_CLICK).status_code == 200, "twice is fine"

    with app.app_context():
        beto = db.session.scalar(sa.select(Signature).where(Signature.email == "beto@example.org"))
        assert beto.status == SignatureStatus.CONFIRMED and not beto.wants_updates
        assert petition_by_slug(slug).signature_count == count_before
        (suppressed,) = db.session.scalars(sa.select(Suppression)).all()
        assert suppressed.reason == SuppressionReason.UNSUBSCRIBED
        assert suppressed.email_hash == email_hash("Beto@Example.org")
        assert "beto" not in suppressed.email_hash

    smtp.clear()
    post(app, slug, UpdateText("The Mayor answered", "Read the answer."), None)
    deliver_mail(app)
    assert recipients(smtp) == ["ann@example.org"]


def test_the_link_shows_a_page_whose_button_unsubscribes(app, smtp, client, slug):
    post(app, slug)
    deliver_mail(app)
    link = unsubscribe_link(smtp.to("ann@example.org")[0])
    page = client.get(path(link))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stop updates about “End the PARS contract”?" in html
    assert "Your signature stays and still counts." in html
    assert 'name="List-Unsubscribe" value="One-Click"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0
        assert db.session.scalar(
            sa.select(Signature.wants_updates).where(Signature.email == "ann@example.org")
        ), "opening the link (or a scanner fetching it) changes nothing"
    pressed = client.post(path(link), data=ONE_CLICK)
    assert pressed.status_code == 200
    assert "You are unsubscribed" in pressed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 1


@pytest.mark.parametrize(
    ("method", "token", "data"),
    [
        ("get", "not-a-token", None),
        ("post", "not-a-token", ONE_CLICK),
        ("post", "forged.token.here", ONE_CLICK),
        ("post", "GOOD", {}),
        ("post", "GOOD", {"List-Unsubscribe": "Two-Clicks"}),
    ],
)
def test_a_bad_link_or_body_is_a_clear_400(app, smtp, slug, method, token, data):
    post(app, slug)
    deliver_mail(app)
    good = path(unsubscribe_link(smtp.to("ann@example.org")[0])).removeprefix("/u/")
    url = f"/u/{good if token == 'GOOD' else token}"
    response = getattr(app.test_client(use_cookies=False), method)(url, data=data)
    assert response.status_code == 400
    assert "unsubscribe" in response.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0


def test_unsubscribing_drops_updates_already_queued(app, smtp, slug):
    post(app, slug)
    deliver_mail(app)
    link = unsubscribe_link(smtp.to("ann@example.org")[0])
    smtp.clear()
    post(app, slug, UpdateText("Second", "More news."), None)
    with app.app_context():
        run_due_jobs()  # queued, not sent yet
    assert app.test_client(use_cookies=False).post(path(link), data=ONE_CLICK).status_code == 200
    deliver_mail(app)
    assert recipients(smtp) == ["beto@example.org"]


def test_an_address_refused_for_good_gets_no_more_updates(app, smtp, slug):
    smtp.refused.add("ann@example.org")
    first = post(app, slug)
    report = deliver_mail(app)
    assert (report.sent, report.failed) == (1, 1)
    with app.app_context():
        (suppressed,) = db.session.scalars(sa.select(Suppression)).all()
        assert suppressed.reason == SuppressionReason.BOUNCED
        assert suppressed.email_hash == email_hash("ann@example.org")

    smtp.clear()  # the server would take it now: we still do not send
    post(app, slug, UpdateText("Second", "More news."), None)
    deliver_mail(app)
    assert recipients(smtp) == ["beto@example.org"]
    with app.app_context():
        progress = sending_progress([db.session.get(Update, first)])[first]
        assert (progress.sent, progress.queued, progress.refused) == (1, 0, 1)


def test_a_greylisted_address_is_not_suppressed(app, smtp, slug, clock):
    smtp.greylisted.add("ann@example.org")
    post(app, slug)
    deliver_mail(app)
    smtp.greylisted.clear()
    clock.shift(timedelta(minutes=5))
    deliver_mail(app)
    assert recipients(smtp) == ["ann@example.org", "beto@example.org"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0


def test_an_address_deferred_until_given_up_is_refused_but_not_suppressed(app, smtp, slug, clock):
    """Refused for now, again and again, is not refused for good: the update counts it as
    refused, and the address still gets the next one."""
    smtp.deferred_at_data.add("ann@example.org")
    first = post(app, slug)
    deliver_mail(app)
    clock.shift(timedelta(hours=app.config["OUTBOX_GIVE_UP_HOURS"], minutes=1))
    assert deliver_mail(app).failed == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0
        progress = sending_progress([db.session.get(Update, first)])[first]
        assert (progress.sent, progress.queued, progress.refused) == (1, 0, 1)
    smtp.clear()
    post(app, slug, UpdateText("Second", "More news."), None)
    deliver_mail(app)
    assert recipients(smtp) == ["ann@example.org", "beto@example.org"]


def test_an_address_that_left_gets_no_updates_even_if_it_signs_again(app, smtp, slug):
    post(app, slug)
    deliver_mail(app)
    link = unsubscribe_link(smtp.to("beto@example.org")[0])
    app.test_client(use_cookies=False).post(path(link), data=ONE_CLICK)
    with app.app_context():
        petition = petition_by_slug(slug)
        db.session.execute(sa.delete(Signature).where(Signature.email == "beto@example.org"))
        db.session.commit()
        make_signature(
            petition, email="BETO@example.org", first_name="Beto", wants_updates=True, locale="es"
        )
    smtp.clear()
    post(app, slug, UpdateText("Second", "More news."), None)
    deliver_mail(app)
    assert recipients(smtp) == ["ann@example.org"]


def test_pressing_send_twice_sends_once(app, smtp, slug, organizer_client):
    update_id = post(app, slug, send=False)
    url = f"/organizer/petitions/{slug}/updates/{update_id}"
    token = csrf_token_from(organizer_client.get(url).get_data(as_text=True))
    first = organizer_client.post(f"{url}/send", data={"csrf_token": token, "understood": "y"})
    again = organizer_client.post(f"{url}/send", data={"csrf_token": token, "understood": "y"})
    assert first.status_code == 303
    assert again.status_code == 409
    assert "already emailed" in again.get_data(as_text=True)
    deliver_mail(app)
    deliver_mail(app)
    assert recipients(smtp) == ["ann@example.org", "beto@example.org"]


def test_two_organizers_at_once_send_once(app, smtp, slug):
    update_id = post(app, slug, send=False)
    barrier = threading.Barrier(2)
    outcomes = []

    def press() -> None:
        with app.app_context():
            petition = petition_by_slug(slug)
            update = db.session.get(Update, update_id)
            barrier.wait()
            try:
                request_sending(petition, update)
                outcomes.append("queued")
            except AlreadySent:
                outcomes.append("already")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "queued"]
    deliver_mail(app)
    assert recipients(smtp) == ["ann@example.org", "beto@example.org"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


class WorkerDied(BaseException):
    """The worker process ending abruptly (a kill), as the job reports its first batch."""


def test_a_job_taken_over_after_a_crash_queues_nobody_twice(app, smtp, slug, clock, monkeypatch):
    with app.app_context():
        petition = petition_by_slug(slug)
        for number in range(5):
            make_signature(petition, email=f"more{number}@example.org", wants_updates=True)
    monkeypatch.setattr(sending, "BATCH_SIZE", 2)
    real_progress = JobRun.progress

    def dies_once(run, done, total, label=None):
        monkeypatch.setattr(JobRun, "progress", real_progress)
        raise WorkerDied

    monkeypatch.setattr(JobRun, "progress", dies_once)
    post(app, slug)
    with app.app_context(), pytest.raises(WorkerDied):
        run_due_jobs()
    with app.app_context():
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2
    clock.shift(timedelta(seconds=DEFAULT_LEASE_SECONDS + 1))
    deliver_mail(app)
    expected = ["ann@example.org", "beto@example.org"] + [f"more{n}@example.org" for n in range(5)]
    assert recipients(smtp) == sorted(expected)


def test_the_test_email_goes_only_to_the_organizer(app, smtp, slug, organizer_client):
    update_id = post(app, slug, send=False)
    url = f"/organizer/petitions/{slug}/updates/{update_id}"
    token = csrf_token_from(organizer_client.get(url).get_data(as_text=True))
    response = organizer_client.post(f"{url}/test", data={"csrf_token": token})
    assert response.status_code == 303
    deliver_mail(app)
    assert recipients(smtp) == ["admin@example.org", "admin@example.org"]
    subjects = sorted(message["Subject"] for message in smtp.messages)
    assert subjects == [
        "[TEST en] The letters were delivered",
        "[TEST es] Las cartas fueron entregadas",
    ]
    assert all(message["List-Unsubscribe"] is None for message in smtp.messages)
    with app.app_context():
        update = db.session.get(Update, update_id)
        assert update.send_requested_at is None and update.published_at is None


def test_an_organizer_writes_previews_and_emails_an_update(app, smtp, slug, organizer_client):
    new = organizer_client.get(f"/organizer/petitions/{slug}/updates/new")
    assert new.status_code == 200
    token = csrf_token_from(new.get_data(as_text=True))
    empty = organizer_client.post(
        f"/organizer/petitions/{slug}/updates/new", data={"csrf_token": token, "title": " "}
    )
    assert empty.status_code == 400
    assert "Give the update a title." in empty.get_data(as_text=True)
    saved = organizer_client.post(
        f"/organizer/petitions/{slug}/updates/new",
        data={
            "csrf_token": token,
            "title": "The Mayor answered",
            "body": "He *will* meet us.\n\n- Monday\n- 10 am",
            "es_title": "El Alcalde respondió",
            "es_body": "Nos *va* a recibir.",
        },
    )
    assert saved.status_code == 303
    preview = organizer_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "<em>will</em>" in preview and "<li>Monday</li>" in preview
    assert "El Alcalde respondió" in preview and "<em>va</em>" in preview
    assert "Publish and email 2 signers" in preview
    assert client_page(app, slug).count("The Mayor answered") == 0, "a draft is not public"

    refused = organizer_client.post(
        saved.headers["Location"] + "/send", data={"csrf_token": token}
    )
    assert refused.status_code == 400, "the box must be ticked"
    sent = organizer_client.post(
        saved.headers["Location"] + "/send", data={"csrf_token": token, "understood": "y"}
    )
    assert sent.status_code == 303
    deliver_mail(app)
    assert recipients(smtp) == ["ann@example.org", "beto@example.org"]
    assert smtp.to("beto@example.org")[0]["Subject"] == "El Alcalde respondió"
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "2 sent, 0 waiting, 0 refused" in dashboard
    edit = organizer_client.get(saved.headers["Location"] + "/edit")
    assert edit.status_code == 303, "an emailed update no longer changes"


def client_page(app, slug: str, language: str = "en") -> str:
    client = app.test_client()
    return client.get(f"/petitions/{slug}", headers={"Accept-Language": language}).get_data(
        as_text=True
    )


def test_the_page_shows_updates_newest_first_dated_in_the_petitions_zone(app, slug, clock):
    with app.app_context():
        petition = petition_by_slug(slug)
        petition.time_zone = "America/Los_Angeles"
        db.session.commit()
    # 05:30 UTC on July 16 is still July 15 in Los Angeles (and July 16 in Philadelphia).
    clock.move_to(datetime(2027, 7, 16, 5, 30, tzinfo=UTC))
    post(app, slug, send=False)
    with app.app_context():
        petition = petition_by_slug(slug)
        for update in db.session.scalars(sa.select(Update)):
            publish_update(petition, update)
    clock.move_to(instants.OPEN + timedelta(days=3))
    post(app, slug, UpdateText("Newer", "The *newest* news."), None, send=False)
    with app.app_context():
        petition = petition_by_slug(slug)
        post_update(petition, UpdateText("Draft", "Not yet."), {})
        newest = db.session.scalar(sa.select(Update).where(Update.title == "Newer"))
        publish_update(petition, newest)

    page = client_page(app, slug)
    assert 'id="updates"' in page
    assert page.index("Newer") < page.index("The letters were delivered")
    assert '">July 15, 2027</time>' in page and "July 16, 2027" not in page
    assert "<em>newest</em>" in page
    assert "Draft" not in page
    spanish = client_page(app, slug, "es")
    assert "Las cartas fueron entregadas" in spanish and "Newer" in spanish
    assert 'lang="es"' in spanish


def test_an_update_shows_on_the_page_once_emailed(app, smtp, slug):
    assert "The letters were delivered" not in client_page(app, slug)
    post(app, slug)
    assert "The letters were delivered" in client_page(app, slug)


def test_the_command_line_posts_and_sends_an_update(app, smtp, slug, runner, tmp_path):
    english = tmp_path / "update.md"
    english.write_text("# The contract ended\n\nThe city **ended** PARS.\n", encoding="utf-8")
    spanish = tmp_path / "update.es.md"
    spanish.write_text("# Se acabó el contrato\n\nLa ciudad **terminó** PARS.\n", encoding="utf-8")
    result = runner.invoke(
        args=["updates", "post", slug, str(english), "--translation", f"es={spanish}", "--send"]
    )
    assert result.exit_code == 0, result.output
    assert "(en, es): The contract ended" in result.output
    assert "Emailing it to 2 signers" in result.output
    deliver_mail(app)
    assert smtp.to("ann@example.org")[0]["Subject"] == "The contract ended"
    assert smtp.to("beto@example.org")[0]["Subject"] == "Se acabó el contrato"
    assert "The contract ended" in client_page(app, slug)
    listed = runner.invoke(args=["updates", "list", slug])
    assert "published\t2 sent, 0 waiting, 0 refused\tThe contract ended" in listed.output


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("No title line\n\nText.", [], "must start with the title"),
        ("# Title only\n", [], "Write the update's text"),
        ("# Fine\n\nText.", ["--translation", "fr=x.md"], "'fr' is not a language"),
        ("# Fine\n\nText.", ["--translation", "es"], "write LANGUAGE=FILE.md"),
        ("# Fine\n\nText.", ["--translation", "es=missing.md"], "cannot read missing.md"),
    ],
)
def test_the_command_line_refuses_bad_files_clearly(
    app, slug, runner, tmp_path, monkeypatch, content, extra, message
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "update.md").write_text(content, encoding="utf-8")
    result = runner.invoke(args=["updates", "post", slug, "update.md", *extra])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Update)) == 0


def test_the_purge_keeps_suppressions_as_hashes(app, smtp, slug, runner, clock):
    post(app, slug)
    deliver_mail(app)
    link = unsubscribe_link(smtp.to("beto@example.org")[0])
    app.test_client(use_cookies=False).post(path(link), data=ONE_CLICK)
    clock.move_to(instants.AFTER_GRACE)
    result = runner.invoke(args=["signatures", "purge", slug, "--yes", "--delivered-by-hand"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        (suppressed,) = db.session.scalars(sa.select(Suppression)).all()
        assert suppressed.email_hash == email_hash("beto@example.org")
    after = app.test_client(use_cookies=False).post(path(link), data=ONE_CLICK)
    assert after.status_code == 200, "a link to an erased signature still answers"


def test_a_draft_is_edited_and_its_translation_removed(app, slug, organizer_client):
    update_id = post(app, slug, send=False)
    url = f"/organizer/petitions/{slug}/updates/{update_id}/edit"
    form = organizer_client.get(url)
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert 'value="Las cartas fueron entregadas"' in html
    saved = organizer_client.post(
        url,
        data={
            "csrf_token": csrf_token_from(html),
            "title": "The letters went out",
            "body": "All three.",
            "es_title": "",
            "es_body": "",
        },
    )
    assert saved.status_code == 303
    with app.app_context():
        update = db.session.get(Update, update_id)
        assert (update.title, update.body, update.translations) == (
            "The letters went out",
            "All three.",
            [],
        )
        assert update.edited_at is not None


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"title": "T" * 201, "body": "x"}, 400, "Use at most 200 characters."),
        ({"title": "Fine", "body": "Bad \x00 byte"}, 400, "control characters"),
        ({"title": "Fine", "body": "Text", "es_title": "Sólo título"}, 400, "(es)"),
    ],
)
def test_a_bad_update_is_explained_not_saved(app, slug, organizer_client, fields, status, message):
    url = f"/organizer/petitions/{slug}/updates/new"
    token = csrf_token_from(organizer_client.get(url).get_data(as_text=True))
    response = organizer_client.post(url, data={"csrf_token": token, **fields})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Update)) == 0


def test_an_update_is_found_only_under_its_own_petition(app, slug, organizer_client):
    update_id = post(app, slug, send=False)
    with app.app_context():
        other = make_petition().slug
    elsewhere = organizer_client.get(f"/organizer/petitions/{other}/updates/{update_id}")
    assert elsewhere.status_code == 404
    assert organizer_client.get(f"/organizer/petitions/{slug}/updates/999").status_code == 404
    assert app.test_client().get(f"/organizer/petitions/{slug}/updates").status_code == 302


def test_an_erased_petitions_update_is_not_emailed(app, slug, runner, clock):
    update_id = post(app, slug, send=False)
    clock.move_to(instants.AFTER_GRACE)
    purged = runner.invoke(args=["signatures", "purge", slug, "--yes", "--delivered-by-hand"])
    assert purged.exit_code == 0, purged.output
    with app.app_context():
        with pytest.raises(SendRefused, match="erased"):
            request_sending(petition_by_slug(slug), db.session.get(Update, update_id))
