"""The intake site's Flask app: its limits, anti-forgery tokens, security headers and errors."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.approval.drafts import IMAGE_MAX_BYTES, MAX_IMAGES
from bot.intake.limits import RateLimit
from bot.services import Services
from handlers.web import intake
from handlers.web.language import messages

TEXT_ALLOWANCE = 1024 * 1024  # the form's text fields, far more than they may hold
MAX_BODY = MAX_IMAGES * (IMAGE_MAX_BYTES + 64 * 1024) + TEXT_ALLOWANCE
# The server's own limit, above the site's: a body a little too large gets the site's page
# (413, in the reader's language); one far beyond it is cut off by the server itself.
SERVER_MAX_BODY = MAX_BODY + TEXT_ALLOWANCE
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the link's token is in every page's address
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass
class Limits:
    """How often the open internet may knock: sends per link, sends and requests per address."""

    sends_per_link: RateLimit
    sends_per_address: RateLimit
    requests_per_address: RateLimit


def default_limits() -> Limits:
    hour = 3600.0
    return Limits(
        sends_per_link=RateLimit(10, hour),
        sends_per_address=RateLimit(20, hour),
        requests_per_address=RateLimit(600, 600.0),
    )


def create_app(services: Services, limits: Limits | None = None) -> Flask:
    """The intake site for `services`; `limits` to test them (default: `default_limits`)."""
    settings = services.settings
    app = Flask(__name__, static_url_path="/intake/static")
    behind_proxy = settings.public_url.startswith("https://")
    app.config.update(
        SECRET_KEY=settings.web_secret or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=MAX_BODY,
        SESSION_COOKIE_NAME="snsbot_intake",
        SESSION_COOKIE_PATH="/intake",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=behind_proxy,
        WTF_CSRF_TIME_LIMIT=6 * 3600,  # a group may take its time over the form
        WTF_CSRF_SSL_STRICT=False,  # the Referer is never sent (Referrer-Policy: no-referrer)
        WTF_CSRF_CHECK_DEFAULT=False,  # checked once the link is known live: a dead one is 404
        TEMPLATES_AUTO_RELOAD=False,
    )
    if behind_proxy:  # the client's address as the reverse proxy saw it, for the limits
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.extensions["snsbot"] = intake.Site(services, limits or default_limits(), CSRFProtect(app))
    app.register_blueprint(intake.blueprint)

    @app.after_request
    def secure(response):
        response.headers.update(HEADERS)
        return response

    @app.errorhandler(CSRFError)
    def forged(error):
        return _plain(400, "web.expired_form")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        return _plain(413, "web.too_large", max_mb=IMAGE_MAX_BYTES >> 20)

    @app.errorhandler(HTTPException)
    def other(error):
        if error.code == 429:
            return _plain(429, "web.too_many")
        return _plain(404 if error.code in (404, 405) else error.code or 400, "web.not_found")

    @app.errorhandler(Exception)
    def failed(error):
        app.logger.exception("intake page failed")
        return _plain(500, "web.failed")

    return app


def _plain(status: int, key: str, **values):
    """A page with one sentence and nothing else: no detail, no internal id."""
    msg = getattr(g, "msg", None) or messages(request)
    return render_template("plain.html", msg=msg, text=msg(key, **values)), status
