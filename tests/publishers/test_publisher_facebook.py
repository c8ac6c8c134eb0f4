"""The Facebook publisher against a fake Graph API: requests sent, errors mapped, look-ups."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from fakes.graph_api import (
    FEED,
    GRAPH_VERSION,
    ME,
    PAGE_ID,
    PAGE_TOKEN,
    PHOTOS,
    READ_FEED,
    USER_ID,
    FakeGraph,
    app_usage,
    buc_usage,
)
from platforms import said

import publishers.facebook as facebook_module
from bot.config import Settings
from bot.messages import Messages
from bot.networks import facebook_config
from bot.ports import Image, PermanentError, Post, TransientError
from publishers.facebook import FacebookPublisher, permalink
from publishers.http import utc_now

VERSION = GRAPH_VERSION
MSG = Messages("ja")
LINK = "https://www.city.wako.lg.jp/event/123.html"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 32

# Paths a publisher must never touch (policy §9, §10: no replies, no private messages).
FORBIDDEN = ("messages", "conversations", "comments", "private_replies", "messenger")


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(version=VERSION) as fake:
        yield fake
        for call in fake.calls():
            assert not any(word in call.path for word in FORBIDDEN), call.path
            assert PAGE_TOKEN not in call.raw_target, "token in a URL"


def make(graph: FakeGraph, *, token=PAGE_TOKEN, url=None, timeout=(2, 2), locale="ja"):
    settings = Settings(
        facebook_page_id=PAGE_ID,
        facebook_page_token=token,
        facebook_graph_url=url or graph.base_url,
    )
    return FacebookPublisher(facebook_config(settings), timeout=timeout)


def post(message="市民活動フェアを開催します。", link=LINK, images=()) -> Post:
    return Post(
        draft_id=7,
        revision=1,
        channel="facebook",
        payload={"message": message, "link": link},
        images=tuple(images),
    )


def no_token(exc: BaseException) -> None:
    for text in (str(exc), repr(exc), said(exc) or ""):
        assert PAGE_TOKEN not in text
        assert "127.0.0.1" not in text


# ---------------------------------------------------------------------- publishing


def test_preview_is_message_and_link(graph):
    assert make(graph).preview(post()) == f"市民活動フェアを開催します。\n\n{LINK}"
    assert make(graph).preview(post(link=None)) == "市民活動フェアを開催します。"
    assert graph.calls() == []


@pytest.mark.parametrize(
    ("link", "fields"),
    [
        (LINK, {"message": "市民活動フェアを開催します。", "link": LINK}),
        (None, {"message": "市民活動フェアを開催します。"}),
    ],
)
def test_feed_post_sends_exactly_message_and_link(graph, link, fields):
    published = make(graph).publish(post(link=link))

    [call] = graph.calls()
    assert (call.endpoint, call.method, call.path) == (FEED, "POST", f"/{VERSION}/{PAGE_ID}/feed")
    assert call.fields == fields
    assert call.query == {}
    assert call.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert published.remote_id == graph.feed()[0]["id"]
    assert published.remote_id.startswith(f"{PAGE_ID}_")
    assert published.url == permalink(published.remote_id)
    story = published.remote_id.split("_")[1]
    assert published.url == f"https://www.facebook.com/{PAGE_ID}/posts/{story}"


def test_one_image_is_a_photo_post_with_the_link_in_the_caption(graph):
    image = Image(name="fair.png", mimetype="image/png", data=PNG)
    published = make(graph).publish(post(images=[image]))

    [call] = graph.calls()
    assert (call.endpoint, call.method) == (PHOTOS, "POST")
    assert call.fields == {"caption": f"市民活動フェアを開催します。\n\n{LINK}"}
    assert call.files == {"source": ("fair.png", "image/png", PNG)}
    assert call.query == {}
    [live] = graph.feed()
    assert published.remote_id == live["id"]
    assert live["message"] == f"市民活動フェアを開催します。\n\n{LINK}"


def test_several_images_are_unpublished_photos_attached_to_one_feed_post(graph):
    images = [
        Image(name="a.png", mimetype="image/png", data=PNG),
        Image(name="b.jpg", mimetype="image/jpeg", data=JPEG),
        Image(name="c.png", mimetype="image/png", data=PNG + b"c"),
    ]
    published = make(graph).publish(post(images=images))

    calls = graph.calls()
    assert [c.endpoint for c in calls] == [PHOTOS, PHOTOS, PHOTOS, FEED]
    photo_ids = [c.response["id"] for c in calls[:3]]
    for call, image in zip(calls[:3], images, strict=True):
        assert call.fields == {"published": "false"}
        assert call.files == {"source": (image.name, image.mimetype, image.data)}
        assert "post_id" not in call.response
    feed = calls[3]
    assert feed.fields == {
        "message": f"市民活動フェアを開催します。\n\n{LINK}",
        **{
            f"attached_media[{i}]": json.dumps({"media_fbid": pid})
            for i, pid in enumerate(photo_ids)
        },
    }
    [live] = graph.feed()
    assert live["id"] == published.remote_id
    assert live["attached_media"] == photo_ids


def test_link_already_in_the_message_is_not_repeated(graph):
    text = f"詳しくは {LINK} をご覧ください。"
    image = Image(name="a.png", mimetype="image/png", data=PNG)
    make(graph).publish(post(message=text, images=[image]))
    assert graph.calls()[0].fields["caption"] == text


# ---------------------------------------------------------------------- errors

TOKEN_MSG = MSG("pub.error.fb_token")
BLOCKED_MSG = MSG("pub.error.fb_blocked")
PERMISSION_MSG = MSG("pub.error.fb_permission")
RATE_MSG = MSG("pub.reason.rate_limited")
SERVER_MSG = MSG("pub.reason.server_error")


@pytest.mark.parametrize(
    ("code", "subcode", "status", "kind", "text"),
    [
        (190, 460, None, PermanentError, TOKEN_MSG),  # password changed
        (190, 463, None, PermanentError, TOKEN_MSG),  # expired
        (190, None, None, PermanentError, TOKEN_MSG),
        (368, None, None, PermanentError, BLOCKED_MSG),
        (10, None, None, PermanentError, PERMISSION_MSG),
        (200, None, None, PermanentError, PERMISSION_MSG),
        (230, None, 403, PermanentError, PERMISSION_MSG),
        (4, None, None, TransientError, RATE_MSG),
        (17, None, None, TransientError, RATE_MSG),
        (32, None, None, TransientError, RATE_MSG),
        (613, None, None, TransientError, RATE_MSG),
        (80001, None, None, TransientError, RATE_MSG),
        (1, None, None, TransientError, SERVER_MSG),
        (2, None, None, TransientError, SERVER_MSG),
        (
            506,
            None,
            None,
            PermanentError,
            MSG("pub.error.fb_duplicate"),
        ),
        (
            100,
            None,
            None,
            PermanentError,
            MSG("pub.error.fb_rejected", detail="(#100) Invalid parameter"),
        ),
        (
            1609005,
            None,
            400,
            PermanentError,
            MSG("pub.error.fb_rejected", detail="(#1609005) Error"),
        ),
        (None, None, 500, TransientError, SERVER_MSG),
        (None, None, 503, TransientError, SERVER_MSG),
    ],
)
@pytest.mark.parametrize("endpoint", [FEED, PHOTOS])
def test_graph_errors_map_to_the_right_class_and_message(
    graph, endpoint, code, subcode, status, kind, text
):
    graph.fail_next(endpoint, code=code, subcode=subcode, status=status)
    images = [Image(name="a.png", mimetype="image/png", data=PNG)] if endpoint == PHOTOS else []

    with pytest.raises(kind) as caught:
        make(graph).publish(post(images=images))

    exc = caught.value
    assert type(exc) in (PermanentError, TransientError) or code == 506
    assert (said(exc)) == text
    if kind is TransientError:
        assert exc.retry_at is None  # no usage headers
    no_token(exc)
    assert graph.feed() == []


def test_a_wrong_token_is_refused_by_the_fake_and_reported_as_token_error(graph):
    with pytest.raises(PermanentError) as caught:
        make(graph, token="EAAGsomeOtherToken").publish(post())
    assert said(caught.value) == TOKEN_MSG


@pytest.mark.parametrize(
    "message",
    [f"Malformed access token {PAGE_TOKEN}", f"(#100) Bad value for {PAGE_TOKEN} in request"],
)
def test_the_token_never_appears_even_when_graph_echoes_it(graph, message):
    graph.fail_next(FEED, code=190 if "Malformed" in message else 100, message=message)
    with pytest.raises(PermanentError) as caught:
        make(graph).publish(post())
    no_token(caught.value)


def test_a_long_error_message_is_trimmed(graph):
    graph.fail_next(FEED, code=100, message="(#100) " + "x" * 1000)
    with pytest.raises(PermanentError) as caught:
        make(graph).publish(post())
    assert len(said(caught.value)) < 300
    assert "…" in said(caught.value)


def test_messages_follow_the_locale(graph):
    graph.fail_next(FEED, code=368)
    with pytest.raises(PermanentError) as caught:
        make(graph, locale="en").publish(post())
    assert said(caught.value, "en") == Messages("en")("pub.error.fb_blocked")


def test_wrong_graph_url_is_not_found(graph):
    with pytest.raises(PermanentError) as caught:
        make(graph, url=graph.root_url + "/nothing-here").publish(post())
    assert said(caught.value) == MSG("pub.error.not_found")


# ---------------------------------------------------------------------- retry times


def _within(moment, expected, slack=timedelta(seconds=30)) -> bool:
    return moment is not None and abs(moment - expected) < slack


@pytest.mark.parametrize(
    ("code", "status", "headers", "wait"),
    [
        (
            32,
            None,
            {"X-Business-Use-Case-Usage": buc_usage(PAGE_ID, regain_minutes=17)},
            timedelta(minutes=17),
        ),
        (
            80001,
            None,
            {"X-Business-Use-Case-Usage": buc_usage(PAGE_ID, regain_minutes=45)},
            timedelta(minutes=45),
        ),
        (
            None,
            503,
            {"X-Business-Use-Case-Usage": buc_usage(PAGE_ID, regain_minutes=5)},
            timedelta(minutes=5),
        ),
        # Another object's entry only: still the best information there is.
        (
            4,
            None,
            {"X-Business-Use-Case-Usage": buc_usage("999", regain_minutes=9)},
            timedelta(minutes=9),
        ),
        # At 100% with no regain time: a fixed wait.
        (
            32,
            None,
            {"X-Business-Use-Case-Usage": buc_usage(PAGE_ID, regain_minutes=0)},
            timedelta(hours=1),
        ),
        (4, None, {"X-App-Usage": app_usage(100)}, timedelta(hours=1)),
        (
            17,
            None,
            {"X-App-Usage": app_usage(100), "X-Business-Use-Case-Usage": buc_usage(PAGE_ID, 3)},
            timedelta(minutes=3),
        ),
        (613, None, {"Retry-After": "120"}, timedelta(minutes=2)),
        (4, None, {"X-App-Usage": app_usage(60)}, None),
        (4, None, {"X-App-Usage": "not json", "X-Business-Use-Case-Usage": "{"}, None),
        (
            4,
            None,
            {"X-Business-Use-Case-Usage": buc_usage(PAGE_ID, regain_minutes=0, usage=50)},
            None,
        ),
    ],
)
def test_retry_time_comes_from_the_usage_headers(graph, code, status, headers, wait):
    graph.fail_next(FEED, code=code, status=status, headers=headers)
    with pytest.raises(TransientError) as caught:
        make(graph).publish(post())
    if wait is None:
        assert caught.value.retry_at is None
    else:
        assert _within(caught.value.retry_at, utc_now() + wait)


# ---------------------------------------------------------------------- network


def test_a_slow_reply_is_a_transient_timeout(graph):
    graph.delay(FEED, 1.0)
    with pytest.raises(TransientError) as caught:
        make(graph, timeout=(2, 0.2)).publish(post())
    assert said(caught.value) == MSG("pub.reason.timeout")
    no_token(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_refused_connection_is_transient():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(
        facebook_page_id=PAGE_ID,
        facebook_page_token=PAGE_TOKEN,
        facebook_graph_url=f"http://127.0.0.1:{port}/{VERSION}",
    )
    publisher = FacebookPublisher(facebook_config(settings), timeout=(1, 1))
    for action in (publisher.publish, publisher.find):
        with pytest.raises(TransientError) as caught:
            action(post())
        assert said(caught.value) == MSG("pub.reason.connection")
        no_token(caught.value)


# ---------------------------------------------------------------------- find


def test_find_returns_the_post_with_the_same_message(graph):
    graph.add_post("別の投稿")
    made = graph.add_post("  市民活動フェアを開催します。\n")
    graph.add_post("さらに別の投稿")

    found = make(graph).find(post(link=None))

    assert found is not None and found.remote_id == made["id"]
    assert found.url == made["permalink_url"]
    [call] = graph.calls(READ_FEED)
    assert call.query == {
        "fields": "id,message,created_time,permalink_url,attachments{unshimmed_url,url}",
        "limit": "25",
    }
    assert call.headers["authorization"] == f"Bearer {PAGE_TOKEN}"


def test_find_recognises_a_photo_post_by_its_caption(graph):
    image = Image(name="a.png", mimetype="image/png", data=PNG)
    published = make(graph).publish(post(images=[image]))
    assert make(graph).find(post(images=[image])).remote_id == published.remote_id


def test_find_misses_when_the_post_is_not_there(graph):
    graph.add_post("別の投稿")
    assert make(graph).find(post()) is None


def test_find_looks_only_at_the_latest_25_posts(graph):
    graph.add_post("市民活動フェアを開催します。")
    for i in range(25):
        graph.add_post(f"投稿 {i}")
    assert make(graph).find(post()) is None


def test_find_raises_mapped_errors(graph):
    graph.fail_next(READ_FEED, code=17)
    with pytest.raises(TransientError):
        make(graph).find(post())


def test_a_duplicate_refusal_after_a_lost_answer_returns_the_existing_post(graph):
    first = make(graph).publish(post())
    again = make(graph).publish(post())  # Graph answers 506; the post is found instead

    assert again.remote_id == first.remote_id
    assert [c.endpoint for c in graph.calls()] == [FEED, FEED, READ_FEED]
    assert len(graph.feed()) == 1


# ---------------------------------------------------------------------- verify_account


def test_verify_account_accepts_the_page_token(graph):
    assert said(make(graph).verify_account()) is None
    [call] = graph.calls(ME)
    assert call.query == {"fields": "id,name"}
    assert call.headers["authorization"] == f"Bearer {PAGE_TOKEN}"


@pytest.mark.parametrize("other", [USER_ID, "200000000000001"])
def test_verify_account_rejects_a_user_token_or_another_page(graph, other):
    graph.me = {"id": other, "name": "Someone"}
    assert said(make(graph).verify_account()) == MSG(
        "identity.mismatch", channel="Facebook", expected=PAGE_ID, actual=other
    )


@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        ({"code": 190, "subcode": 460}, TOKEN_MSG),
        ({"code": 17}, RATE_MSG),
        ({"status": 503}, SERVER_MSG),
    ],
)
def test_verify_account_reports_failures_plainly(graph, fault, detail):
    graph.fail_next(ME, **fault)
    result = said(make(graph).verify_account())
    assert result == MSG("identity.failed", channel="Facebook", detail=detail)
    assert PAGE_TOKEN not in result


def test_verify_account_reports_a_timeout(graph):
    graph.delay(ME, 1.0)
    result = said(make(graph, timeout=(2, 0.2)).verify_account())
    assert result == MSG("identity.failed", channel="Facebook", detail=MSG("pub.reason.timeout"))


# ---------------------------------------------------------------------- policy


def test_the_module_names_no_reply_or_private_message_endpoint():
    source = Path(facebook_module.__file__).read_text(encoding="utf-8")
    for word in FORBIDDEN:
        assert f"/{word}" not in source and f'"{word}' not in source
    assert "access_token" not in source  # the token travels only in the Authorization header


# ---------------------------------------------------------------------- the fake itself


@pytest.mark.parametrize(
    ("how", "accepted"),
    [("query", True), ("form", True), ("bearer", True), ("oauth", True), ("none", False)],
)
def test_fake_accepts_the_token_wherever_graph_does(graph, how, accepted):
    url = f"{graph.base_url}/{PAGE_ID}/feed"
    kwargs = {"data": {"message": "テスト"}, "timeout": 5}
    if how == "query":
        kwargs["params"] = {"access_token": PAGE_TOKEN}
    elif how == "form":
        kwargs["data"]["access_token"] = PAGE_TOKEN
    elif how in ("bearer", "oauth"):
        kwargs["headers"] = {"Authorization": f"{how.title()} {PAGE_TOKEN}"}
    resp = requests.post(url, **kwargs)
    if accepted:
        assert resp.status_code == 200 and resp.json()["id"].startswith(f"{PAGE_ID}_")
    else:
        assert resp.json()["error"]["code"] == 190
        assert resp.json()["error"]["type"] == "OAuthException"
    graph.clear()  # the query-string case is deliberate here


def test_fake_takes_attached_media_as_a_json_list_too(graph):
    auth = {"Authorization": f"Bearer {PAGE_TOKEN}"}
    url = graph.base_url + f"/{PAGE_ID}"
    photo = requests.post(
        f"{url}/photos", data={"published": "false"}, files={"source": ("a.png", PNG)}, headers=auth
    ).json()
    assert set(photo) == {"id"}
    media = json.dumps([{"media_fbid": photo["id"]}])
    made = requests.post(
        f"{url}/feed", data={"message": "m", "attached_media": media}, headers=auth
    )
    assert made.json()["id"] == graph.feed()[0]["id"]
    reuse = requests.post(
        f"{url}/feed", data={"message": "n", "attached_media": media}, headers=auth
    )
    assert reuse.json()["error"]["code"] == 100


def test_fake_serves_no_private_message_endpoint(graph):
    auth = {"Authorization": f"Bearer {PAGE_TOKEN}"}
    for path in (f"{PAGE_ID}/conversations", "me/messages", f"{PAGE_ID}/messages"):
        resp = requests.get(f"{graph.base_url}/{path}", headers=auth, timeout=5)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == 2500
    graph.clear()  # called on purpose: only the publisher must never do it


def test_fake_error_bodies_look_like_graph(graph):
    graph.fail_next(FEED, code=190, subcode=460)
    with pytest.raises(PermanentError):
        make(graph).publish(post())
    error = graph.calls(FEED)[0].response["error"]
    assert set(error) == {"message", "type", "code", "error_subcode", "fbtrace_id"}
    assert (error["code"], error["error_subcode"], error["type"]) == (190, 460, "OAuthException")
    assert "changed their password" in error["message"]
