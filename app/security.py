"""Security headers on every response (no inline script anywhere, so the CSP needs none), and which proxies'
X-Forwarded-For and X-Forwarded-Proto to believe."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from the last TRUSTED_PROXIES hops of X-Forwarded-For/-Proto.

    With 0 (the default) those headers are ignored: any client can send them, so believing them would let anyone
    choose their own address (and so escape per-address rate limits)."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    trust_proxies(app)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages for signed-in users must not be kept by shared caches or the back button after sign-out. Only a
        # response that declares itself public (open data) may be kept: send_file's own "no-cache" is not enough.
        if not request.path.startswith("/static/") and not response.cache_control.public:
            response.cache_control.no_store = True
        return response
