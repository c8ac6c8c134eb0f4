"""Helpers the HTTP-based publishers share: timeouts, retry times, and network-error mapping."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests

from bot.messages import Messages
from publishers.base import TransientError

TIMEOUT = (5, 30)  # connect, read (seconds)


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


@contextlib.contextmanager
def network_errors(msg: Messages) -> Iterator[None]:
    """Turn timeouts and refused connections into TransientError with a plain reason."""
    try:
        yield
    except requests.Timeout:
        raise TransientError(msg("pub.reason.timeout")) from None
    except requests.ConnectionError:
        raise TransientError(msg("pub.reason.connection")) from None
