"""Two app servers on one PostgreSQL and one Redis: every signature made through either is
counted exactly, the per-IP limit holds across both, and two senders share the outbox
without sending any email twice."""

import re
import uuid
from datetime import timedelta

import pytest

from app.core.clock import now
from tests.conftest import REDIS_URL, needs_postgresql, needs_redis
from tests.factories import make_petition
from tests.live_server import Visitor, flask_command, gunicorn, server_env
from tests.smtp_sink import text_of

CONFIRM_PATH = re.compile(r"https://petitions\.test(/petitions/[a-z0-9-]+/confirm/[A-Za-z0-9._-]+)")


@needs_postgresql
@needs_redis
@pytest.mark.real_clock
def test_two_servers_share_the_count_the_limits_and_the_outbox(app, database_url, smtp):
    with app.app_context():
        slug = make_petition(
            opens_at=now() - timedelta(days=1), closes_at=now() + timedelta(days=30)
        ).slug
    env = server_env(
        database_url,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=f"scale-out-{uuid.uuid4().hex[:8]}",
        RATELIMIT_SIGN="20 per minute",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp.port),
    )
    with gunicorn(env) as first, gunicorn(env) as second:
        servers = [Visitor(first), Visitor(second)]
        statuses = [servers[n % 2].sign(slug, f"both-{n}@example.org") for n in range(20)]
        assert statuses == [303] * 20
        # The 21st signature from the same address is refused, by either server.
        assert servers[0].sign(slug, "one-too-many@example.org") == 429
        assert servers[1].sign(slug, "one-more@example.org") == 429

        # Two senders share the outbox: every email once.
        senders = [flask_command(env, "outbox", "send", "--once") for _ in range(2)]
        assert [sender.wait(timeout=60) for sender in senders] == [0, 0]
        emails = smtp.wait_for(20)
        recipients = [message["To"] for message in emails]
        assert sorted(recipients) == sorted(f"both-{n}@example.org" for n in range(20))
        links = [CONFIRM_PATH.search(text_of(message)).group(1) for message in emails]
        # Confirmed through the other server than the one signed on, half and half.
        confirmed = [
            Visitor(second if n % 2 else first).press(link) for n, link in enumerate(links)
        ]
        assert confirmed == [303] * 20

        counts = {
            Visitor(port).request("GET", f"/petitions/{slug}/count.json")[1]
            for port in (first, second)
        }
        assert counts == {'{"goal":100,"is_open":true,"signature_count":20}\n'}

