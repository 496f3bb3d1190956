"""Petition files (TOML): read with every problem named by its key, created as drafts or
published, written back by `petitions dump` into a file that creates the same petition."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import PetitionChange, PetitionMember, PetitionTranslation, TargetTranslation
from app.petitions.files import PARS_FILE, PetitionFileError, parse_petition_file
from app.petitions.queries import petition_by_slug
from tests import instants
from tests.factories import make_organizer, make_petition

# The petition file format is documented, with an example, in the organizers' page.
PETITION_FILES_DOC = Path(__file__).resolve().parents[1] / "docs" / "organizers.md"

MINIMAL = """
slug = "fix-the-buses"
title = "Fix the buses"
organizer = "Riders United"
about = "The 23 is late."
letter_subject = "Fix the 23"
letter_body = "Please fix it."
time_zone = "America/Los_Angeles"
resident_zip_prefixes = ["900", "901"]
resident_label = "Los Angeles"
closes_at = 2027-08-31

[[targets]]
title = "Mayor"
name = "Jane Doe"
email = "mayor@example.org"
"""


def snapshot(petition) -> dict:
    """Everything a file carries of a petition, slug aside."""
    return {
        "texts": (
            petition.title,
            petition.organizer_name,
            petition.about,
            petition.letter_subject,
            petition.letter_body,
        ),
        "goal": petition.goal,
        "place": (petition.time_zone, petition.resident_zip_prefixes, petition.resident_label),
        "dates": (petition.opens_at, petition.closes_at),
        "targets": [
            (
                t.position,
                t.title,
                t.name,
                t.email,
                sorted((x.locale, x.title) for x in t.translations),
            )
            for t in petition.targets
        ],
        "translations": sorted(
            (t.locale, t.title, t.about, t.letter_subject, t.letter_body)
            for t in petition.translations
        ),
    }


def write(tmp_path, text: str, name: str = "petition.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_dump_then_create_gives_the_same_petition(app, runner, tmp_path):
    with app.app_context():
        petition = make_petition(
            slug="original",
            title='A "quoted" title, with a backslash \\ and an apostrophe’s curl',
            about="First paragraph.\n\nA paragraph that ends with a quote: 'yes'",
            letter_body="Dear all,\n\nIt has ''' three quotes\tand a tab.\n\n- a list\n- of two",
            time_zone="America/Los_Angeles",
            resident_zip_prefixes="900 901",
            resident_label="Los Angeles",
            goal=2500,
            opens_at=datetime(2027, 6, 1, 16, 0, 0, 123456, tzinfo=UTC),
        )
        petition.targets[0].email = "mayor@example.org"
        petition.targets[1].email = None
        petition.targets[2].email = "Judge.Roe@example.org"
        petition.translations.append(
            PetitionTranslation(
                locale="es",
                title="Un título",
                about="Primer párrafo.\n\nSegundo.",
                letter_subject="Asunto",
                letter_body="Cuerpo.\r\nCon CRLF.",
            )
        )
        petition.targets[0].translations.append(TargetTranslation(locale="es", title="Alcalde"))
        petition.targets[2].translations.append(TargetTranslation(locale="es", title="Jueza"))
        db.session.commit()
        original = snapshot(petition)

    dumped = runner.invoke(args=["petitions", "dump", "original"])
    assert dumped.exit_code == 0, dumped.output
    assert 'slug = "original"' in dumped.output
    assert "closes_at = 2027-08-31 20:59:59-07:00" in dumped.output  # in the petition's zone
    assert 'target_titles = [\n    "Alcalde",\n    "",\n    "Jueza",\n]' in dumped.output
    path = write(tmp_path, dumped.output.replace('slug = "original"', 'slug = "the-copy"'))

    created = runner.invoke(args=["petitions", "create", "--from", path])
    assert created.exit_code == 0, created.output
    assert "Created the-copy (draft): closes" in created.output
    with app.app_context():
        copy = petition_by_slug("the-copy")
        assert snapshot(copy) == original
        assert not copy.is_published and not copy.featured
        assert copy.signature_count == 0
    again = runner.invoke(args=["petitions", "dump", "the-copy"])
    assert again.output == dumped.output.replace('slug = "original"', 'slug = "the-copy"')


def test_the_pars_file_round_trips_too(app, runner, tmp_path):
    runner.invoke(args=["petitions", "seed-pars"])
    dumped = runner.invoke(args=["petitions", "dump", "end-the-pars-contract"]).output
    assert 'about = """\nThis summer, Philadelphia should join' in dumped
    assert 'target_titles = [\n    "Alcalde",\n    "Fiscal de Distrito",\n    "Jueza",\n]' in dumped
    path = write(tmp_path, dumped.replace('slug = "end-the-pars-contract"', 'slug = "pars-2"'))
    assert runner.invoke(args=["petitions", "create", "--from", path]).exit_code == 0
    with app.app_context():
        assert snapshot(petition_by_slug("pars-2")) == snapshot(
            petition_by_slug("end-the-pars-contract")
        )


