"""A simulated attack through the real sign form, behind one proxy (PROXY_COUNT=1, the
client's address in X-Forwarded-For): 300 signatures from one network in five minutes, 150
from a throwaway domain, 40 with one reason, mixed with 200 ordinary signers from many
networks and two households. The review finds the three clusters and nothing else;
invalidating them leaves exactly the ordinary signers in the count, the letters, the
exports and the API; restoring puts them back; the purge leaves no key."""

import itertools
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.clock import now
from app.extensions import db
from app.letters.letter import signer_counts
from app.letters.purge import purge_personal_data
from app.models import Hold, OutboxMessage, Petition, Signature, SignatureStatus
from app.organizers.api_reads import confirmed_signatures
from app.petitions.queries import petition_by_slug
from app.signatures.export import ExportFilters, matching_count
from app.signatures.integrity import Selection, find_clusters, invalidate, restore
from app.signatures.signing import confirm_signature
from tests import instants
from tests.conftest import form_token_from, signer_fields
from tests.factories import make_petition

COMMON = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "comcast.net", "aol.com"]
FIRST = ["Ana", "Luis", "Mei", "Omar", "Grace", "Tomas", "Fatima", "Kofi", "Ivan", "Rosa"]
LAST = ["Diaz", "Nguyen", "Okafor", "Smith", "Haddad", "Kowalski", "Reyes", "Chen", "Ali"]


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PROXY_COUNT": 1}


def name(n: int) -> tuple[str, str]:
    return f"{FIRST[n % len(FIRST)]}{n}", LAST[n % len(LAST)]


class Crowd:
    """Signers posting the form, each from the address it says."""

    def __init__(self, client, slug: str, clock) -> None:
        self.client, self.slug, self.clock = client, slug, clock
        self.ids: dict[str, list[str]] = {}
        self.token = ""
        self.count = itertools.count()

    def sign(self, group: str, address: str, email: str, reason: str = "") -> None:
        n = next(self.count)
        if n % 50 == 0:  # a fresh page now and then, as visitors load it
            self.token = form_token_from(self.client.get(f"/petitions/{self.slug}").text)
        first, last = name(n)
        self.client.environ_base["HTTP_X_FORWARDED_FOR"] = address
        response = self.client.post(
            f"/petitions/{self.slug}/sign",
            data=signer_fields(
                first_name=first,
                last_name=last,
                email=email,
                reason=reason,
                form_token=self.token,
            ),
        )
        assert response.status_code == 303, response.status_code
        self.ids.setdefault(group, []).append(email)


def signatures_of(emails: list[str]) -> list[Signature]:
    return list(db.session.scalars(sa.select(Signature).where(Signature.email.in_(emails))))


def confirm_all(emails: list[str], clock, after: timedelta) -> None:
    clock.shift(after)
    for signature in signatures_of(emails):
        if signature.status == SignatureStatus.PENDING:
            confirm_signature(signature)


def the_count(app, petition_id: int) -> dict[str, int]:
    """What each place that shows signatures says."""
    petition = db.session.get(Petition, petition_id)
    db.session.refresh(petition)
    return {
        "count": petition.signature_count,
        "letters": signer_counts(petition, now()).total,
        "export": matching_count(petition, ExportFilters(status=SignatureStatus.CONFIRMED)),
        "api": confirmed_signatures(petition, page=1, per_page=1).total,
    }


