"""The X publisher against a fake X API on 127.0.0.1: bodies sent, errors mapped, posts found."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.x_api import (
    DUPLICATE,
    FORBIDDEN,
    MEDIA_UPLOAD,
    TWEETS,
    USER_ID,
    USER_TWEETS,
    USERS_ME,
    FakeX,
    invalid_request,
    rate_limit_headers,
)
from platforms import said

from bot.config import Settings
from bot.messages import Messages
from bot.networks import x_config
from bot.ports import Image, PermanentError, Post, Published, TransientError
from publishers.x import XPublisher

KEY, KEY_SECRET = "ck-TESTCONSUMERKEY", "cs-TESTCONSUMERSECRET"
TOKEN, TOKEN_SECRET = f"{USER_ID}-TESTACCESSTOKEN", "ats-TESTTOKENSECRET"
SECRETS = (KEY, KEY_SECRET, TOKEN, TOKEN_SECRET)
msg = Messages("ja")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff" + b"\1" * 32


def make_settings(url: str, username: str = "wakokyodo") -> Settings:
    return Settings(
        x_api_key=KEY,
        x_api_secret=KEY_SECRET,
        x_access_token=TOKEN,
        x_access_token_secret=TOKEN_SECRET,
        x_username=username,
        x_api_url=url,
    )


def make_post(text: str, images: tuple[Image, ...] = ()) -> Post:
    return Post(draft_id=7, revision=1, channel="x", payload={"text": text}, images=images)


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX(KEY, TOKEN, consumer_secret=KEY_SECRET, access_token_secret=TOKEN_SECRET) as x:
        yield x


@pytest.fixture
def publisher(fake) -> XPublisher:
    return XPublisher(x_config(make_settings(fake.url)))


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# --------------------------------------------------------------------------- publishing


def test_publish_text_with_url_sends_exactly_the_text(fake, publisher):
    text = "市民活動フェアを開きます。詳しくは https://wako.example.jp/event?id=3&lang=ja"
    assert publisher.preview(make_post(text)) == text

    published = publisher.publish(make_post(text))

    [call] = fake.calls(TWEETS)
    assert call.json == {"text": text}
    assert call.status == 201
    tweet_id = call.response["data"]["id"]
    assert published == Published(tweet_id, f"https://x.com/wakokyodo/status/{tweet_id}")
    assert [c.endpoint for c in fake.calls()] == [TWEETS]


def test_publish_with_two_images_uploads_them_first(fake, publisher):
    images = (Image("poster.png", "image/png", PNG), Image("map.jpg", "image/jpeg", JPEG))

    published = publisher.publish(make_post("ポスターと地図です", images))

    uploads = fake.calls(MEDIA_UPLOAD)
    assert [c.endpoint for c in fake.calls()] == [MEDIA_UPLOAD, MEDIA_UPLOAD, TWEETS]
    for call, image in zip(uploads, images, strict=True):
        assert call.form == {"media_category": "tweet_image", "media_type": image.mimetype}
        media = call.files["media"]
        assert (media["filename"], media["content_type"], media["data"]) == (
            image.name,
            image.mimetype,
            image.data,
        )
    media_ids = [c.response["data"]["id"] for c in uploads]
    [tweet] = fake.calls(TWEETS)
    assert tweet.json == {"text": "ポスターと地図です", "media": {"media_ids": media_ids}}
    assert published.remote_id == tweet.response["data"]["id"]


def test_every_request_carries_a_valid_oauth1_signature(fake, publisher):
    publisher.publish(make_post("署名の確認", (Image("a.png", "image/png", PNG),)))
    publisher.find(make_post("署名の確認"))
    publisher.verify_account()

    calls = fake.calls()
    assert {c.endpoint for c in calls} == {MEDIA_UPLOAD, TWEETS, USERS_ME, USER_TWEETS}
    for call in calls:
        assert call.headers["authorization"].startswith("OAuth ")
        assert call.oauth["oauth_consumer_key"] == KEY
        assert call.oauth["oauth_token"] == TOKEN
        assert call.oauth["oauth_signature_method"] == "HMAC-SHA1"
        assert call.status in (200, 201)  # the fake checks each signature against its own URL
        raw = str(call.headers).encode() + call.raw_body
        assert KEY_SECRET.encode() not in raw and TOKEN_SECRET.encode() not in raw


def test_a_wrong_key_is_refused_by_the_fake(fake):
    wrong = XPublisher(x_config(replace(make_settings(fake.url), x_api_key="ck-OTHER")))
    with pytest.raises(PermanentError) as caught:
        wrong.publish(make_post("鍵が違う"))
    assert said(caught.value) == msg("pub.error.x_auth")
    assert fake.calls(TWEETS)[0].status == 401


def test_the_same_text_twice_is_a_permanent_duplicate_error(fake, publisher):
    publisher.publish(make_post("同じ文面"))
    with pytest.raises(PermanentError) as caught:
        publisher.publish(make_post("同じ文面"))
    assert said(caught.value) == msg("pub.error.x_duplicate")


# --------------------------------------------------------------------------- faults

NOW = int(time.time())
RESET, USER_DAY, APP_DAY = NOW + 900, NOW + 20_000, NOW + 40_000


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


FAULTS = [
    # id, endpoint, status, body, headers, error class, user message, retry_at
    ("429", TWEETS, 429, None, rate_limit_headers(RESET), TransientError,
     msg("pub.reason.rate_limited"), at(RESET)),
    ("429 user 24h used up", TWEETS, 429, None, rate_limit_headers(RESET, user_24h_reset=USER_DAY),
     TransientError, msg("pub.reason.rate_limited"), at(USER_DAY)),
    ("429 app 24h used up", TWEETS, 429, None, rate_limit_headers(RESET, app_24h_reset=APP_DAY),
     TransientError, msg("pub.reason.rate_limited"), at(APP_DAY)),
    ("429 both 24h used up", TWEETS, 429, None,
     rate_limit_headers(RESET, user_24h_reset=USER_DAY, app_24h_reset=APP_DAY),
     TransientError, msg("pub.reason.rate_limited"), at(APP_DAY)),
    ("429 24h not used up", TWEETS, 429, None,
     rate_limit_headers(RESET, user_24h_reset=USER_DAY, user_24h_remaining=3),
     TransientError, msg("pub.reason.rate_limited"), at(RESET)),
    ("429 no headers", TWEETS, 429, None, {}, TransientError, msg("pub.reason.rate_limited"), None),
    ("500", TWEETS, 500, None, None, TransientError, msg("pub.reason.server_error"), None),
    ("503", TWEETS, 503, None, None, TransientError, msg("pub.reason.server_error"), None),
    ("502 html", TWEETS, 502, "<html>Bad Gateway</html>", None, TransientError,
     msg("pub.reason.server_error"), None),
    ("401", TWEETS, 401, None, None, PermanentError, msg("pub.error.x_auth"), None),
    ("403 duplicate", TWEETS, 403, DUPLICATE, None, PermanentError, msg("pub.error.x_duplicate"),
     None),
    ("403 other", TWEETS, 403, FORBIDDEN, None, PermanentError,
     msg("pub.error.x_forbidden", detail=FORBIDDEN["detail"]), None),
    ("400", TWEETS, 400, invalid_request("Tweet text is too long."), None, PermanentError,
     msg("pub.error.x_rejected", detail="Tweet text is too long."), None),
    ("upload 429", MEDIA_UPLOAD, 429, None, rate_limit_headers(RESET), TransientError,
     msg("pub.reason.rate_limited"), at(RESET)),
    ("upload 503", MEDIA_UPLOAD, 503, None, None, TransientError, msg("pub.reason.server_error"),
     None),
    ("upload 401", MEDIA_UPLOAD, 401, None, None, PermanentError, msg("pub.error.x_auth"), None),
    ("upload 400", MEDIA_UPLOAD, 400, invalid_request("media type unrecognized."), None,
     PermanentError, msg("pub.error.image", name="a.png", detail="media type unrecognized."),
     None),
]  # fmt: skip


@pytest.mark.parametrize(
    "endpoint,status,body,headers,error_class,message,retry_at",
    [case[1:] for case in FAULTS],
    ids=[case[0] for case in FAULTS],
)
def test_faults_map_to_our_errors(
    fake, publisher, endpoint, status, body, headers, error_class, message, retry_at
):
    fake.fail_next(endpoint, status=status, body=body, headers=headers)
    images = (Image("a.png", "image/png", PNG),) if endpoint == MEDIA_UPLOAD else ()

    with pytest.raises(error_class) as caught:
        publisher.publish(make_post("障害のテスト https://wako.example.jp/", images))

    error = caught.value
    text = said(error)
    assert text == message
    assert JAPANESE.search(text)
    assert_no_secret(text)
    assert_no_secret(repr(error))
    if isinstance(error, TransientError):
        assert error.retry_at == retry_at
    if endpoint == MEDIA_UPLOAD:
        assert fake.calls(TWEETS) == []  # no tweet without its image


def test_a_slow_answer_is_a_timeout_and_the_tweet_can_then_be_found(fake):
    publisher = XPublisher(x_config(make_settings(fake.url)), timeout=(2, 0.3))
    fake.delay(TWEETS, 1.5)  # X posts the tweet, but the answer comes too late

    with pytest.raises(TransientError) as caught:
        publisher.publish(make_post("遅い応答"))
    assert said(caught.value) == msg("pub.reason.timeout")

    fake.delay(TWEETS, 0)
    found = publisher.find(make_post("遅い応答"))
    assert found is not None and found.remote_id == fake.tweets()[0]["id"]


def test_a_closed_port_is_a_connection_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    publisher = XPublisher(x_config(make_settings(f"http://127.0.0.1:{port}")), timeout=(1, 1))

    with pytest.raises(TransientError) as caught:
        publisher.publish(make_post("つながらない"))
    assert said(caught.value) == msg("pub.reason.connection")
    with pytest.raises(TransientError):
        publisher.find(make_post("つながらない"))
    assert said(publisher.verify_account()) == msg(
        "identity.failed", channel="X", detail=msg("pub.reason.connection")
    )


# --------------------------------------------------------------------------- find


FIND_CASES = [
    # id, tweets already on the account, text looked for, expected index of the match (or None)
    ("plain text", ["お知らせです"], "お知らせです", 0),
    ("link shortened to t.co", ["詳しくは https://wako.example.jp/a?b=1 へ"],
     "詳しくは https://wako.example.jp/a?b=1 へ", 0),
    ("ampersand escaped", ["A&B <会議> https://wako.example.jp/"], "A&B <会議> https://wako.example.jp/",
     0),
    ("same words, other link", ["講座 https://wako.example.jp/1"], "講座 https://wako.example.jp/2",
     None),
    ("other text", ["別の投稿"], "まだ投稿していない", None),
    ("newest of several", ["一つ目", "二つ目", "三つ目"], "二つ目", 1),
    ("no tweets at all", [], "何もない", None),
]  # fmt: skip


@pytest.mark.parametrize(
    "existing,wanted,index", [c[1:] for c in FIND_CASES], ids=[c[0] for c in FIND_CASES]
)
def test_find(fake, publisher, existing, wanted, index):
    ids = [fake.add_tweet(text) for text in existing]

    found = publisher.find(make_post(wanted))

    if index is None:
        assert found is None
    else:
        assert found == Published(ids[index], f"https://x.com/wakokyodo/status/{ids[index]}")
    [me, timeline] = fake.calls()
    assert (me.endpoint, timeline.endpoint) == (USERS_ME, USER_TWEETS)
    assert timeline.path == f"/2/users/{USER_ID}/tweets"
    assert timeline.query["max_results"] == "20"
    assert "entities" in timeline.query["tweet.fields"].split(",")


def test_find_sees_a_published_tweet_with_images(fake, publisher):
    post = make_post("画像つき https://wako.example.jp/", (Image("a.png", "image/png", PNG),))
    published = publisher.publish(post)
    assert publisher.find(post) == published
    assert publisher.find(make_post("画像つき https://wako.example.jp/other")) is None
    assert len(fake.calls(USERS_ME)) == 1  # the account id is asked once


def test_find_maps_errors_too(fake, publisher):
    fake.fail_next(USER_TWEETS, status=503)
    with pytest.raises(TransientError):
        publisher.find(make_post("x"))


# --------------------------------------------------------------------------- account


@pytest.mark.parametrize("configured", ["wakokyodo", "WakoKyodo"])
def test_verify_account_ok(fake, configured):
    assert XPublisher(x_config(make_settings(fake.url, configured))).verify_account() is None


def test_verify_account_mismatch(fake):
    fake.username = "someone_else"
    problem = said(XPublisher(x_config(make_settings(fake.url))).verify_account())
    assert problem == msg(
        "identity.mismatch", channel="X", expected="@wakokyodo", actual="@someone_else"
    )


@pytest.mark.parametrize("status", [403, 429, 503])
def test_verify_account_failures_name_the_status_without_secrets(fake, publisher, status):
    fake.fail_next(USERS_ME, status=status)
    problem = said(publisher.verify_account())
    assert problem is not None and problem.startswith("X: 認証情報を確認できませんでした（HTTP ")
    assert f"HTTP {status}" in problem
    assert_no_secret(problem)


def test_verify_account_rejected_keys_are_named_plainly(fake, publisher):
    fake.fail_next(USERS_ME, status=401)
    problem = said(publisher.verify_account())
    assert problem == msg("identity.failed", channel="X", detail=msg("identity.reason.auth"))


# --------------------------------------------------------------------------- policy and hygiene


def test_no_dm_or_reply_endpoint_is_ever_called(fake, publisher):
    publisher.verify_account()
    publisher.publish(make_post("方針の確認", (Image("a.png", "image/png", PNG),)))
    publisher.find(make_post("方針の確認"))

    for call in fake.calls():
        assert "dm_" not in call.path and "/dm" not in call.path
        assert b"reply" not in call.raw_body and "reply" not in str(call.query)
    source = Path(__file__).parents[2].joinpath("publishers", "x.py").read_text()
    for word in ("dm_conversations", "direct_message", "in_reply_to", "reply_settings", "/dm"):
        assert word not in source


def test_only_oauthlib_debug_logs_would_show_keys(fake, publisher, caplog):
    """Documents who leaks at DEBUG; snsbot's logging setup must keep these loggers at INFO."""
    with caplog.at_level(logging.DEBUG):
        publisher.publish(make_post("ログの確認", (Image("a.png", "image/png", PNG),)))
        publisher.find(make_post("ログの確認"))
        with pytest.raises(PermanentError):
            publisher.publish(make_post("ログの確認"))
    leaking = {r.name for r in caplog.records if any(s in r.getMessage() for s in SECRETS)}
    assert leaking <= {"oauthlib.oauth1.rfc5849", "requests_oauthlib.oauth1_auth"}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert KEY_SECRET not in logged and TOKEN_SECRET not in logged  # only key and token leak


def test_a_gif_is_refused_by_the_one_shot_upload_with_a_clear_message(fake, publisher):
    """X documents jpeg/bmp/png/webp/pjpeg/tiff for the one-shot upload: a GIF needs chunks."""
    gif = Image("anime.gif", "image/gif", b"GIF89a" + b"\0" * 16)
    with pytest.raises(PermanentError) as caught:
        publisher.publish(make_post("GIF つき", (gif,)))
    assert said(caught.value).startswith("画像 anime.gif を投稿できませんでした（")
    assert fake.calls(TWEETS) == []