def test_create_a_draft_then_publish_it(app, runner, client, tmp_path):
    with app.app_context():
        make_organizer("ana@example.org")
    path = write(tmp_path, MINIMAL)
    result = runner.invoke(
        args=["petitions", "create", "--from", path, "--member", "ana@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert "Created fix-the-buses (draft): closes 2027-08-31 23:59:59 PDT" in result.output
    with app.app_context():
        petition = petition_by_slug("fix-the-buses")
        # A date closes at the end of that day in the petition's own zone.
        assert petition.closes_at == datetime(2027, 9, 1, 6, 59, 59, tzinfo=UTC)
        assert instants.OPEN <= petition.opens_at < instants.OPEN + timedelta(minutes=1)  # now
        assert petition.resident_prefixes == ("900", "901")
        assert petition.published_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionMember)) == 1

    published = runner.invoke(args=["petitions", "publish", "fix-the-buses"])
    assert published.exit_code == 0, published.output
    assert published.output == "Published fix-the-buses\n"
    with app.app_context():
        petition = petition_by_slug("fix-the-buses")
        assert petition.is_published
        assert (
            db.session.scalar(
                sa.select(PetitionChange.what)
                .where(PetitionChange.petition_id == petition.id)
                .order_by(PetitionChange.id.desc())
            )
            == "published"
        )
    again = runner.invoke(args=["petitions", "publish", "fix-the-buses"])
    assert again.output == "fix-the-buses was already published\n"
    assert client.get("/petitions/fix-the-buses").status_code == 200

    taken = runner.invoke(args=["petitions", "create", "--from", path])
    assert taken.exit_code == 1
    assert "slug: 'fix-the-buses' is taken by another petition" in taken.output


