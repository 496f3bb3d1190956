"""Settings, read from the environment (each documented in docs/settings.md).

`APP_ENV` picks the class: production (the default, so a server started without it is safe),
development (what `make run` uses) or testing.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent / "instance"
DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"  # refused in production # noqa: S105 # nosec B105


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


def _database_url(default_file: str) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / default_file}"
    # Heroku-style URLs name the old driver; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _served_at() -> str:
    """The development server's own address, from the HOST and PORT it is started with."""
    host = os.environ.get("HOST", "").strip() or "127.0.0.1"
    if _is_every_address(host):  # served on every address: loopback is one of them
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('PORT', '').strip() or 5000}"


def _is_every_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:  # a name
        return False


class Config:
    APP_ENV = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url("petitions.sqlite3")
    BASE_URL = os.environ.get("BASE_URL", "").rstrip("/")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 25)
    MAIL_USE_TLS = _flag("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _flag("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "petitions@localhost")
    MAIL_TIMEOUT_SECONDS = 20

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "petitions")
    RATELIMIT_SIGN = os.environ.get("RATELIMIT_SIGN", "30 per minute;300 per hour")
    RATELIMIT_LINKS = os.environ.get("RATELIMIT_LINKS", "60 per minute")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
    # Quiet holds (app.signatures.holds): one network's signatures on one petition beyond
    # either allowance are held, with no email, until an organizer releases them.
    NETWORK_ALLOWANCE_BURST = os.environ.get("NETWORK_ALLOWANCE_BURST") or "20 per 10 minutes"
    NETWORK_ALLOWANCE_SUSTAINED = os.environ.get("NETWORK_ALLOWANCE_SUSTAINED") or "100 per day"
    # The integrity review's thresholds (app.signatures.integrity): what makes a cluster.
    REVIEW_NETWORK_MIN = int(os.environ.get("REVIEW_NETWORK_MIN") or 10)
    REVIEW_NETWORK_WINDOW_MINUTES = int(os.environ.get("REVIEW_NETWORK_WINDOW_MINUTES") or 60)
    REVIEW_DOMAIN_MIN = int(os.environ.get("REVIEW_DOMAIN_MIN") or 20)
    REVIEW_DOMAIN_SHARE = float(os.environ.get("REVIEW_DOMAIN_SHARE") or 0.1)
    REVIEW_DISPOSABLE_MIN = int(os.environ.get("REVIEW_DISPOSABLE_MIN") or 3)
    REVIEW_BURST_FACTOR = float(os.environ.get("REVIEW_BURST_FACTOR") or 5)
    REVIEW_BURST_MIN = int(os.environ.get("REVIEW_BURST_MIN") or 50)
    REVIEW_SAME_TEXT_MIN = int(os.environ.get("REVIEW_SAME_TEXT_MIN") or 10)
    REVIEW_FAST_CONFIRM_SECONDS = int(os.environ.get("REVIEW_FAST_CONFIRM_SECONDS") or 10)
    REVIEW_FAST_CONFIRM_MIN = int(os.environ.get("REVIEW_FAST_CONFIRM_MIN") or 10)
    # The worker recounts every open petition this often, repairs a wrong count and tells
    # its organizers (0: never).
    RECOUNT_HOURS = float(os.environ.get("RECOUNT_HOURS") or 24)
    # How many proxies in front of the app set X-Forwarded-For (0: none, trust nothing).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT") or 0)

    # Operating (docs/monitoring.md). GET /readyz answers 503 once the newest heartbeat of a
    # worker (`flask outbox send`, which writes one every 5 seconds) is older than this.
    READY_WORKER_SECONDS = float(os.environ.get("READY_WORKER_SECONDS") or 60)
    # GET /metrics answers `Authorization: Bearer <METRICS_TOKEN>`, and clients whose address
    # is in METRICS_ALLOW (CIDRs or addresses, separated by commas or spaces); others get 404.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    METRICS_ALLOW = os.environ.get("METRICS_ALLOW", "")
    # Log lines as `text`, or as JSON lines (`json`) for a log collector.
    LOG_FORMAT = (os.environ.get("LOG_FORMAT") or "text").strip().lower()

    WTF_CSRF_TIME_LIMIT = 6 * 3600
    # Our forms give every message themselves, translated; Flask-WTF would otherwise load
    # WTForms' own catalog on every request.
    WTF_I18N_ENABLED = False
    MAX_CONTENT_LENGTH = 64 * 1024
    # Petitions' pictures (and the share images drawn from them); the image upload alone
    # takes up to IMAGE_UPLOAD_MAX_BYTES, every other request MAX_CONTENT_LENGTH.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")
    IMAGE_UPLOAD_MAX_BYTES = 6 * 1024 * 1024
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    # Sessions (an organizer's login, a signer's form token) are signed for 12 hours at most.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # The time zone of a new petition (each keeps its own), and of times that belong to no
    # petition (organizers' logins). An IANA name.
    DEFAULT_TIME_ZONE = os.environ.get("DEFAULT_TIME_ZONE", "").strip() or "America/New_York"
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = DEFAULT_TIME_ZONE
    LANGUAGES = ("en", "es")

    # The rendered petition page (Flask-Caching), kept under its petition's page_version,
    # which every change the page shows raises, so it is never stale; these bound its memory.
    # Per process by default; CACHE_TYPE=RedisCache with CACHE_REDIS_URL shares it.
    CACHE_TYPE = os.environ.get("CACHE_TYPE") or "SimpleCache"
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL")
    CACHE_DEFAULT_TIMEOUT = int(os.environ.get("PAGE_CACHE_SECONDS") or 600)
    CACHE_THRESHOLD = 500
    # How long the sign form's token is accepted (the page is cached, so it is not per visitor).
    SIGN_FORM_TOKEN_MAX_AGE_SECONDS = 6 * 3600
    # How often an open page's script asks the count endpoint for the latest count.
    COUNT_REFRESH_SECONDS = 10
    # Which sites may show the embeddable sign form (/petitions/<slug>/embed) in a frame:
    # `*` for any, or origins separated by spaces (https://allies.example.org). Every other
    # page may be framed by none.
    EMBED_FRAME_ANCESTORS = " ".join(os.environ.get("EMBED_FRAME_ANCESTORS", "").split()) or "*"
    CONFIRMATION_LINK_MAX_AGE_SECONDS = 7 * 24 * 3600
    CONFIRMATION_GRACE_SECONDS = 24 * 3600
    PASSWORD_LINK_MAX_AGE_SECONDS = 7 * 24 * 3600
    CONFIRMATION_RESEND_AFTER_SECONDS = 120
    # A signature still pending this long after it was made gets one reminder (0: none).
    CONFIRMATION_REMINDER_HOURS = float(os.environ.get("CONFIRMATION_REMINDER_HOURS") or 24)
    OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS") or 1.0)
    OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE") or 100)
    OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS") or 300)
    # A message the mail server keeps refusing for now (4xx: greylisting, a full mailbox)
    # fails for good, its reason shown to organizers, once this long after it was queued.
    # RFC 5321 asks for days, not hours (a full mailbox may take a weekend to clear). An
    # outage of the server itself never fails a message, however long.
    OUTBOX_GIVE_UP_HOURS = float(os.environ.get("OUTBOX_GIVE_UP_HOURS") or 96)
    # How long a file the worker built (a letter's PDF, an export) can be downloaded before
    # the worker deletes it: exports hold signers' personal data.
    GENERATED_FILE_HOURS = float(os.environ.get("GENERATED_FILE_HOURS") or 24)
    # Mail goes to the log instead of a server (development without MAIL_SERVER).
    MAIL_TO_LOG = False

    # The OSDI API (/api/v1/): requests per token (or per address, without one), the most
    # records a page may hold (OSDI's default page is 25), the prefix of its identifiers
    # ("petitions:petition-42", "petitions:signature-7"; its entry point's namespace), and
    # the message of its entry point.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute;5000 per hour")
    # Signatures recorded through the API per token, on top of API_RATE_LIMIT: by default the
    # sign form's allowance per visitor. A partner importing a backlog may need more.
    API_SIGN_RATE_LIMIT = os.environ.get("API_SIGN_RATE_LIMIT") or RATELIMIT_SIGN
    API_MAX_PAGESIZE = int(os.environ.get("API_MAX_PAGESIZE") or 100)
    API_IDENTIFIER_PREFIX = os.environ.get("API_IDENTIFIER_PREFIX", "").strip() or "petitions"
    API_MOTD = os.environ.get("API_MOTD", "Petitions OSDI API: petitions and their signatures.")
    # How many live (unrevoked) tokens one organizer may hold: a leaked account cannot mint
    # tokens without end, and old ones get revoked rather than piling up.
    API_TOKENS_PER_ORGANIZER = int(os.environ.get("API_TOKENS_PER_ORGANIZER") or 20)
    # flask-smorest, which describes it at /api/v1/openapi.json.
    API_TITLE = "Petitions OSDI API"
    API_VERSION = "1.1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    # Webhooks (docs/webhooks.md) may be sent over plain http and to private, loopback and
    # link-local addresses: for a receiver on this machine in development and tests only.
    # In production a webhook goes over https to an address on the Internet.
    WEBHOOKS_ALLOW_PRIVATE = _flag("WEBHOOKS_ALLOW_PRIVATE", False)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class DevelopmentConfig(Config):
    APP_ENV = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = _database_url("petitions-dev.sqlite3")
    # Where `make run` serves (HOST and PORT, as it passes them on), so that emailed links
    # lead back to it.
    BASE_URL = (os.environ.get("BASE_URL") or _served_at()).rstrip("/")
    MAIL_TO_LOG = not os.environ.get("MAIL_SERVER")
    WEBHOOKS_ALLOW_PRIVATE = _flag("WEBHOOKS_ALLOW_PRIVATE", True)


class TestingConfig(Config):
    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    BASE_URL = "http://petitions.test"
    MAIL_SERVER = None
    MAIL_DEFAULT_SENDER = "petitions@petitions.test"
    # Flask-Mail swallows mail when TESTING; our tests read it from a real SMTP server instead.
    MAIL_SUPPRESS_SEND = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    OUTBOX_POLL_SECONDS = 0.05
    WEBHOOKS_ALLOW_PRIVATE = True  # the tests' receivers listen on loopback


def per_process_limits_warning(*, app_env: str, storage_uri: str, workers: int) -> str | None:
    """What to warn about when production runs several workers that each keep their own
    rate-limit counts (so a client gets `workers` times the limit)."""
    if app_env.strip().lower() != "production" or workers <= 1:
        return None
    if not storage_uri.startswith("memory://"):
        return None
    return (
        f"RATELIMIT_STORAGE_URI is memory:// with {workers} workers: each worker counts on its "
        "own, so every rate limit is multiplied by the number of workers. Set "
        "RATELIMIT_STORAGE_URI=redis://host:6379 to share the counts."
    )


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_for(name: str | None) -> type[Config]:
    name = (name or os.environ.get("APP_ENV") or "production").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
