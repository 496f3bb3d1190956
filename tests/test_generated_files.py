"""Long work leaves the request: a target's letter (PDF) and signatures exports are built by
the worker, followed on the page, stored in chunks in the database and served to the
petition's organizers until they expire."""

import csv
import hashlib
import io
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.jobs import JobLost, JobRun, claim_next_job
from app.jobs.files import delete_unfinished_files
from app.models import (
    GeneratedFile,
    GeneratedFileChunk,
    Job,
    JobStatus,
    Signature,
    SignatureExport,
)
from app.organizers.membership import join_petition
from app.petitions.queries import petition_by_slug
from tests.conftest import csrf_token_from, deliver_mail, log_in, prepared_letter, press_button
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition, make_signature

REFRESH = '<meta http-equiv="refresh" content="3">'
FILE_LINK = re.compile(r'href="(/organizer/petitions/[a-z0-9-]+/files/(\d+))"')
LARGE = 20_000


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


class Timed:
    """Every web request of a test, each timed from the call to its last byte read."""

    LIMIT = 1.0  # seconds: what the issue asks of every web request

    def __init__(self, client) -> None:
        self.client = client
        self.times: list[tuple[float, str]] = []

    def __call__(self, method: str, path: str, **kwargs):
        started = time.perf_counter()
        response = self.client.open(path, method=method, **kwargs)
        response.get_data()
        self.times.append((time.perf_counter() - started, f"{method} {path}"))
        return response

    def page(self, path: str) -> str:
        response = self("GET", path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def slowest(self) -> tuple[float, str]:
        return max(self.times)


class WatchedRun(JobRun):
    """The worker's own JobRun; after a step of progress committed mid-way, the organizer
    looks at the page (as its refresh would)."""

    def __init__(self, job, look) -> None:
        super().__init__(job)
        self.look = look
        self.seen: list[str] = []

    def progress(self, done: int, total: int, label: str | None = None) -> None:
        super().progress(done, total, label)
        if 0 < done < total and len(self.seen) < 2:
            self.seen.append(self.look())


def file_link(html: str) -> tuple[str, int]:
    match = FILE_LINK.search(html)
    assert match, "no file offered on the page"
    return match.group(1), int(match.group(2))


@pytest.fixture
def large_slug(app):
    from app.signatures.fake import add_fake_signatures

    with app.app_context():
        petition = make_petition()
        add_fake_signatures(petition, LARGE)
        return petition.slug


def test_a_large_petitions_letters_are_prepared_and_delivered_with_short_requests(
    app, organizer_client, smtp, large_slug
):
    from app.letters.delivery import _deliver_letters_job
    from app.letters.letter import counts_sentence, signer_counts
    from app.letters.letter_files import _letter_pdf_job

    slug = large_slug
    timed = Timed(organizer_client)
    letters = f"/organizer/petitions/{slug}/letters"
    page = timed.page(letters)
    assert "Prepare the letter (PDF)" in page and REFRESH not in page

    # 1. The mayor's letter as a PDF: the request only queues it.
    pressed = timed("POST", f"{letters}/1/prepare", data={"csrf_token": csrf_token_from(page)})
    assert pressed.status_code == 303
    assert count(app, GeneratedFile) == 0
    waiting = timed.page(letters)
    assert "The letter is being prepared" in waiting
    assert "Waiting for the worker to prepare the letter" in waiting and REFRESH in waiting

    with app.app_context():
        run = WatchedRun(claim_next_job(), lambda: timed.page(letters))
        _letter_pdf_job(run)
        job = db.session.get(Job, run.job.id)
        assert job.status == JobStatus.DONE
        petition = petition_by_slug(slug)
        sentence = counts_sentence(petition, signer_counts(petition, job.created_at))
        stored = db.session.scalar(sa.select(GeneratedFile))
        sha256, size = stored.sha256, stored.size
    # Mid-way, the page showed how far the list had got, and kept refreshing itself.
    assert run.seen, "progress was reported mid-way"
    mid = run.seen[0]
    assert re.search(
        r"Listing the signers in the letter to Mayor Michael Nutter: [\d,]+ of [\d,]+", mid
    )
    assert "<progress value=" in mid and REFRESH in mid

    ready = timed.page(letters)
    assert REFRESH not in ready and "Open the letter (PDF)" in ready
    path, _ = file_link(ready)
    download = timed("GET", path)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "inline;" in download.headers["Content-Disposition"]
    data = download.get_data()
    assert len(data) == size and hashlib.sha256(data).hexdigest() == sha256
    pdf = PdfReader(io.BytesIO(data))
    assert len(pdf.pages) > 100
    first = " ".join(pdf.pages[0].extract_text().split())
    assert "Dear Mayor Michael Nutter," in first and sentence in first

    # 2. Delivering the three letters by email: the request only queues them too.
    page = timed.page(letters)
    delivered = timed(
        "POST",
        f"{letters}/deliver",
        data={"csrf_token": csrf_token_from(page), "targets": ["1", "2", "3"], "previewed": "y"},
    )
    assert delivered.status_code == 303
    with app.app_context():
        run = WatchedRun(claim_next_job(), lambda: timed.page(letters))
        _deliver_letters_job(run)
    assert any(
        "Building the letter to District Attorney Seth Williams: 2 of 3" in p for p in run.seen
    )
    assert deliver_mail(app).sent == 3
    messages = smtp.wait_for(3)
    people = f"{LARGE:,} people"
    assert all(m["Subject"].endswith(f"signed by {people}") for m in messages)
    done = timed.page(letters)
    assert "Delivery under way" not in done and done.count("milestone") >= 3

    slowest, request = timed.slowest()
    assert slowest < Timed.LIMIT, f"{request} took {slowest:.2f} s"


def press_export(client, slug: str, **fields):
    page = client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "status": "all",
        "signed_from": "",
        "signed_to": "",
    }
    data.update(fields)
    return client.post(f"/organizer/petitions/{slug}/export.csv", data=data)


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition()
        make_signature(
            petition, first_name="María José", last_name="Núñez", reason='Said "no",\nthen left'
        )
        make_signature(petition, first_name="=Formula", zip_code="10001")
        make_signature(petition, first_name="Pending", status="pending")
        return petition.slug


