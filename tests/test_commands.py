"""The command line, through Flask's CLI runner."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Petition, Signature, SignatureStatus
from app.petitions.files import PARS_FILE, next_yearly_deadline, read_petition_file
from app.petitions.queries import petition_by_slug
from tests import instants
from tests.factories import make_petition, make_signature

PARS = "end-the-pars-contract"
PARS_SOURCE_PAGE = Path(__file__).resolve().parent / "fixtures" / "pars_petition_page.txt"


def pars(app) -> Petition:
    with app.app_context():
        petition = petition_by_slug(PARS)
        db.session.expunge_all()
        return petition


def test_seed_pars_creates_the_petition_from_the_seed(app, runner):
    result = runner.invoke(args=["petitions", "seed-pars"])
    assert result.exit_code == 0, result.output
    assert "Created end-the-pars-contract: closes 2027-08-31 23:59:59 EDT" in result.output
    with app.app_context():
        petition = petition_by_slug(PARS)
        assert petition.title == "Protect Philly, Don’t Make Police Immigration Agents with PARS"
        assert petition.organizer_name == "New Sanctuary Movement of Philadelphia"
        assert petition.letter_subject == "End the PARS contract"
        assert petition.about.startswith("This summer, Philadelphia should join")
        assert petition.about.endswith("sign this petition and share it on Facebook!")
        assert petition.letter_body.startswith("I am writing you as a resident of Philadelphia")
        assert petition.letter_body.endswith("to become a truly welcoming, global city.")
        assert [t.full_name for t in petition.targets] == [
            "Mayor Michael Nutter",
            "District Attorney Seth Williams",
            "Judge Marsha Neifield",
        ]
        assert petition.featured


def test_seed_text_matches_the_source_document(app):
    """The PARS texts are the campaign's own words: campaigns/pars.toml's about and letter are
    found, word for word, in its petition page (kept in tests/fixtures as it was copied)."""
    source = " ".join(PARS_SOURCE_PAGE.read_text(encoding="utf-8").split())
    with app.app_context():
        content = read_petition_file(PARS_FILE)
    assert " ".join(content.about.split()) in source
    assert " ".join(content.letter_body.split()) in source


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 22, 12, tzinfo=UTC), "2027-08-31T23:59:59-04:00"),
        (datetime(2027, 8, 31, 12, tzinfo=UTC), "2027-08-31T23:59:59-04:00"),
        (datetime(2027, 9, 1, 3, 59, 58, tzinfo=UTC), "2027-08-31T23:59:59-04:00"),
        (datetime(2027, 9, 1, 4, 0, 0, tzinfo=UTC), "2028-08-31T23:59:59-04:00"),
    ],
)
def test_the_pars_deadline_is_the_next_august_31(app, now, expected):
    with app.app_context():
        content = read_petition_file(PARS_FILE)
    assert content.closes_yearly == (8, 31)
    moment = next_yearly_deadline(8, 31, content.zone, now)
    assert moment.astimezone(content.zone).isoformat() == expected
    assert content.deadline(now) == moment


def test_seed_pars_is_idempotent_and_keeps_signatures_and_edits(app, runner):
    runner.invoke(args=["petitions", "seed-pars"])
    with app.app_context():
        petition = petition_by_slug(PARS)
        make_signature(petition)
        petition.targets[0].email = "mayor@phila.test"
        petition.goal = 5000
        db.session.commit()
    result = runner.invoke(args=["petitions", "seed-pars"])
    assert "Updated end-the-pars-contract" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Petition)) == 1
        petition = petition_by_slug(PARS)
        assert petition.signature_count == 1
        assert petition.goal == 5000
        assert petition.targets[0].email == "mayor@phila.test"
        assert len(petition.targets) == 3


def test_seed_pars_with_closes_at(app, runner):
    result = runner.invoke(args=["petitions", "seed-pars", "--closes-at", "2027-09-15T18:00"])
    assert result.exit_code == 0, result.output
    assert pars(app).closes_at == datetime(2027, 9, 15, 22, 0, tzinfo=UTC)


def test_set_deadline_takes_a_date_as_the_end_of_that_day(app, runner):
    runner.invoke(args=["petitions", "seed-pars"])
    result = runner.invoke(args=["petitions", "set-deadline", PARS, "2027-12-01"])
    assert result.exit_code == 0, result.output
    assert "closes 2027-12-01 23:59:59 EST" in result.output
    assert pars(app).closes_at == datetime(2027, 12, 2, 4, 59, 59, tzinfo=UTC)


def test_set_deadline_with_an_offset_and_bad_input(app, runner):
    runner.invoke(args=["petitions", "seed-pars"])
    result = runner.invoke(args=["petitions", "set-deadline", PARS, "2027-10-01T12:00:00Z"])
    assert result.exit_code == 0
    assert pars(app).closes_at == datetime(2027, 10, 1, 12, tzinfo=UTC)
    bad = runner.invoke(args=["petitions", "set-deadline", PARS, "next tuesday"])
    assert bad.exit_code == 2
    assert "is not a date" in bad.output
    missing = runner.invoke(args=["petitions", "set-deadline", "no-such", "2027-10-01"])
    assert missing.exit_code == 1
    assert "no petition with slug 'no-such'" in missing.output


def test_set_target(app, runner):
    runner.invoke(args=["petitions", "seed-pars"])
    result = runner.invoke(
        args=[
            "petitions",
            "set-target",
            PARS,
            "1",
            "--name",
            "Cherelle Parker",
            "--email",
            "Mayor@Phila.gov",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1. Mayor Cherelle Parker <Mayor@phila.gov>" in result.output
    result = runner.invoke(args=["petitions", "set-target", PARS, "2", "--title", "DA"])
    assert "2. DA Seth Williams" in result.output
    bad = runner.invoke(args=["petitions", "set-target", PARS, "3", "--email", "nope"])
    assert bad.exit_code == 2
    missing = runner.invoke(args=["petitions", "set-target", PARS, "9", "--name", "X"])
    assert missing.exit_code == 1
    added = runner.invoke(
        args=[
            "petitions",
            "set-target",
            PARS,
            "4",
            "--name",
            "Jane Roe",
            "--title",
            "Council Member",
        ]
    )
    assert added.exit_code == 0
    with app.app_context():
        assert [t.position for t in petition_by_slug(PARS).targets] == [1, 2, 3, 4]


def test_recount_checks_and_repairs(app, runner):
    with app.app_context():
        petition = make_petition()
        make_signature(petition)
        make_signature(petition)
        make_signature(petition, status=SignatureStatus.PENDING)
        slug = petition.slug
    result = runner.invoke(args=["signatures", "recount", slug])
    assert f"{slug}: 2 confirmed, ok" in result.output
    with app.app_context():
        db.session.execute(sa.update(Petition).values(signature_count=7))
        db.session.commit()
    result = runner.invoke(args=["signatures", "recount"])
    assert f"{slug}: 2 confirmed, repaired (was 7)" in result.output
    with app.app_context():
        assert petition_by_slug(slug).signature_count == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 3


def test_the_seeded_petition_closes_on_august_31(app, runner, client, clock):
    runner.invoke(args=["petitions", "seed-pars"])
    clock.move_to(instants.SECOND_BEFORE_CLOSE)
    assert client.get(f"/petitions/{PARS}.json").json["is_open"] is True
    clock.move_to(instants.AT_CLOSE)
    assert client.get(f"/petitions/{PARS}.json").json["is_open"] is False
