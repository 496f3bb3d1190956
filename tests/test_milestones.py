"""Milestones: crossing one is recorded once whatever the race, shown on the page, told to the
organizers, and prepares an update that signers get only if they asked for updates and an
organizer said so. A petition's closing is told to its organizers once."""

import threading
from datetime import timedelta

import sqlalchemy as sa

from app.cli.consumers import deliver_events
from app.cli.schedule import SCHEDULE
from app.core.database import write_transaction
from app.extensions import db
from app.models import (
    Event,
    EventKind,
    Petition,
    PetitionMilestone,
    SignatureStatus,
    Update,
)
from app.organizers.membership import join_petition
from app.petitions.closing import record_closed_petitions
from app.petitions.milestones import default_milestones, milestones_of, set_milestones
from app.signatures.signing import confirm_signature
from tests.conftest import deliver_mail
from tests.factories import make_organizer, make_petition, make_signature


def milestone_events(app) -> list[dict]:
    with app.app_context():
        return [
            event.values
            for event in db.session.scalars(
                sa.select(Event)
                .where(Event.kind == EventKind.PETITION_MILESTONE)
                .order_by(Event.id)
            )
        ]


def with_organizer(petition: Petition, email: str = "org@example.org") -> None:
    organizer = make_organizer(email)
    with write_transaction():
        join_petition(petition, organizer)


def confirm(petition_id: int, count: int, **fields) -> None:
    petition = db.session.get_one(Petition, petition_id)
    for _ in range(count):
        confirm_signature(make_signature(petition, status=SignatureStatus.PENDING, **fields))


def run_worker(app) -> None:
    """What the worker's events task does, then the jobs and the outbox."""
    with app.app_context():
        deliver_events()
        db.session.remove()
    deliver_mail(app)


def test_default_milestones_are_the_steps_toward_the_goal():
    assert default_milestones(100) == [25, 50, 75, 100]
    assert default_milestones(1000) == [250, 500, 750, 1000]
    assert default_milestones(1500) == [400, 750, 1100, 1500]
    assert default_milestones(10) == [3, 5, 8, 10]
    assert default_milestones(1) == [1]


def test_fifty_concurrent_confirmations_record_a_crossing_once(app):
    with app.app_context():
        petition = make_petition(goal=1000)
        set_milestones(petition, [10, 30, 1000])
        ids = [make_signature(petition, status=SignatureStatus.PENDING).id for _ in range(50)]
        petition_id = petition.id
    barrier = threading.Barrier(len(ids))
    failures: list[BaseException] = []

    def press(signature_id: int) -> None:
        with app.app_context():
            from app.models import Signature

            signature = db.session.get_one(Signature, signature_id)
            db.session.rollback()  # its connection back to the pool: 50 threads share 15
            barrier.wait()
            try:
                confirm_signature(signature)
            except BaseException as error:  # noqa: BLE001
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(event["count"] for event in milestone_events(app)) == [10, 30]
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        assert petition.signature_count == 50
        assert petition.next_milestone == 1000
        reached = [m.count for m in milestones_of(petition) if m.reached_at is not None]
        assert reached == [10, 30]


def test_defaults_are_made_at_the_first_count_and_follow_the_goal(app):
    with app.app_context():
        petition = make_petition(goal=8)  # 2, 4, 6, 8
        petition_id = petition.id
        assert [m.count for m in milestones_of(petition)] == [2, 4, 6, 8]
        confirm(petition_id, 3)
        assert [e["count"] for e in milestone_events(app)] == [2]
        petition = db.session.get_one(Petition, petition_id)
        from app.petitions.settings import set_goal

        with write_transaction():
            set_goal(petition, 20)  # 5, 10, 15, 20
        confirm(petition_id, 2)
        assert [e["count"] for e in milestone_events(app)] == [2, 5]
        petition = db.session.get_one(Petition, petition_id)
        assert [(m.count, m.reached_at is not None) for m in milestones_of(petition)] == [
            (2, True),
            (5, True),
            (10, False),
            (15, False),
            (20, False),
        ]


def test_a_milestone_shows_on_the_page_and_the_organizers_hear_of_it(app, client, smtp):
    with app.app_context():
        petition = make_petition(goal=1000, time_zone="America/New_York")
        with_organizer(petition)
        set_milestones(petition, [2])
        slug, petition_id = petition.slug, petition.id
        version = petition.page_version
        make_signature(petition, email="quiet@example.org", wants_updates=False)
    before = client.get(f"/petitions/{slug}").text
    assert "Reached 2 signatures" not in before
    with app.app_context():
        confirm(petition_id, 1, email="fan@example.org", wants_updates=True)
        assert db.session.get_one(Petition, petition_id).page_version > version
    page = client.get(f"/petitions/{slug}").text
    assert "Reached 2 signatures on" in page
    run_worker(app)
    (notice,) = smtp.to("org@example.org")
    assert "Reached 2 signatures" in notice["Subject"]
    # The draft waits for an organizer: no signer got anything.
    assert smtp.to("fan@example.org") == [] and smtp.to("quiet@example.org") == []
    with app.app_context():
        (update,) = db.session.scalars(sa.select(Update)).all()
        assert update.send_requested_at is None and update.published_at is None
        assert "2 signatures" in update.title
        milestone = db.session.scalars(sa.select(PetitionMilestone)).one()
        assert milestone.update_id == update.id
    run_worker(app)  # delivered once: no second notice, no second draft
    assert len(smtp.to("org@example.org")) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Update)) == 1