@pytest.mark.slow
def test_a_simulated_attack_is_found_invalidated_restored_and_purged(app, client, clock, runner):
    randomly = random.Random(7)
    with app.app_context():
        petition = make_petition()
        slug, petition_id = petition.slug, petition.id
    crowd = Crowd(client, slug, clock)

    # Two households: two people each, on one network.
    for home in range(2):
        for member in range(2):
            crowd.sign(
                "households", f"92.40.{home}.{10 + member}", f"home{home}-{member}@gmail.com"
            )
    # 200 ordinary signers, each from a network of their own, through the common mail services.
    for n in range(200):
        address = f"81.10.{n}.{randomly.randrange(1, 250)}"
        reason = randomly.choice(["", f"For my family {n}"])
        crowd.sign("ordinary", address, f"person{n}@{COMMON[n % len(COMMON)]}", reason)
        clock.shift(timedelta(seconds=randomly.randrange(20, 90)))
    # The attack comes later, in an hour of its own (a burst that ordinary signers share would
    # be worth a look too, and hold them).
    clock.shift(timedelta(hours=2))
    # The attack: 300 from one network in five minutes...
    for n in range(300):
        crowd.sign("network", f"185.220.101.{n % 250 + 1}", f"bot{n}@gmail.com")
        clock.shift(timedelta(seconds=1))
    # ... 150 from a throwaway domain, from many networks ...
    for n in range(150):
        crowd.sign("disposable", f"45.{n}.7.9", f"drop{n}@mailinator.com")
    # ... and 40 with one reason, each from its own network and address.
    for n in range(40):
        crowd.sign("reason", f"102.{n}.3.3", f"voice{n}@yahoo.com", reason="STOP PARS NOW")

    with app.app_context():
        # Beyond its allowance (20 in 10 minutes), the network's signatures were held: taken
        # as any other, but no email and no count.
        network = signatures_of(crowd.ids["network"])
        held = [s for s in network if s.status == SignatureStatus.HELD]
        assert len(held) == 280
        queued = db.session.scalars(sa.select(OutboxMessage.signature_id)).all()
        assert not {s.id for s in held} & set(queued)
        # People read their email; scripts confirm in a second.
        confirm_all(crowd.ids["ordinary"] + crowd.ids["households"], clock, timedelta(minutes=3))
        for group in ("network", "disposable", "reason"):
            for signature in signatures_of(crowd.ids[group]):
                if signature.status == SignatureStatus.PENDING:
                    db.session.execute(
                        sa.update(Signature)
                        .where(Signature.id == signature.id)
                        .values(last_emailed_at=now() - timedelta(seconds=1))
                    )
            db.session.commit()
            confirm_all(crowd.ids[group], clock, timedelta(0))
        ordinary = 204
        assert the_count(app, petition_id)["count"] == ordinary + 20 + 150 + 40

        petition = db.session.get(Petition, petition_id)
        clusters = find_clusters(petition)
        kinds = {cluster.kind: cluster for cluster in clusters}
        assert kinds["network"].size == 300 and kinds["network"].held == 280
        assert kinds["disposable"].label == "mailinator.com" and kinds["disposable"].size == 150
        assert kinds["reason"].label == "stop pars now" and kinds["reason"].size == 40
        assert kinds["burst"].size == 490 and kinds["fast"].size == 210
        assert len(kinds["network"].sample) == 5
        innocent = {s.id for s in signatures_of(crowd.ids["ordinary"] + crowd.ids["households"])}
        for cluster in clusters:
            members = db.session.scalars(
                sa.select(Signature.id).where(
                    Signature.petition_id == petition_id, *cluster.selection.conditions()
                )
            ).all()
            assert not innocent & set(members), (
                f"{cluster.kind} {cluster.label} holds ordinary signers"
            )

        network_key = kinds["network"].selection.network
    # Invalidated from the command line (the network) and the service (the rest).
    result = runner.invoke(
        args=["signatures", "invalidate", slug, "--network", network_key, "--reason", "one bot"]
    )
    assert result.exit_code == 0, result.output
    by_network = int(result.stdout.split()[0])
    clock.shift(timedelta(seconds=5))  # the API lists confirmations a few seconds old
    with app.app_context():
        petition = db.session.get(Petition, petition_id)
        by_domain = invalidate(petition, Selection(domain="mailinator.com"), "throwaway addresses")
        by_reason = invalidate(petition, Selection(reason="stop pars now"), "one script")
        assert the_count(app, petition_id) == dict.fromkeys(
            ["count", "letters", "export", "api"], ordinary
        )
        assert find_clusters(petition) == []
        for invalidation in (by_domain, by_reason):
            restore(petition, invalidation.id)
    assert (
        runner.invoke(
            args=["signatures", "restore", slug, "--invalidation", str(by_network)]
        ).exit_code
        == 0
    )
    clock.shift(timedelta(seconds=5))  # the API lists confirmations a few seconds old
    with app.app_context():
        counted = ordinary + 20 + 150 + 40
        assert the_count(app, petition_id) == dict.fromkeys(
            ["count", "letters", "export", "api"], counted
        )
        assert len(signatures_of(crowd.ids["network"])) == 300

    # Over, delivered by hand: the purge leaves no key behind.
    clock.move_to(instants.AFTER_GRACE)
    with app.app_context():
        petition = petition_by_slug(slug)
        purge_personal_data(petition, delivered_by_hand=True)
        db.session.expire_all()
        assert petition_by_slug(slug).integrity_key is None
        left = db.session.scalar(
            sa.select(sa.func.count()).where(
                Signature.petition_id == petition_id,
                sa.or_(Signature.network_key.is_not(None), Signature.email_domain.is_not(None)),
            )
        )
        assert left == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hold)) == 0
