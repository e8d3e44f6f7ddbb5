"""Rate limits on the doors people guess at: sign-in, registration, password reset and API tokens.

Only POSTs count: reading a form is free. Each limit counts per client address (the proxy's address unless
``TRUSTED_PROXIES`` says how many proxies to believe), and a sign-in, by the form or by POST /api/v1/tokens, also
counts per email address, so guesses at one account from many addresses are slowed as well; so does a request
to reset a password, which emails that address. Counts live in Redis
when ``REDIS_URL`` is set, shared by every worker and node, and in each process's memory otherwise. If Redis stops
answering, each process counts in its own memory (logged as a warning) until Redis is back: a sign-in never fails
because Redis is down.

A refused request gets 429 with a Retry-After header: the "Too many attempts" page, or a JSON error under /api/.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user
from limits import parse_many

from app.errors import wants_json

EXTENSION_KEY = "cloudstore_rate_limiter"

# Seconds to wait for Redis before counting in memory instead: a slow Redis must not hold up sign-in.
REDIS_TIMEOUT_SECONDS = 0.5

# A token request is a few hundred bytes; a bigger body is not read here (the view refuses it).
_MAX_KEYED_BODY_BYTES = 16 * 1024


def client_address() -> str:
    return f"ip:{request.remote_addr or 'unknown'}"


def submitted_email() -> str:
    """The email address being signed in to (form field or JSON key ``email``), hashed so no address is stored.

    Without one, the client address stands in. A key function must never fail: the limiter would take its error
    for a storage failure."""
    email: object = None
    try:
        if request.is_json:
            # Only a body of known, small length: reading it here must not get round the view's own size limit.
            if request.content_length is not None and request.content_length <= _MAX_KEYED_BODY_BYTES:
                body = json.loads(request.get_data(cache=True) or b"null")
                email = body.get("email") if isinstance(body, dict) else None
        else:
            email = request.form.get("email")
    except Exception:  # noqa: BLE001  (a body the view itself will refuse)
        email = None
    if not isinstance(email, str) or not email.strip():
        return client_address()
    return "email:" + hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]


def signed_in_user() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return client_address()


@dataclass(frozen=True)
class Rule:
    endpoint: str
    setting: str  # the config key holding the limits, e.g. "10 per minute;50 per hour"
    key: Callable[[], str]
    scope: str | None = None  # endpoints with the same scope share one count


RULES: tuple[Rule, ...] = (
    Rule("auth.login", "RATELIMIT_SIGN_IN", client_address),
    Rule("auth.login", "RATELIMIT_SIGN_IN_EMAIL", submitted_email, scope="sign-in-email"),
    Rule("api.create_token", "RATELIMIT_API_TOKEN", client_address),
    Rule("api.create_token", "RATELIMIT_SIGN_IN_EMAIL", submitted_email, scope="sign-in-email"),
    Rule("auth.create_api_token", "RATELIMIT_API_TOKEN", signed_in_user),
    Rule("auth.register_supplier", "RATELIMIT_REGISTRATION", client_address, scope="registration"),
    Rule("auth.register_buyer", "RATELIMIT_REGISTRATION", client_address, scope="registration"),
    Rule("auth.resend_verification", "RATELIMIT_REGISTRATION", client_address),
    Rule("auth.request_password_reset", "RATELIMIT_PASSWORD_RESET", client_address),
    # Each request emails the address: counted per address too, so nobody's inbox can be flooded from many addresses.
    Rule("auth.request_password_reset", "RATELIMIT_PASSWORD_RESET_EMAIL", submitted_email, scope="reset-email"),
    Rule("auth.reset_password", "RATELIMIT_PASSWORD_RESET", client_address),
)


def _limits_setting(app: Flask, setting: str) -> str:
    value = str(app.config[setting])
    try:
        parse_many(value)
    except ValueError:
        raise RuntimeError(
            f"{setting} must be rate limits such as '10 per minute;50 per hour', not {value!r}."
        ) from None
    return value


def init_app(app: Flask) -> None:
    """Put the limits on their views; call after the blueprints are registered."""
    app.register_error_handler(RateLimitExceeded, too_many_attempts)
    if not app.config.get("RATELIMIT_ENABLED"):
        return
    redis_url = app.config.get("REDIS_URL") or ""
    limiter = Limiter(
        key_func=client_address,
        strategy="moving-window",  # no burst of twice the limit across a window's edge
        storage_uri=redis_url or "memory://",
        storage_options=(
            {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}
            if redis_url
            else {}
        ),
        in_memory_fallback_enabled=True,
        swallow_errors=True,  # anything else going wrong in the limiter lets the request through, logged
        headers_enabled=False,  # Retry-After is set on the 429 alone
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX") or "cloudstore",
    )
    limiter.init_app(app)
    for rule in RULES:
        value = _limits_setting(app, rule.setting)
        if rule.scope:
            decorate = limiter.shared_limit(value, scope=rule.scope, key_func=rule.key, methods=["POST"])
        else:
            decorate = limiter.limit(value, key_func=rule.key, methods=["POST"])
        app.view_functions[rule.endpoint] = decorate(app.view_functions[rule.endpoint])
    app.extensions[EXTENSION_KEY] = limiter


def seconds_to_wait(error: RateLimitExceeded) -> int:
    """Seconds until the refused count has room again: from the limiter's window, else the limit's length."""
    limiter: Limiter | None = current_app.extensions.get(EXTENSION_KEY)
    try:
        breached = limiter.current_limit if limiter is not None else None
        if breached is not None:
            reset_at, _remaining = breached.window
            return max(1, math.ceil(reset_at - time.time()))
    except Exception:  # noqa: BLE001  (the storage went away since the check: the window's length will do)
        current_app.logger.warning("Rate limit storage did not answer while working out Retry-After")
    return max(1, int(error.limit.limit.get_expiry()))


def describe_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"


def too_many_attempts(error: RateLimitExceeded) -> Any:
    seconds = seconds_to_wait(error)
    wait = describe_wait(seconds)
    headers = {"Retry-After": str(seconds)}
    if wants_json():
        body = {
            "error": {
                "code": "too_many_requests",
                "message": f"Too many attempts. Try again in {wait}.",
                "retry_after": seconds,
            }
        }
        return jsonify(body), 429, headers
    return render_template("errors/429.html", error=error, wait=wait), 429, headers
