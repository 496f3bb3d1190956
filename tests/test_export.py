"""The CSV export: content, filters, formula injection, Unicode, streaming, the record."""

import csv
import io
import re
import sys
import types
import unicodedata
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.core.text_rules import FORMULA_FIRST_CHARACTERS, neutralise
from app.extensions import db
from app.models import Channel, NameDisplay, SignatureExport, SignatureStatus
from app.signatures.export import HEADER, ExportFilters, export_signatures_csv
from tests.conftest import ON_POSTGRESQL, csrf_token_from
from tests.factories import make_petition, make_signature


def parse(text: str) -> list[dict]:
    assert text.startswith("\ufeff"), "a byte order mark, so spreadsheets read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def petition_slug(app):
    with app.app_context():
        petition = make_petition()
        make_signature(
            petition,
            first_name="María José",
            last_name="Núñez",
            email="mj@example.org",
            zip_code="19107",
            reason="Por mi familia",
            source="facebook",
            wants_updates=True,
            confirmed_at=datetime(2027, 7, 15, 16, 0, tzinfo=UTC),
            created_at=datetime(2027, 7, 15, 15, 0, tzinfo=UTC),
        )
        make_signature(
            petition,
            first_name="王",
            last_name="明",
            email="wang@example.org",
            zip_code="10001",
            name_display=NameDisplay.HIDDEN,
            created_at=datetime(2027, 7, 20, 15, 0, tzinfo=UTC),
        )
        make_signature(
            petition,
            first_name="Pending",
            last_name="Person",
            status=SignatureStatus.PENDING,
            email="p@example.org",
        )
        make_signature(
            petition,
            first_name="Paper",
            last_name="Signer",
            email=None,
            channel=Channel.PAPER,
            source="paper",
            signed_on=date(2027, 7, 4),
        )
        return petition.slug


def export_text(app, slug: str, filters: ExportFilters) -> str:
    from app.petitions.queries import petition_by_slug

    with app.app_context():
        return "".join(export_signatures_csv(petition_by_slug(slug), filters))


# The columns as they were before the updates consent came: still there, in this order.
EARLIER_COLUMNS = (
    "status",
    "channel",
    "first_name",
    "last_name",
    "name_display",
    "email",
    "zip_code",
    "resident",
    "reason",
    "source",
    "created_at",
    "confirmed_at",
    "paper_signed_on",
)


def test_columns_and_rows(app, petition_slug):
    text = export_text(app, petition_slug, ExportFilters(status=SignatureStatus.CONFIRMED))
    assert text.splitlines()[0] == "\ufeff" + ",".join(HEADER)
    assert HEADER == (*EARLIER_COLUMNS, "wants_updates")
    rows = parse(text)
    assert len(rows) == 3
    maria = rows[0]
    assert maria == {
        "status": "confirmed",
        "channel": "online",
        "first_name": "María José",
        "last_name": "Núñez",
        "name_display": "full",
        "email": "mj@example.org",
        "zip_code": "19107",
        "resident": "yes",
        "reason": "Por mi familia",
        "source": "facebook",
        "created_at": "2027-07-15T11:00:00-04:00",
        "confirmed_at": "2027-07-15T12:00:00-04:00",
        "paper_signed_on": "",
        "wants_updates": "yes",
    }
    assert rows[1]["first_name"] == "王" and rows[1]["resident"] == "no"
    assert rows[1]["wants_updates"] == "no"
    assert rows[1]["name_display"] == "hidden"
    assert rows[2]["channel"] == "paper" and rows[2]["email"] == ""
    assert rows[2]["paper_signed_on"] == "2027-07-04"


def test_filters_by_status_and_dates(app, petition_slug):
    everything = parse(export_text(app, petition_slug, ExportFilters()))
    assert len(everything) == 4
    pending = parse(export_text(app, petition_slug, ExportFilters(SignatureStatus.PENDING)))
    assert [r["first_name"] for r in pending] == ["Pending"]
    july_15 = ExportFilters(
        SignatureStatus.CONFIRMED,
        signed_from=datetime(2027, 7, 15).date(),
        signed_to=datetime(2027, 7, 15).date(),
    )
    july_15_rows = parse(export_text(app, petition_slug, july_15))
    assert [r["last_name"] for r in july_15_rows] == ["Núñez", "Signer"]
    from_16 = ExportFilters(None, signed_from=datetime(2027, 7, 16).date())
    assert [r["first_name"] for r in parse(export_text(app, petition_slug, from_16))] == ["王"]


FULL_WIDTH = ["＝HYPERLINK(1)", "＋1+1", "－2", "＠SUM(A1)", "⁼1", "﹢1", "﹣1", "﹫x", "⩵1"]


@pytest.mark.parametrize(
    "dangerous",
    ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rReturn", *FULL_WIDTH],
)
def test_cells_that_would_run_as_formulas_are_neutralised(dangerous):
    assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("Safe = fine") == "Safe = fine"
    assert neutralise("=\u0338 composes into ≠ but starts with =").startswith("'=")


def test_every_character_that_folds_into_a_formula_start_is_neutralised():
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        runs = char in "\t\r" or unicodedata.normalize("NFKC", char).startswith(
            ("=", "+", "-", "@")
        )
        assert (neutralise(char + "1") == "'" + char + "1") == runs, hex(code)


