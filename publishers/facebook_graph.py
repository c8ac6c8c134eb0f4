"""Graph API requests for one Facebook Page, with Graph's errors turned into the ports' errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import requests

from bot.ports import PermanentError, TransientError
from publishers.http import TIMEOUT, HttpClient, clean_detail, retry_at_from_retry_after, utc_now

APP_LIMIT_WAIT = timedelta(hours=1)  # when a usage header is at 100% but gives no time

# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling).
TOKEN_CODES = frozenset({102, 190})
BLOCKED_CODE = 368
PERMISSION_CODES = frozenset({10, *range(200, 300)})
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, 80001})
SERVER_CODES = frozenset({1, 2})
DUPLICATE_CODE = 506
_USAGE_FIELDS = ("call_count", "total_cputime", "total_time")


class Duplicate(PermanentError):
    """Graph refused the post as a repeat of the Page's latest one (code 506)."""


class GraphClient:
    """Sends Graph requests for one Page with its Page access token (a header, never in URLs)."""

    def __init__(self, graph_url: str, page_id: str, token: str, *, timeout=TIMEOUT, session=None):
        self._graph = graph_url.rstrip("/")
        self._page = page_id
        self._token = token
        self._http = HttpClient(timeout=timeout, session=session)

    def call(self, method: str, path: str, *, params=None, data=None, files=None) -> dict:
        """One Graph request: the decoded answer, or TransientError / PermanentError."""
        headers = {"Authorization": f"Bearer {self._token}"}
        url = f"{self._graph}/{path}"
        try:
            resp = self._http.send(
                method, url, params=params, data=data, files=files, headers=headers
            )
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ):
            raise PermanentError("pub.error.not_found") from None
        except requests.RequestException:
            raise TransientError("pub.reason.connection") from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if resp.status_code < 400 and error is None:
            if not isinstance(body, dict):
                raise PermanentError("pub.error.unknown")
            return body
        raise self._error(resp, error if isinstance(error, dict) else {})

    def _error(self, resp: requests.Response, error: dict) -> Exception:
        code, status = _int(error.get("code")), resp.status_code
        if code in TOKEN_CODES:
            return PermanentError("pub.error.fb_token")
        if code == BLOCKED_CODE:
            return PermanentError("pub.error.fb_blocked")
        if code in PERMISSION_CODES:
            return PermanentError("pub.error.fb_permission")
        if code in THROTTLE_CODES or status == 429:
            return TransientError("pub.reason.rate_limited", retry_at=self._retry_at(resp))
        if status >= 500 or code in SERVER_CODES or error.get("is_transient") is True:
            return TransientError("pub.reason.server_error", retry_at=self._retry_at(resp))
        if status == 404 and not error:
            return PermanentError("pub.error.not_found")
        if code == DUPLICATE_CODE:
            return Duplicate("pub.error.fb_duplicate")
        detail = clean_detail(error.get("message"), [self._token]) or f"HTTP {status}"
        return PermanentError("pub.error.fb_rejected", {"detail": detail})

    def _retry_at(self, resp: requests.Response) -> datetime | None:
        """When to try again: the Page's regain time, Retry-After, or a fixed wait at 100%."""
        now = utc_now()
        minutes, full = _business_usage(resp.headers.get("X-Business-Use-Case-Usage"), self._page)
        if minutes > 0:
            return now + timedelta(minutes=minutes)
        after = retry_at_from_retry_after(resp.headers.get("Retry-After"), now)
        if after is not None:
            return after
        if full or _at_limit(_json_obj(resp.headers.get("X-App-Usage"))):
            return now + APP_LIMIT_WAIT
        return None


def object_id(body: dict) -> str:
    """The id of the object a Graph answer made; PermanentError when it has none."""
    value = body.get("id")
    if not isinstance(value, str | int) or not str(value):
        raise PermanentError("pub.error.unknown")
    return str(value)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json_obj(raw):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _at_limit(usage) -> bool:
    if not isinstance(usage, dict):
        return False
    return any(isinstance(usage.get(k), int | float) and usage[k] >= 100 for k in _USAGE_FIELDS)


def _business_usage(raw, page_id: str) -> tuple[float, bool]:
    """(minutes until access returns, whether a figure is at 100%) for the Page's entries."""
    data = _json_obj(raw)
    if not isinstance(data, dict):
        return 0, False
    groups = [data[page_id]] if page_id in data else list(data.values())
    entries = [
        e for group in groups if isinstance(group, list) for e in group if isinstance(e, dict)
    ]
    minutes = [e.get("estimated_time_to_regain_access") for e in entries]
    wait = max((m for m in minutes if isinstance(m, int | float)), default=0)
    return wait, any(_at_limit(e) for e in entries)