def test_the_export_is_built_by_the_worker_and_equals_the_command_lines(
    app, organizer_client, runner, slug
):
    pressed = press_export(organizer_client, slug)
    assert pressed.status_code == 303
    assert pressed.headers["Location"].endswith(f"/organizer/petitions/{slug}#export-heading")
    assert count(app, SignatureExport) == 0, "nothing handed out yet"
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "The export is being prepared" in dashboard
    assert "Waiting for the worker to prepare the export" in dashboard and REFRESH in dashboard

    # A second press while it waits queues nothing more.
    again = press_export(organizer_client, slug, status="confirmed")
    assert again.status_code == 303
    assert "An export is already being prepared" in organizer_client.get(
        f"/organizer/petitions/{slug}"
    ).get_data(as_text=True)
    assert count(app, Job) == 1

    deliver_mail(app)  # the worker
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert REFRESH not in dashboard
    assert "3 rows" in dashboard and "status=all" in dashboard
    path, _ = file_link(dashboard)
    download = organizer_client.get(path)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment;" in download.headers["Content-Disposition"]
    web = download.get_data().decode("utf-8")

    cli = runner.invoke(args=["signatures", "export", slug, "--status", "all"])
    assert cli.exit_code == 0
    assert web == cli.stdout
    rows = list(csv.DictReader(io.StringIO(web[1:])))
    assert [r["first_name"] for r in rows] == ["María José", "'=Formula", "Pending"]

    # Each handing out is recorded: the download by who downloaded it, and the command's.
    with app.app_context():
        records = db.session.scalars(sa.select(SignatureExport).order_by(SignatureExport.id)).all()
        assert [(r.actor, r.filters, r.row_count) for r in records[:1]] == [
            ("admin@example.org", "status=all", 3)
        ]
        assert records[0].finished_at is not None and len(records) == 2
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "admin@example.org" in dashboard


