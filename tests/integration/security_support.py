"""What every response must carry: the security headers of app/security.py, and no-store caching on pages."""

from __future__ import annotations

from werkzeug.test import TestResponse

from app.security import CONTENT_SECURITY_POLICY

# Open data that anyone may cache for a while (README, "Open data"): the same for everyone, no personal data.
PUBLIC_CACHE_PATHS = ("/api/v1/transparency/ocds", "/api/v1/transparency/contracts.csv")


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def security_header_problems(response: TestResponse, path: str) -> list[str]:
    """Every way ``response`` (to a request for ``path``) falls short, as readable lines; empty when it is right."""
    headers = response.headers
    problems: list[str] = []
    policy = headers.get("Content-Security-Policy", "")
    if policy != CONTENT_SECURITY_POLICY:
        problems.append(f"Content-Security-Policy is {policy!r}, not the app's policy")
    directives = _directives(policy)
    # The app's own policy must keep its teeth too: no inline or eval'd script, no plugins, no framing.
    script = directives.get("script-src", directives.get("default-src", ["*"]))
    if directives.get("default-src") != ["'self'"] or any(
        source in script for source in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:")
    ):
        problems.append(f"Content-Security-Policy allows script from elsewhere: {policy!r}")
    if directives.get("object-src") != ["'none'"] or directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"Content-Security-Policy allows plugins or framing: {policy!r}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{name} is {headers.get(name)!r}, not {value!r}")
    permissions = headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        if feature not in permissions:
            problems.append(f"Permissions-Policy {permissions!r} does not turn off {feature}")
    cache = {part.strip() for part in headers.get("Cache-Control", "").split(",") if part.strip()}
    if path.startswith("/static/"):
        if "no-store" in cache:
            problems.append("a static asset is sent with no-store")
    elif path in PUBLIC_CACHE_PATHS and response.status_code == 200:
        if cache != {"public", "max-age=300"}:
            problems.append(f"open data Cache-Control is {headers.get('Cache-Control')!r}")
    elif "no-store" not in cache or "public" in cache:
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}: a page must be no-store")
    return problems


def assert_security_headers(response: TestResponse, path: str) -> None:
    problems = security_header_problems(response, path)
    assert not problems, f"{response.status_code} for {path}: " + "; ".join(problems)