def test_full_width_formulas_are_neutralised_in_the_file(app):
    """The database writes these cells (SQLite's GLOB, PostgreSQL's COPY): one row per
    character that folds into a formula start, in every column a person types."""
    starts = sorted(FORMULA_FIRST_CHARACTERS)
    with app.app_context():
        petition = make_petition()
        for number, start in enumerate(starts):
            make_signature(
                petition,
                first_name=f"{start}HYPERLINK(1)",
                last_name=f"{start}1",
                email=f"{start}{number}@example.org",
                reason=f"{start}SUM(A1)",
                source=f"{start}x",
            )
        make_signature(petition, first_name="Ｍａｒｉａ", reason="Ｓａｆｅ ＝ fine")
        rows = parse("".join(export_signatures_csv(petition, ExportFilters())))
    assert len(rows) == len(starts) + 1
    for start, row in zip(starts, rows, strict=False):
        for column in ("first_name", "last_name", "email", "reason", "source"):
            assert row[column].startswith("'" + start), (hex(ord(start)), column, row[column])
    assert (rows[-1]["first_name"], rows[-1]["reason"]) == ("Ｍａｒｉａ", "Ｓａｆｅ ＝ fine")


def test_formula_injection_in_a_reason_is_neutralised_in_the_file(app):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, reason="=cmd|' /C calc'!A0", source="-x")
        text = "".join(export_signatures_csv(petition, ExportFilters()))
    row = parse(text)[0]
    assert row["reason"] == "'=cmd|' /C calc'!A0"
    assert row["source"] == "'-x"


def test_the_export_is_a_stream_of_chunks(app, monkeypatch):
    import app.signatures.export as export_module

    monkeypatch.setattr(export_module, "CHUNK_ROWS", 3)
    with app.app_context():
        petition = make_petition()
        for _ in range(10):
            make_signature(petition)
        stream = export_signatures_csv(petition, ExportFilters())
        assert isinstance(stream, types.GeneratorType)
        pieces = list(stream)
    if not ON_POSTGRESQL:  # PostgreSQL's COPY streams in blocks of its own size
        assert len(pieces) == 1 + 4, "a header, then one piece per page of 3 rows"
    assert len(parse("".join(pieces))) == 10


def test_every_export_is_recorded(app, petition_slug):
    export_text(app, petition_slug, ExportFilters(SignatureStatus.CONFIRMED))
    with app.app_context():
        record = db.session.scalar(sa.select(SignatureExport))
        assert record.filters == "status=confirmed"
        assert record.row_count == 3
        assert record.finished_at is not None
        assert record.actor.startswith("command line")


def test_download_from_the_dashboard(app, organizer_client, petition_slug):
    """The request queues the export; the worker writes it; the dashboard offers it."""
    from tests.conftest import deliver_mail

    page = organizer_client.get(f"/organizer/petitions/{petition_slug}")
    response = organizer_client.post(
        f"/organizer/petitions/{petition_slug}/export.csv",
        data={
            "csrf_token": csrf_token_from(page.text),
            "status": "all",
            "signed_from": "",
            "signed_to": "",
        },
    )
    assert response.status_code == 303
    deliver_mail(app)
    dashboard = organizer_client.get(f"/organizer/petitions/{petition_slug}").get_data(as_text=True)
    link = re.search(r'href="(/organizer/petitions/[^"]+/files/\d+)"', dashboard)
    response = organizer_client.get(link.group(1))
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment;" in response.headers["Content-Disposition"]
    assert len(parse(response.get_data(as_text=True))) == 4
    dashboard = organizer_client.get(f"/organizer/petitions/{petition_slug}").get_data(as_text=True)
    assert "admin@example.org" in dashboard and "status=all" in dashboard


def test_bad_export_filters_are_explained(app, organizer_client, petition_slug):
    page = organizer_client.get(f"/organizer/petitions/{petition_slug}")
    response = organizer_client.post(
        f"/organizer/petitions/{petition_slug}/export.csv",
        data={
            "csrf_token": csrf_token_from(page.text),
            "status": "everything",
            "signed_from": "2027-08-01",
            "signed_to": "2027-07-01",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Choose one of the options." in response.get_data(as_text=True)


def test_export_command_writes_a_file(app, runner, petition_slug, tmp_path):
    target = tmp_path / "signatures.csv"
    result = runner.invoke(args=["signatures", "export", petition_slug, "--output", str(target)])
    assert result.exit_code == 0, result.output
    rows = parse(target.read_text(encoding="utf-8"))
    assert len(rows) == 3
    result = runner.invoke(args=["signatures", "export", petition_slug, "--status", "pending"])
    assert [row["first_name"] for row in parse(result.output)] == ["Pending"]


def test_times_follow_daylight_saving_and_text_survives_quotes_and_newlines(app):
    with app.app_context():
        petition = make_petition()
        for hour in (5, 6):  # 01:30 EDT, then 01:30 EST again after clocks fall back
            moment = datetime(2027, 11, 7, hour, 30, tzinfo=UTC)
            make_signature(
                petition,
                created_at=moment,
                confirmed_at=moment,
                reason='She said "no", twice,\nthen left',
            )
        winter = datetime(2028, 1, 10, 15, 0, tzinfo=UTC)
        make_signature(petition, created_at=winter, confirmed_at=winter, reason=None)
        rows = parse("".join(export_signatures_csv(petition, ExportFilters())))
    assert [r["created_at"] for r in rows] == [
        "2027-11-07T01:30:00-04:00",
        "2027-11-07T01:30:00-05:00",
        "2028-01-10T10:00:00-05:00",
    ]
    assert rows[0]["reason"] == 'She said "no", twice,\nthen left'
    assert rows[2]["reason"] == ""
