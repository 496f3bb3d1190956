"""`signatures fake` is for benchmarks: it refuses a petition real people signed."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Petition
from app.petitions.queries import petition_by_slug
from tests import instants
from tests.conftest import stored as count_rows
from tests.factories import make_petition, make_signature


def test_fakes_go_to_a_petition_nobody_signed_and_again_to_one_with_only_fakes(app, runner):
    with app.app_context():
        slug = make_petition().slug
    first = runner.invoke(args=["signatures", "fake", slug, "--count", "3"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["signatures", "fake", slug, "--count", "2"])
    assert second.exit_code == 0, second.output
    assert count_rows(app) == 5
    with app.app_context():
        assert db.session.scalar(sa.select(Petition.signature_count)) == 5


def test_fakes_are_refused_on_a_petition_with_real_signers(app, runner):
    with app.app_context():
        petition = make_petition()
        make_signature(petition)
        slug = petition.slug
    refused = runner.invoke(args=["signatures", "fake", slug, "--count", "3"])
    assert refused.exit_code == 1
    assert "1 signature that is not fake" in refused.output and "--force" in refused.output
    assert count_rows(app) == 1

    forced = runner.invoke(args=["signatures", "fake", slug, "--count", "3", "--force"])
    assert forced.exit_code == 0, forced.output
    assert count_rows(app) == 4


def test_fakes_are_refused_on_a_petition_whose_data_was_erased(app, runner):
    with app.app_context():
        slug = make_petition(purged_at=instants.OPEN).slug
    refused = runner.invoke(args=["signatures", "fake", slug, "--count", "3", "--force"])
    assert refused.exit_code == 1
    assert "erased" in refused.output
    assert count_rows(app) == 0
    with app.app_context():
        assert petition_by_slug(slug).signature_count == 0
