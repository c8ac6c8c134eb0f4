"""Logging set-up: the level (SNSBOT_LOG_LEVEL or --debug) and a filter that redacts secrets."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "[redacted]"
# What client libraries put in debug lines: headers, form fields, query strings, token shapes.
SECRET_SHAPES = (
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*)('[^']*'|\"[^\"]*\"|[^\n]*)"),
    re.compile(r"(?i)\b(bearer|basic)(\s+)([\w\-.~+/=:]{8,})"),
    re.compile(r"\b(xox[abposer]|xapp)-[\w-]+"),
    re.compile(
        r"(?i)\b((?:client_secret|client_assertion|access_token|refresh_token|id_token|"
        r"oauth_token|oauth_consumer_key|oauth_signature|password|token|secret)"
        r"['\"]?\s*[:=]\s*['\"]?)([^&\s'\",}]+)"
    ),
    re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)"),  # user:password@ in a URL
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret value and every secret-shaped token replaced."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    for shape in SECRET_SHAPES:
        text = shape.sub(_hide, text)
    return text


def _hide(match: re.Match) -> str:
    groups = match.groups()
    if match.re is SECRET_SHAPES[2]:
        return f"{groups[0]}-{HIDDEN}"
    if match.re is SECRET_SHAPES[4]:
        return f"{groups[0]}{HIDDEN}{groups[2]}"
    if match.re is SECRET_SHAPES[1]:
        return f"{groups[0]}{groups[1]}{HIDDEN}"
    return f"{groups[0]}{HIDDEN}"


class Redactor(logging.Filter):
    """On a handler: every record it writes (message, arguments, traceback) has secrets hidden."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage(), self.secrets), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def configure(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at `level` with secrets redacted; where logging is already set up (tests),
    only add the redaction to the handlers there."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        root.setLevel(level if level in LEVELS else "INFO")
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)
        handler.addFilter(Redactor(secrets))
