"""The count watched without anyone looking: the worker's scheduled checks (app.cli.schedule).

- A new cluster on a petition taking signatures (app.signatures.integrity) gets its
  organizers one email linking to the review page; at most one an hour per petition, and
  each cluster is told once.
- Every open petition is recounted every RECOUNT_HOURS; a count found wrong is repaired,
  recorded (a CountCheck and the petition's record of changes) and its organizers told.

One petition that fails is logged and left for the next round; the others go on.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now
from app.core.database import end_session_after_failure, write_transaction
from app.core.urls import absolute_url
from app.extensions import db
from app.models import CountCheck, IntegrityAlert, Petition, Signature
from app.models.audit import record_change
from app.organizers.notices import email_organizers
from app.petitions.deadlines import open_at
from app.signatures.counting import Recount, recount
from app.signatures.integrity import Cluster, find_clusters

log = logging.getLogger("app.signatures.alerts")

ALERT_INTERVAL = timedelta(hours=1)  # at most one alert email an hour per petition
# A petition is looked at while it takes signatures and has had one this recently: long
# enough for a cluster held back by the hourly limit to be told at the next turn.
RECENT = ALERT_INTERVAL + timedelta(minutes=30)
ALERT = "integrity_alert"
COUNT_REPAIRED = "count_repaired"


def _open_petitions(at: datetime) -> list[Petition]:
    return list(
        db.session.scalars(
            sa.select(Petition)
            .where(Petition.published_at.is_not(None), open_at(at))
            .order_by(Petition.id)
        )
    )


def _each(petitions: Iterable[Petition], check: Callable[[Petition], int]) -> int:
    """Run `check` on each petition; one that fails is logged, the others go on."""
    done = 0
    for petition in petitions:
        slug = petition.slug
        try:
            done += check(petition)
        except sa.exc.OperationalError:
            raise  # the database is away: the whole round waits for it
        except Exception:  # noqa: BLE001  (whatever it is, the other petitions go on)
            end_session_after_failure()
            log.exception("the integrity check of %s failed", slug)
    return done


def _queue_to_organizers(petition: Petition, purpose: str, subject: str, **context: Any) -> int:
    review_link = absolute_url("organizer.review", slug=petition.slug)
    return email_organizers(petition, purpose, subject, review_link=review_link, **context)


# --- alerts --------------------------------------------------------------------------------


def alert_new_clusters() -> int:
    """The scheduled task: emails sent about new clusters."""
    at = now()
    recent = at - RECENT
    active = [
        petition
        for petition in _open_petitions(at)
        if db.session.scalar(
            sa.select(Signature.id)
            .where(Signature.petition_id == petition.id, Signature.created_at >= recent)
            .limit(1)
        )
        is not None
    ]
    return _each(active, lambda petition: _alert(petition, at))


def _told(petition: Petition) -> tuple[set[str], datetime | None]:
    """The clusters already told of, and when the last alert went."""
    told: set[str] = set()
    last = None
    for sent_at, clusters in db.session.execute(
        sa.select(IntegrityAlert.sent_at, IntegrityAlert.clusters).where(
            IntegrityAlert.petition_id == petition.id
        )
    ):
        told.update(clusters.split())
        last = sent_at if last is None or sent_at > last else last
    return told, last


def _alert(petition: Petition, at: datetime) -> int:
    clusters = find_clusters(petition)
    told, last = _told(petition)
    new = [cluster for cluster in clusters if cluster.ident not in told]
    if not new or (last is not None and at - last < ALERT_INTERVAL):
        return 0  # nothing new, or told within the hour: what is new waits for the next
    with write_transaction() as session:
        sent = _queue_to_organizers(
            petition,
            ALERT,
            f"Signatures worth a look: {petition.title}",
            clusters=new,
            count=petition.signature_count,
            described=describe,
        )
        idents = " ".join(sorted(told | {cluster.ident for cluster in new}))
        session.add(IntegrityAlert(petition_id=petition.id, sent_at=at, clusters=idents))
    return sent


KIND_WORDS = {
    "network": "one network signing many times",
    "domain": "one email domain far above its share",
    "disposable": "a throwaway email domain",
    "burst": "a burst well above the usual rate",
    "name": "the same name many times",
    "reason": "the same reason many times",
    "fast": "confirmations faster than a person reads an email",
}


def describe(cluster: Cluster) -> str:
    return f"{KIND_WORDS.get(cluster.kind, cluster.kind)}: {cluster.size} signatures"


# --- the scheduled recount -----------------------------------------------------------------


def recount_interval() -> timedelta:
    return timedelta(hours=current_app.config["RECOUNT_HOURS"] or 24)


def recount_open_petitions() -> int:
    """The scheduled task: counts repaired (RECOUNT_HOURS=0 turns it off)."""
    if not current_app.config["RECOUNT_HOURS"]:
        return 0
    return _each(_open_petitions(now()), _recount)


def _recount(petition: Petition) -> int:
    result = recount(petition)
    if result.was_right:
        return 0
    log.warning(
        "the count of %s was %s, counted %s: repaired", result.slug, result.stored, result.counted
    )
    _record_repair(petition, result)
    return 1


def _record_repair(petition: Petition, result: Recount) -> None:
    with write_transaction() as session:
        session.add(
            CountCheck(petition_id=petition.id, stored=result.stored, counted=result.counted)
        )
        record_change(
            petition, "count repaired", result.stored, result.counted, actor="scheduled recount"
        )
        _queue_to_organizers(
            petition,
            COUNT_REPAIRED,
            f"The count was repaired: {petition.title}",
            stored=result.stored,
            counted=result.counted,
        )