def test_auto_send_emails_the_draft_to_signers_who_asked_only(app, smtp):
    with app.app_context():
        petition = make_petition(goal=1000)
        with_organizer(petition)
        set_milestones(petition, [3], auto_send=[3])
        petition_id = petition.id
        make_signature(petition, email="fan@example.org", wants_updates=True)
        make_signature(petition, email="quiet@example.org", wants_updates=False)
        confirm(petition_id, 1, email="late@example.org", wants_updates=False)
    run_worker(app)
    deliver_mail(app)  # the sending job, then its messages
    assert len(smtp.to("fan@example.org")) == 1
    assert "3 signatures" in smtp.to("fan@example.org")[0]["Subject"]
    assert smtp.to("quiet@example.org") == [] and smtp.to("late@example.org") == []
    with app.app_context():
        (update,) = db.session.scalars(sa.select(Update)).all()
        assert update.is_sent


def test_a_closed_petition_tells_its_organizers_once(app, clock, smtp):
    with app.app_context():
        petition = make_petition(goal=1000, resident_zip_prefixes="191")
        with_organizer(petition)
        set_milestones(petition, [])
        make_signature(petition, zip_code="19107")
        make_signature(petition, zip_code="19107")
        make_signature(petition, zip_code="10001")
        with write_transaction():
            petition = db.session.get_one(Petition, petition.id)
            petition.signature_count = 3
        closes_at = petition.closes_at
        assert record_closed_petitions() == 0
    clock.move_to(closes_at + timedelta(minutes=1))
    with app.app_context():
        assert record_closed_petitions() == 1
        assert record_closed_petitions() == 0
        (closed,) = db.session.scalars(
            sa.select(Event).where(Event.kind == EventKind.PETITION_CLOSED)
        ).all()
        assert closed.values == {"count": 3}
    run_worker(app)
    run_worker(app)
    (notice,) = smtp.to("org@example.org")
    body = notice.get_body(("plain",)).get_content()
    assert "3 signatures" in notice["Subject"]
    assert "2 from Philadelphia and 1 from elsewhere" in body
    assert "signatures purge" in body and "letters" in body
    assert [m for m in smtp.messages if m["To"] != "org@example.org"] == []


def test_the_schedule_runs_closings_and_events():
    names = [task.name for task in SCHEDULE]
    assert names.index("closed petitions") < names.index("events")


def test_the_command_sets_and_prints_milestones(app, runner):
    with app.app_context():
        slug = make_petition(goal=1000).slug
    shown = runner.invoke(args=["petitions", "milestones", slug])
    assert shown.exit_code == 0, shown.output
    assert "steps toward its goal" in shown.output and "750" in shown.output
    result = runner.invoke(
        args=["petitions", "milestones", slug, "100", "1,000", "5000", "--auto-send", "5000"]
    )
    assert result.exit_code == 0, result.output
    assert "its own" in result.output
    assert "5,000  not yet reached, update sent automatically" in result.output
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        assert [(m.count, m.auto_send) for m in milestones_of(petition)] == [
            (100, False),
            (1000, False),
            (5000, True),
        ]
    wrong = runner.invoke(args=["petitions", "milestones", slug, "ten"])
    assert wrong.exit_code != 0 and "not a count" in wrong.output
    back = runner.invoke(args=["petitions", "milestones", slug, "--default"])
    assert "steps toward its goal" in back.output and "250" in back.output


def test_the_settings_page_edits_milestones(app, organizer_client):
    with app.app_context():
        slug = make_petition(goal=100).slug
    page = organizer_client.get(f"/organizer/petitions/{slug}/settings").text
    assert "Milestones" in page and "25; 50; 75; 100" in page
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page)
    response = organizer_client.post(
        f"/organizer/petitions/{slug}/milestones",
        data={"csrf_token": token, "counts": "40, 80"},
    )
    assert response.status_code == 303
    page = organizer_client.get(f"/organizer/petitions/{slug}/settings").text
    assert 'value="40, 80"' in page and "At 80 signatures" in page
    organizer_client.post(
        f"/organizer/petitions/{slug}/milestones",
        data={"csrf_token": token, "counts": "40, 80", "auto_send": "80"},
    )
    with app.app_context():
        petition = db.session.scalars(sa.select(Petition).where(Petition.slug == slug)).one()
        assert [(m.count, m.auto_send) for m in milestones_of(petition)] == [
            (40, False),
            (80, True),
        ]
    organizer_client.post(
        f"/organizer/petitions/{slug}/milestones",
        data={"csrf_token": token, "counts": "forty"},
    )
    page = organizer_client.get(f"/organizer/petitions/{slug}/settings").text
    assert "not saved" in page
