"""Configuration for each environment, all read from the environment.

``CLOUDSTORE_ENV`` picks the class (development, test, production); every
setting can be overridden by an environment variable of the same name.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
_INSTANCE = Path(os.environ.get("CLOUDSTORE_INSTANCE_DIR", BASE_DIR / "instance"))


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{_INSTANCE / 'cloudstore.db'}")
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(_INSTANCE / "search-index"))
    SEARCH_WRITE_TIMEOUT = float(os.environ.get("SEARCH_WRITE_TIMEOUT", "2.0"))
    SEARCH_OUTBOX_RETENTION_DAYS = _int("SEARCH_OUTBOX_RETENTION_DAYS", 7)
    # The search log behind the admin statistics (no personal data); flask search prune deletes older rows.
    SEARCH_LOG_ENABLED = _bool("SEARCH_LOG_ENABLED", True)
    SEARCH_LOG_RETENTION_DAYS = _int("SEARCH_LOG_RETENTION_DAYS", 365)
    INSTANCE_DIR = str(_INSTANCE)

    # Logs (app/observability): one JSON object per line, or readable text (the development default).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # /metrics needs "Authorization: Bearer <METRICS_TOKEN>" when set; unset, it is open except in production.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

    # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in MAIL_OUTBOX_DIR.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Cloudstore <no-reply@cloudstore.example>")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(_INSTANCE / "outbox"))

    # Accounts (rule B3) and signed links.
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 12)
    MAX_FAILED_SIGN_INS = _int("MAX_FAILED_SIGN_INS", 5)
    EMAIL_VERIFICATION_MAX_AGE = _int("EMAIL_VERIFICATION_MAX_AGE", 3 * 24 * 3600)
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)

    # Rate limits (app/ratelimit.py): only POSTs count, per client address; a sign-in (the form or
    # POST /api/v1/tokens) also per email address. Several limits are separated by ";".
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_SIGN_IN = os.environ.get("RATELIMIT_SIGN_IN", "20 per minute;100 per hour")
    RATELIMIT_SIGN_IN_EMAIL = os.environ.get("RATELIMIT_SIGN_IN_EMAIL", "10 per minute;30 per hour")
    RATELIMIT_REGISTRATION = os.environ.get("RATELIMIT_REGISTRATION", "5 per minute;20 per hour")
    RATELIMIT_PASSWORD_RESET = os.environ.get("RATELIMIT_PASSWORD_RESET", "5 per minute;20 per hour")
    RATELIMIT_PASSWORD_RESET_EMAIL = os.environ.get("RATELIMIT_PASSWORD_RESET_EMAIL", "3 per hour;10 per day")
    RATELIMIT_API_TOKEN = os.environ.get("RATELIMIT_API_TOKEN", "10 per minute;50 per hour")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "cloudstore")
    # Shared counts for every worker and node; without it each process counts in its own memory.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # How many proxies in front of Cloudstore append to X-Forwarded-For (and set X-Forwarded-Proto).
    # 0 ignores those headers: a client could otherwise pick its own address.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)

    # Suppliers (rules C4, C6) and colleagues.
    ACCREDITATION_MONTHS = _int("ACCREDITATION_MONTHS", 12)
    MUTUAL_MIN_EMPLOYEE_SHARE = _int("MUTUAL_MIN_EMPLOYEE_SHARE", 25)
    EUR_PER_GBP = os.environ.get("EUR_PER_GBP", "1.15")
    EVIDENCE_MAX_BYTES = _int("EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)
    EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR", str(_INSTANCE / "evidence"))
    # Public service documents (definition, pricing, terms); same size limit and file types as evidence.
    SERVICE_DOCUMENTS_DIR = os.environ.get("SERVICE_DOCUMENTS_DIR", str(_INSTANCE / "service-documents"))
    INVITATION_MAX_AGE = _int("INVITATION_MAX_AGE", 7 * 24 * 3600)

    # Contracts: flask contracts remind emails this many days before a break's notice deadline and the end date.
    CONTRACT_NOTICE_REMINDER_DAYS = _int("CONTRACT_NOTICE_REMINDER_DAYS", 30)
    CONTRACT_END_REMINDER_DAYS = _int("CONTRACT_END_REMINDER_DAYS", 60)

    # Transparency: the share of award value going to SMEs is shown against this target (rule R2.3, Aug 2015).
    SME_TARGET_PERCENT = _int("SME_TARGET_PERCENT", 33)

    # Open data (R5.1): the publisher prefix of every OCDS ocid. Register your own with the Open Contracting
    # Partnership before publishing for real; never reuse Contracts Finder's or Find a Tender's.
    OCDS_PREFIX = os.environ.get("OCDS_PREFIX", "ocds-cs0001")

    SESSION_COOKIE_NAME = "cloudstore_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = _int("PERMANENT_SESSION_LIFETIME", 8 * 3600)
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    HSTS = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    WTF_CSRF_ENABLED = False
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Fast hashing keeps the suite quick; production uses argon2's defaults.
    PASSWORD_HASH_FAST = True
    # The suite signs in thousands of times; tests/integration/test_rate_limits.py turns limits on.
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    HSTS = True

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the secrets production must not guess."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Cloudstore will not start in production without "
                + " and ".join(missing)
                + " set in the environment."
            )
        cls.SECRET_KEY = os.environ["SECRET_KEY"]
        cls.DATABASE_URL = os.environ["DATABASE_URL"]


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_for_environment() -> type[Config]:
    name = os.environ.get("CLOUDSTORE_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"CLOUDSTORE_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.") from None
