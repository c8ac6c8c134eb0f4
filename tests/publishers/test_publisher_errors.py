"""The shared failure mapping of publishers/http.py: statuses, network failures, cleaned details."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import requests
import tweepy
from platforms import said

from bot.messages import Messages
from bot.ports import PermanentError, Text, TransientError
from publishers.http import (
    BLOG_REFUSALS,
    DETAIL_MAX,
    HttpClient,
    clean_detail,
    network_errors,
    network_reason,
    redact,
    status_error,
)
from publishers.x import ENGAGING, POSTING

MSG = Messages("ja")
WHEN = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
SECRET = "app-password-1234"


# ---------------------------------------------------------------------- statuses

# refusals, status, error class, user message, retry_at kept
STATUSES = [
    (BLOG_REFUSALS, 429, TransientError, MSG("pub.reason.rate_limited"), True),
    (BLOG_REFUSALS, 500, TransientError, MSG("pub.reason.server_error"), True),
    (BLOG_REFUSALS, 503, TransientError, MSG("pub.reason.server_error"), True),
    (BLOG_REFUSALS, 408, TransientError, MSG("pub.reason.timeout"), True),
    (BLOG_REFUSALS, 401, PermanentError, MSG("pub.error.blog_auth"), False),
    (BLOG_REFUSALS, 403, PermanentError, MSG("pub.error.blog_forbidden"), False),
    (BLOG_REFUSALS, 404, PermanentError, MSG("pub.error.not_found"), False),
    (BLOG_REFUSALS, 400, PermanentError, MSG("pub.error.blog_rejected", detail="words"), False),
    (BLOG_REFUSALS, 302, PermanentError, MSG("pub.error.blog_rejected", detail="words"), False),
    (POSTING, 429, TransientError, MSG("pub.reason.rate_limited"), True),
    (POSTING, 502, TransientError, MSG("pub.reason.server_error"), True),
    (POSTING, 401, PermanentError, MSG("pub.error.x_auth"), False),
    (POSTING, 403, PermanentError, MSG("pub.error.x_forbidden", detail="words"), False),
    (POSTING, 404, PermanentError, MSG("pub.error.x_rejected", detail="words"), False),
    (POSTING, 408, PermanentError, MSG("pub.error.x_rejected", detail="words"), False),
    (ENGAGING, 401, PermanentError, MSG("pub.error.x_auth"), False),
    (ENGAGING, 403, PermanentError, MSG("engage.error.x_refused", detail="words"), False),
    (ENGAGING, 400, PermanentError, MSG("engage.error.x_refused", detail="words"), False),
]


@pytest.mark.parametrize(("refusals", "status", "kind", "message", "timed"), STATUSES)
def test_each_status_maps_to_one_error(refusals, status, kind, message, timed):
    error = status_error(status, refusals, retry_at=WHEN, detail="words")
    assert type(error) is kind
    assert said(error) == message
    if kind is TransientError:
        assert error.retry_at == (WHEN if timed else None)


def test_extra_values_fill_in_the_key_text():
    refusals = replace(BLOG_REFUSALS, rejected="pub.error.image")
    error = status_error(415, refusals, detail="type refused", name="poster.png")
    assert said(error) == MSG("pub.error.image", name="poster.png", detail="type refused")


def test_english_texts_come_from_the_english_catalogue():
    english = Messages("en")
    error = status_error(401, BLOG_REFUSALS)
    assert said(error, "en") == english("pub.error.blog_auth")


# ---------------------------------------------------------------------- network failures


def wrapped(inner: BaseException, *, cause: bool) -> Exception:
    """A library error raised from (`cause`) or while handling `inner`."""
    try:
        try:
            raise inner
        except type(inner) as error:
            if cause:
                raise tweepy.TweepyException("Failed to send request") from error
            raise tweepy.TweepyException("Failed to send request")  # noqa: B904
    except tweepy.TweepyException as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (requests.ReadTimeout(), "pub.reason.timeout"),
        (requests.ConnectTimeout(), "pub.reason.timeout"),  # also a ConnectionError
        (requests.ConnectionError(), "pub.reason.connection"),
        (requests.exceptions.SSLError(), "pub.reason.connection"),
        (wrapped(requests.ReadTimeout(), cause=True), "pub.reason.timeout"),
        (wrapped(requests.ConnectionError(), cause=True), "pub.reason.connection"),
        (wrapped(requests.ConnectionError(), cause=False), "pub.reason.connection"),
        (wrapped(ValueError(), cause=True), None),
        (requests.exceptions.InvalidURL(), None),
        (ValueError(), None),
        (None, None),
    ],
)
def test_network_reason_looks_through_wrapping_errors(error, key):
    assert network_reason(error) == key


def test_network_errors_turn_failures_into_transient_errors():
    with pytest.raises(TransientError) as caught, network_errors():
        raise requests.ReadTimeout("read timed out: " + SECRET)
    assert said(caught.value) == MSG("pub.reason.timeout")
    assert caught.value.retry_at is None
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_network_errors_pass_other_errors_through_unchanged():
    refused = requests.exceptions.MissingSchema("no scheme")
    with pytest.raises(requests.exceptions.MissingSchema) as caught, network_errors():
        raise refused
    assert caught.value is refused
    with pytest.raises(PermanentError), network_errors():
        raise PermanentError("refused")


def test_network_errors_look_inside_the_wrappers_named():
    timeout = wrapped(requests.ReadTimeout(), cause=True)
    with pytest.raises(tweepy.TweepyException), network_errors():
        raise timeout  # not named: passes through
    with pytest.raises(TransientError) as caught, network_errors(tweepy.TweepyException):
        raise timeout
    assert said(caught.value) == MSG("pub.reason.timeout")


# ---------------------------------------------------------------------- HttpClient


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SilentSession:
    """A requests session whose every request times out; it records the timeout it was given."""

    def __init__(self) -> None:
        self.timeouts: list = []

    def request(self, method, url, **kwargs):
        self.timeouts.append(kwargs.get("timeout"))
        raise requests.ReadTimeout(f"{url} read timed out")


def test_a_refused_connection_is_a_transient_error():
    client = HttpClient(timeout=(1, 1))
    with pytest.raises(TransientError) as caught:
        client.send("GET", f"http://127.0.0.1:{closed_port()}/")
    assert said(caught.value) == MSG("pub.reason.connection")
    assert "127.0.0.1" not in str(caught.value)


def test_the_client_sends_with_its_timeout():
    session = SilentSession()
    with pytest.raises(TransientError) as caught:
        HttpClient(timeout=(2, 3), session=session).send("POST", "https://example.jp/x")
    assert said(caught.value) == MSG("pub.reason.timeout")
    assert session.timeouts == [(2, 3)]


# ---------------------------------------------------------------------- details


@pytest.mark.parametrize(
    ("text", "markup", "expected"),
    [
        ("  two\n lines  ", False, "two lines"),
        (f"bad password {SECRET}", False, "bad password ***"),
        ("<p>Sorry, you are <b>not</b> allowed &amp; so on.</p>", True, "Sorry, you are not allowed & so on."),
        ("<p>kept as is</p>", False, "<p>kept as is</p>"),
        (f"<p>{SECRET}</p>", True, "***"),
        (None, False, ""),
        (190, False, "190"),
    ],
)  # fmt: skip
def test_clean_detail(text, markup, expected):
    assert clean_detail(text, [SECRET, ""], markup=markup) == expected


def test_a_long_detail_is_cut_with_an_ellipsis():
    detail = clean_detail("x" * 500, [])
    assert len(detail) == DETAIL_MAX and detail.endswith("…")
    assert clean_detail("x" * DETAIL_MAX, []) == "x" * DETAIL_MAX


def test_a_secret_is_blanked_before_the_cut():
    detail = clean_detail("x" * (DETAIL_MAX - 5) + SECRET, [SECRET])
    assert SECRET[:5] not in detail


def test_redact_ignores_empty_secrets():
    assert redact("token abc", ["", "abc"]) == "token ***"


def test_errors_and_account_problems_carry_keys_and_values_not_words():
    error = status_error(400, BLOG_REFUSALS, detail="words")
    assert (error.key, dict(error.values)) == ("pub.error.blog_rejected", {"detail": "words"})
    assert str(error) == "pub.error.blog_rejected"  # no language: the core renders it
    problem = Text("identity.failed", {"channel": Text("channel.blog"), "detail": "HTTP 401"})
    for locale in ("ja", "en"):
        msg = Messages(locale)
        expected = msg("identity.failed", channel=msg("channel.blog"), detail="HTTP 401")
        assert problem.render(msg) == expected