def test_create_and_publish_at_once_or_be_told_why_not(app, runner, tmp_path):
    no_targets = MINIMAL.split("[[targets]]")[0].replace("fix-the-buses", "no-targets")
    refused = runner.invoke(
        args=["petitions", "create", "--from", write(tmp_path, no_targets), "--publish"]
    )
    assert refused.exit_code == 1
    assert "cannot publish: Add at least one target" in refused.output
    with app.app_context():
        assert petition_by_slug("no-targets") is None  # nothing half made

    created = runner.invoke(
        args=["petitions", "create", "--from", write(tmp_path, MINIMAL), "--publish"]
    )
    assert "Created fix-the-buses (published)" in created.output

    past = MINIMAL.replace("fix-the-buses", "too-late").replace(
        "closes_at = 2027-08-31", "opens_at = 2027-06-01\ncloses_at = 2027-07-01"
    )
    runner.invoke(args=["petitions", "create", "--from", write(tmp_path, past)])
    late = runner.invoke(args=["petitions", "publish", "too-late"])
    assert late.exit_code == 1
    assert "too-late is not published: Its closing time has passed" in late.output
    missing = runner.invoke(args=["petitions", "publish", "nope"])
    assert "no petition with slug 'nope'" in missing.output
    unknown = runner.invoke(
        args=["petitions", "create", "--from", write(tmp_path, MINIMAL), "--member", "x@y.org"]
    )
    assert unknown.exit_code == 2 and "no organizer has the address x@y.org" in unknown.output


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('slug = "fix-the-buses"', 'slug = "Fix The Buses"'), "slug: use lower-case"),
        (('title = "Fix the buses"', ""), "title: missing"),
        (('title = "Fix the buses"', 'title = "  "'), "title: is empty"),
        (('title = "Fix the buses"', "title = 12"), "title: must be text in quotes"),
        (('title = "Fix the buses"', f'title = "{"x" * 201}"'), "title: is 201 characters long"),
        (('time_zone = "America/Los_Angeles"', 'time_zone = "Mars/Olympus"'), "time_zone:"),
        (('["900", "901"]', '"900"'), "resident_zip_prefixes: must be a list"),
        (('["900", "901"]', '["9OO"]'), "resident_zip_prefixes: each must be 1 to 5 digits"),
        (('resident_label = "Los Angeles"', ""), "resident_label: missing"),
        (("closes_at = 2027-08-31", ""), "closes_at: missing"),
        (("closes_at = 2027-08-31", 'closes_at = "August 31"'), "closes_at: must be a date"),
        (("closes_at = 2027-08-31", 'closes_at = "2027-08-32"'), "closes_at: must be a date"),
        (("closes_at = 2027-08-31", 'closes_at = "09:00:00"'), "closes_at: must be a date"),
        (("closes_at = 2027-08-31", 'closes_at = "2027-08-31\\nx"'), "closes_at: must be a date"),
        (("closes_at = 2027-08-31", 'opens_at = ""\ncloses_at = 2027-08-31'), "opens_at: must be"),
        (
            ("closes_at = 2027-08-31", "closes_at = 2027-08-31\nopens_at = 2027-09-01"),
            "closes_at: is not after opens_at",
        ),
        (
            ("closes_at = 2027-08-31", 'closes_at = 2027-08-31\ncloses_yearly = "08-31"'),
            "closes_yearly: give closes_at or closes_yearly, not both",
        ),
        (("closes_at = 2027-08-31", 'closes_yearly = "02-30"'), "closes_yearly: must be"),
        (("[[targets]]", "goal = 0\n[[targets]]"), "goal: must be a whole number"),
        (('name = "Jane Doe"', ""), "targets[1].name: missing"),
        (('email = "mayor@example.org"', 'email = "nope"'), "targets[1].email:"),
        (
            ('email = "mayor@example.org"', 'emial = "mayor@example.org"'),
            "targets[1].emial: unknown key",
        ),
        (("organizer =", "organiser = 1\norganizer ="), "organiser: unknown key"),
        (
            ("[[targets]]", '[translations.fr]\ntitle = "x"\nabout = "y"\n\n[[targets]]'),
            "translations.fr: not a language of this site",
        ),
        (
            ("[[targets]]", '[translations.es]\ntitle = "x"\n\n[[targets]]'),
            "translations.es.about: missing",
        ),
        (
            (
                "[[targets]]",
                '[translations.es]\ntitle = "x"\nabout = "y"\n'
                'target_titles = ["A", "B"]\n\n[[targets]]',
            ),
            "translations.es.target_titles: 2 titles for 1 targets",
        ),
        (("[[targets]]", "[[targets"), "not valid TOML"),
        # What the forms refuse, a file cannot bring in (bidi override, NUL, ESC, U+2028).
        (('title = "Fix the buses"', 'title = "Fix \\u202eses"'), "title: must be one line"),
        (('name = "Jane Doe"', 'name = "Jane\\u0000Doe"'), "targets[1].name: must be one line"),
        (('name = "Jane Doe"', 'name = "Jane\\u2028Doe"'), "targets[1].name: must be one line"),
        (
            ('letter_body = "Please fix it."', 'letter_body = "Please\\u001b[2J fix it."'),
            "letter_body: has control characters",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_key(app, change, problem):
    old, new = change
    assert old in MINIMAL
    with app.app_context(), pytest.raises(PetitionFileError) as refused:
        parse_petition_file(MINIMAL.replace(old, new, 1))
    assert any(line.startswith(problem) for line in refused.value.problems), refused.value.problems


def test_every_problem_is_told_at_once_on_the_command_line(app, runner, tmp_path):
    bad = MINIMAL.replace('title = "Fix the buses"', "").replace('"America/Los_Angeles"', '"X"')
    result = runner.invoke(args=["petitions", "create", "--from", write(tmp_path, bad)])
    assert result.exit_code == 1
    assert "petition.toml cannot become a petition:" in result.output
    assert "  title: missing" in result.output
    assert "  time_zone: must be a time zone name" in result.output
    with app.app_context():
        assert petition_by_slug("fix-the-buses") is None


def test_times_without_an_offset_are_in_the_petitions_zone(app):
    text = MINIMAL.replace(
        "closes_at = 2027-08-31", "opens_at = 2027-06-01T09:00:00\ncloses_at = 2027-08-31T18:00:00Z"
    )
    with app.app_context():
        content = parse_petition_file(text)
    assert content.opens_at == datetime(2027, 6, 1, 16, 0, tzinfo=UTC)  # 09:00 in Los Angeles
    assert content.closes_at == datetime(2027, 8, 31, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ('closes_at = "2027-08-31"', "closes_at = 2027-08-31"),
        ('closes_at = " 2027-08-31 "', "closes_at = 2027-08-31"),
        ('closes_at = "2027-08-31T18:00:00"', "closes_at = 2027-08-31T18:00:00"),
        ('closes_at = "2027-08-31 18:00"', "closes_at = 2027-08-31T18:00:00"),
        ('closes_at = "2027-08-31T18:00:00Z"', "closes_at = 2027-08-31T18:00:00Z"),
        ('closes_at = "2027-08-31T18:00:00-04:00"', "closes_at = 2027-08-31T18:00:00-04:00"),
        (
            'opens_at = "2027-06-01"\ncloses_at = "2027-06-30"',
            "opens_at = 2027-06-01\ncloses_at = 2027-06-30",
        ),
    ],
)
def test_dates_in_quotes_are_read_as_dates(app, written, meant):
    """People write TOML dates in quotes, as every other value: they mean the same."""
    with app.app_context():
        quoted = parse_petition_file(MINIMAL.replace("closes_at = 2027-08-31", written))
        bare = parse_petition_file(MINIMAL.replace("closes_at = 2027-08-31", meant))
    assert (quoted.opens_at, quoted.closes_at) == (bare.opens_at, bare.closes_at)
    assert quoted.closes_at is not None


def test_the_pars_file_and_the_documented_example_are_valid(app):
    with app.app_context():
        pars = parse_petition_file(PARS_FILE.read_text(encoding="utf-8"))
        doc = PETITION_FILES_DOC.read_text(encoding="utf-8")
        example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
        content = parse_petition_file(example)
    assert pars.slug == "end-the-pars-contract"
    assert pars.resident_zip_prefixes == ("191",) and pars.resident_label == "Philadelphia"
    assert pars.translations["es"].target_titles == ("Alcalde", "Fiscal de Distrito", "Jueza")
    assert content.translations["es"].title
    assert content.targets