def test_the_export_shows_its_progress_and_is_stored_in_chunks(
    app, organizer_client, large_slug, monkeypatch
):
    import app.jobs.files as store
    import app.signatures.export as export_module
    from app.signatures.export_files import _export_job
    from tests.conftest import ON_POSTGRESQL

    monkeypatch.setattr(export_module, "CHUNK_ROWS", 5000)
    monkeypatch.setattr(store, "CHUNK_BYTES", 256 * 1024)
    slug = large_slug
    assert press_export(organizer_client, slug, status="confirmed").status_code == 303
    dashboard = f"/organizer/petitions/{slug}"
    with app.app_context():
        run = WatchedRun(
            claim_next_job(), lambda: organizer_client.get(dashboard).get_data(as_text=True)
        )
        _export_job(run)
        file = db.session.scalar(sa.select(GeneratedFile))
        chunks = db.session.scalars(
            sa.select(sa.func.length(GeneratedFileChunk.data)).order_by(GeneratedFileChunk.position)
        ).all()
        size = file.size
    assert size > 1024 * 1024 and len(chunks) == -(-size // (256 * 1024))
    assert all(length == 256 * 1024 for length in chunks[:-1])
    label = "Storing the file" if ON_POSTGRESQL else "Writing the CSV"
    assert any(re.search(label + r": [\d,]+ of [\d,]+", page) for page in run.seen), run.seen
    assert all(REFRESH in page for page in run.seen)
    path, _ = file_link(organizer_client.get(dashboard).get_data(as_text=True))
    text = organizer_client.get(path).get_data().decode("utf-8")
    assert len(text.encode("utf-8")) == size
    assert len(list(csv.DictReader(io.StringIO(text[1:])))) == LARGE


def test_files_are_refused_to_other_organizers_and_after_expiry(
    app, organizer_client, runner, slug, clock
):
    assert press_export(organizer_client, slug).status_code == 303
    deliver_mail(app)
    path, file_id = file_link(
        organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    )
    with app.app_context():
        own = make_petition()
        other_slug = own.slug
        member = make_organizer("member@example.org")
        join_petition(own, member)
        make_organizer("outsider@example.org")
        db.session.commit()

    outsider = app.test_client()
    log_in(outsider, "outsider@example.org", ORGANIZER_PASSWORD)
    assert outsider.get(path).status_code == 404
    other = app.test_client()
    log_in(other, "member@example.org", ORGANIZER_PASSWORD)
    assert other.get(path).status_code == 404
    # Nor through a petition they do manage.
    assert other.get(f"/organizer/petitions/{other_slug}/files/{file_id}").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignatureExport)) == 0

    clock.shift(timedelta(hours=23, minutes=59))
    log_in(organizer_client, "admin@example.org", ORGANIZER_PASSWORD)  # sessions last 12 hours
    assert organizer_client.get(path).status_code == 200
    clock.shift(timedelta(minutes=2))
    expired = organizer_client.get(path)
    assert expired.status_code == 410
    assert "This file has expired" in expired.get_data(as_text=True)
    assert count(app, GeneratedFileChunk) >= 1
    result = runner.invoke(args=["outbox", "send", "--once"])
    assert "1 expired file deleted" in result.output
    assert count(app, GeneratedFile) == 0 and count(app, GeneratedFileChunk) == 0
    assert organizer_client.get(path).status_code == 404
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "/files/" not in dashboard


def test_the_retention_is_a_setting(app, organizer_client, slug, clock):
    app.config["GENERATED_FILE_HOURS"] = 2
    assert press_export(organizer_client, slug).status_code == 303
    deliver_mail(app)
    path, _ = file_link(organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True))
    clock.shift(timedelta(hours=2))
    expired = organizer_client.get(path)
    assert expired.status_code == 410 and "deleted 2 hours after" in expired.get_data(as_text=True)


def test_deleting_a_signer_deletes_the_files_that_name_them(app, organizer_client, slug):
    from app.signatures.erasure import delete_signature_on_request

    assert press_export(organizer_client, slug).status_code == 303
    deliver_mail(app)
    assert count(app, GeneratedFile) == 1
    with app.app_context():
        petition = petition_by_slug(slug)
        first = db.session.scalar(sa.select(sa.func.min(Signature.id)))
        assert delete_signature_on_request(petition, first)
    assert count(app, GeneratedFile) == 0 and count(app, GeneratedFileChunk) == 0


def test_a_failed_job_shows_its_reason_and_a_second_press_queues_nothing(
    app, organizer_client, slug
):
    letters = f"/organizer/petitions/{slug}/letters"
    token = csrf_token_from(organizer_client.get(letters).get_data(as_text=True))
    assert (
        organizer_client.post(f"{letters}/3/prepare", data={"csrf_token": token}).status_code == 303
    )
    again = organizer_client.post(
        f"{letters}/3/prepare", data={"csrf_token": token}, follow_redirects=True
    )
    assert "This letter is already being prepared." in again.get_data(as_text=True)
    assert count(app, Job) == 1
    assert (
        organizer_client.post(f"{letters}/9/prepare", data={"csrf_token": token}).status_code == 404
    )
    with app.app_context():
        petition = petition_by_slug(slug)
        db.session.delete(next(t for t in petition.targets if t.position == 3))
        db.session.commit()
    deliver_mail(app)
    with app.app_context():
        job = db.session.scalar(sa.select(Job))
        assert (job.status, job.error) == (JobStatus.FAILED, "No target at position 3 any more.")

    assert press_export(organizer_client, slug).status_code == 303
    with app.app_context():
        petition = petition_by_slug(slug)
        from app.core.clock import now

        petition.purged_at = now()
        db.session.commit()
    deliver_mail(app)
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "failed. The reason:" in dashboard
    assert "personal data on this petition was erased" in dashboard
    assert REFRESH not in dashboard and count(app, GeneratedFile) == 0


