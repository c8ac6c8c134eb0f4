"""Helpers the HTTP publishers share: timeouts, retry times, and failures mapped to our two errors."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests

from bot.ports import PermanentError, TransientError

TIMEOUT = (5, 30)  # connect, read (seconds)
DETAIL_MAX = 200  # characters of a platform's own words kept in an error message


def utc_now() -> datetime:
    return datetime.now(UTC)


def retry_at_from_epoch(value) -> datetime | None:
    """A Unix-seconds header (e.g. x-rate-limit-reset) as an aware time."""
    try:
        return datetime.fromtimestamp(int(float(value)), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def retry_at_from_retry_after(value, now: datetime | None = None) -> datetime | None:
    """A Retry-After header: seconds, or an HTTP date."""
    if value is None:
        return None
    now = now or utc_now()
    try:
        return now + timedelta(seconds=float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------------- network failures


def network_reason(error: BaseException | None) -> str | None:
    """The message key for a timeout or connection failure, however deeply it was wrapped."""
    while error is not None:
        if isinstance(error, requests.Timeout):
            return "pub.reason.timeout"
        if isinstance(error, requests.ConnectionError):
            return "pub.reason.connection"
        error = error.__cause__ or error.__context__
    return None


@contextlib.contextmanager
def network_errors(*wrappers: type[Exception]) -> Iterator[None]:
    """Turn timeouts and refused connections into TransientError with a plain reason.

    `wrappers` are a client library's errors (e.g. tweepy's) that may carry such a failure as
    their cause; any other error passes through unchanged.
    """
    try:
        yield
    except (requests.RequestException, *wrappers) as error:
        reason = network_reason(error)
        if reason is None:
            raise
        raise TransientError(reason) from None


class HttpClient:
    """One platform's requests: a session, a timeout, and network failures as TransientError."""

    def __init__(self, *, timeout=TIMEOUT, session: requests.Session | None = None):
        self._timeout = timeout
        self._session = session or requests.Session()

    def send(self, method: str, url: str, **kwargs) -> requests.Response:
        """The answer whatever its status; a timeout or refused connection raises TransientError."""
        with network_errors():
            return self._session.request(method, url, timeout=self._timeout, **kwargs)


# ---------------------------------------------------------------------- refusals


@dataclass(frozen=True)
class Refusals:
    """A platform's message keys for the HTTP answers that retrying will not change."""

    auth: str  # 401
    forbidden: str  # 403; its text may use {detail}
    rejected: str  # any other 4xx; its text uses {detail}
    not_found: str | None = None  # 404, when it has its own key (else `rejected`)
    retry_timeout: bool = False  # 408 is a TransientError rather than `rejected`


#: Both blog publishers (WordPress and AtomPub) answer in the same words.
BLOG_REFUSALS = Refusals(
    auth="pub.error.blog_auth",
    forbidden="pub.error.blog_forbidden",
    rejected="pub.error.blog_rejected",
    not_found="pub.error.not_found",
    retry_timeout=True,
)


def status_error(
    status: int,
    refusals: Refusals,
    *,
    retry_at: datetime | None = None,
    detail: str = "",
    **values,
) -> TransientError | PermanentError:
    """The error for an HTTP status outside 2xx: 429 and 5xx are worth another try (at
    `retry_at` when the platform said when); 401, 403 and other 4xx take the platform's keys.

    `detail` (the platform's own words, see `clean_detail`) and `values` (e.g. `name` for
    "pub.error.image") fill in the key's text.
    """
    if status == 429:
        return TransientError("pub.reason.rate_limited", retry_at=retry_at)
    if status >= 500:
        return TransientError("pub.reason.server_error", retry_at=retry_at)
    if status == 408 and refusals.retry_timeout:
        return TransientError("pub.reason.timeout", retry_at=retry_at)
    if status == 401:
        key = refusals.auth
    elif status == 403:
        key = refusals.forbidden
    elif status == 404 and refusals.not_found:
        key = refusals.not_found
    else:
        key = refusals.rejected
    return PermanentError(key, {"detail": detail, **values})


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every (non-empty) secret in it blanked out as ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def clean_detail(text, secrets: Iterable[str], *, markup: bool = False) -> str:
    """A platform's words for a refusal as one short line, free of secrets ("" when none).

    With `markup`, HTML (entities and tags) is taken for plain text first.
    """
    text = str(text or "")
    if markup:
        text = re.sub(r"<[^>]+>", " ", html.unescape(text))
    text = redact(" ".join(text.split()), secrets)
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"
