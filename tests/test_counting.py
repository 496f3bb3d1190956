"""The count stays exact through confirmations and withdrawals, without counting rows."""

import threading

import pytest

from app.extensions import db
from app.models import Signature, SignatureStatus
from app.petitions.goals import displayed_goal
from app.petitions.queries import petition_by_slug
from app.signatures.counting import recount
from app.signatures.signing import confirm_signature, withdraw_signature
from tests.factories import make_petition, make_signature


@pytest.mark.parametrize(
    ("count", "goal", "shown"),
    [
        (0, 100, 100),
        (99, 100, 100),
        (100, 100, 150),
        (149, 100, 150),
        (150, 100, 250),
        (999, 1000, 1000),
        (1000, 1000, 1500),
        (7_500, 1000, 10_000),
        (1_234_567, 100, 1_500_000),
        (5, 10, 10),
        (10, 10, 100),
    ],
)
def test_goal_steps(count, goal, shown):
    assert displayed_goal(count, goal) == shown


def test_count_follows_confirmations_and_withdrawals(app):
    with app.app_context():
        petition = make_petition()
        pending = [make_signature(petition, status=SignatureStatus.PENDING) for _ in range(5)]
        for signature in pending:
            confirm_signature(signature)
        confirm_signature(pending[0])
        leaving = pending[1].id
        assert withdraw_signature(leaving)
        assert not withdraw_signature(leaving)
        assert petition_by_slug(petition.slug).signature_count == 4
        assert recount(petition).was_right


def test_concurrent_confirmations_and_withdrawals_keep_the_count_exact(app):
    with app.app_context():
        petition = make_petition()
        ids = [make_signature(petition, status=SignatureStatus.PENDING).id for _ in range(40)]
        slug = petition.slug

    def confirm_then_maybe_withdraw(signature_id: int) -> None:
        with app.app_context():
            signature = db.session.get(Signature, signature_id)
            if signature is not None:  # the other thread may have withdrawn it already
                confirm_signature(signature)
            if signature_id % 4 == 0:
                withdraw_signature(signature_id)
            db.session.remove()

    threads = [threading.Thread(target=confirm_then_maybe_withdraw, args=(i,)) for i in ids * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        petition = petition_by_slug(slug)
        result = recount(petition)
        assert result.was_right, result
        assert result.counted == len([i for i in ids if i % 4])