def test_no_purge_while_an_export_is_being_prepared(app, client, runner, slug, clock):
    from tests import instants

    clock.move_to(instants.AFTER_GRACE)
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    log_in(client, "admin@example.org", ORGANIZER_PASSWORD)
    assert press_export(client, slug).status_code == 303
    purge = ["signatures", "purge", slug, "--yes", "--delivered-by-hand"]
    refused = runner.invoke(args=purge)
    assert refused.exit_code == 1
    assert "An export or a letter is being prepared" in refused.output
    deliver_mail(app)
    assert count(app, GeneratedFile) == 1
    erased = runner.invoke(args=purge)
    assert erased.exit_code == 0, erased.output
    assert count(app, GeneratedFile) == 0 and count(app, GeneratedFileChunk) == 0


def withdraw_link(app, slug: str, first_name: str) -> str:
    """The withdraw link a signer was emailed (made as the email makes it)."""
    from app.core.links import LinkPurpose, make_token

    with app.app_context(), app.test_request_context():
        key = db.session.scalar(
            sa.select(Signature.link_key).where(Signature.first_name == first_name)
        )
        return f"/petitions/{slug}/withdraw/{make_token(LinkPurpose.WITHDRAW, key)}"


def test_a_signer_who_withdraws_leaves_no_prepared_file_behind(
    app, organizer_client, client, slug
):
    """The export and the letter prepared before still named her: both go with her."""
    assert press_export(organizer_client, slug).status_code == 303
    assert prepared_letter(app, organizer_client, slug).status_code == 200
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    export_path, _ = file_link(dashboard)
    assert count(app, GeneratedFile) == 2

    press_button(client, "http://petitions.test" + withdraw_link(app, slug, "María José"))

    assert count(app, GeneratedFile) == 0 and count(app, GeneratedFileChunk) == 0
    assert organizer_client.get(export_path).status_code == 404
    letters = organizer_client.get(f"/organizer/petitions/{slug}/letters").get_data(as_text=True)
    assert "/files/" not in letters


def test_a_file_being_prepared_when_a_signer_withdraws_is_never_served(
    app, organizer_client, client, slug
):
    """The worker may have read her row already: its job fails with the reason, and the
    file it was writing is never offered."""
    assert press_export(organizer_client, slug).status_code == 303
    with app.app_context():
        job = claim_next_job()  # a worker has taken the job and is reading the signatures
    press_button(client, "http://petitions.test" + withdraw_link(app, slug, "María José"))
    from app.jobs import JobReport, run_job

    with app.app_context():
        run_job(job, JobReport())
        failed = db.session.get(Job, job.id)
        assert failed.status == JobStatus.FAILED
        assert "withdrew" in failed.error
    assert count(app, GeneratedFile) == 0
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "withdrew" in dashboard
    assert not FILE_LINK.search(dashboard)


def test_a_file_left_unfinished_by_a_job_that_is_over_is_deleted_at_once(
    app, organizer_client, client, slug
):
    """A worker that read her row before she withdrew may store part of its file after
    the withdrawal deleted the petition's files: once it finds its job failed, the part it
    left goes too. A job another worker took over keeps its file."""
    import io as bytes_io

    from app.jobs.files import store_file

    assert press_export(organizer_client, slug).status_code == 303
    with app.app_context():
        job = claim_next_job()
    press_button(client, "http://petitions.test" + withdraw_link(app, slug, "María José"))
    with app.app_context():
        with pytest.raises(JobLost):
            store_file(
                bytes_io.BytesIO("first_name\nMaría José\n".encode()),
                petition_id=job.petition_id,
                job_id=job.id,
                purpose="export",
                filename="late.csv",
                mimetype="text/csv",
                actor=job.actor,
                progress=lambda done, of: JobRun(job).progress(done, of),
            )
        db.session.rollback()
        assert count(app, GeneratedFileChunk) == 1  # the part it stored
        delete_unfinished_files(job.id)
    assert count(app, GeneratedFile) == 0 and count(app, GeneratedFileChunk) == 0


def test_a_job_taken_over_keeps_the_file_its_new_worker_writes(app, organizer_client, slug):
    assert press_export(organizer_client, slug).status_code == 303
    with app.app_context():
        job = claim_next_job()
        store_file_without_finishing(job)
        delete_unfinished_files(job.id)  # the job is still running, under its new worker
    assert count(app, GeneratedFile) == 1


def store_file_without_finishing(job) -> None:
    """A file row and one chunk, as a worker has written them so far."""
    db.session.add(
        GeneratedFile(
            petition_id=job.petition_id,
            job_id=job.id,
            purpose="export",
            filename="part.csv",
            mimetype="text/csv",
            actor=job.actor,
            expires_at=job.created_at + timedelta(hours=24),
        )
    )
    db.session.commit()
