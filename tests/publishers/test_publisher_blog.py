"""The blog publishers (WordPress REST, AtomPub/Hatena) against local fakes: requests, errors, look-ups."""

from __future__ import annotations

import base64
import hashlib
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes import atompub as fa
from fakes import wordpress as fw
from fakes.atompub import FakeAtomPub, text_answer
from fakes.wordpress import (
    FakeWordPress,
    error_answer,
    forbidden_status_answer,
    json_answer,
    tiny_png,
)
from platforms import said

import publishers.atompub as atompub_module
import publishers.wordpress as wordpress_module
from bot.config import Settings
from bot.messages import JST, Messages
from bot.networks import atompub_config, wordpress_config
from bot.ports import Image, PermanentError, Post, TransientError
from publishers.atompub import ATOM, HATENA, AtomPubPublisher, wsse
from publishers.wordpress import WordPressPublisher

MSG = Messages("ja")
SECRETS = (fw.APP_PASSWORD, fa.API_KEY)
FORBIDDEN_WORDS = ("comments", "reply", "replies", "messages")
PNG = Image("poster.png", "image/png", tiny_png())
JPEG = Image("会場の写真.jpeg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x01" * 32)
TITLE = "市民活動フェアのお知らせ"
CONTENT = 'フェアを開催します。\n\n<a href="https://example.jp/fair">https://example.jp/fair</a>'


def post(*, images=(), publish_at=None, title=TITLE, content=CONTENT, slug="snsbot-7-1") -> Post:
    payload = {"title": title, "content": content, "slug": slug}
    return Post(7, 1, "blog", payload, tuple(images), publish_at)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean(error: BaseException, locale: str = "ja") -> str:
    """The error's text, checked to hold no secret and no server address."""
    text = " ".join([str(error), repr(error), said(error) or ""])
    assert not any(secret in text for secret in SECRETS), text
    assert "127.0.0.1" not in text
    return said(error, locale)


def check_no_forbidden_calls(fake) -> None:
    for call in fake.calls():
        assert not any(word in call.path.lower() for word in FORBIDDEN_WORDS), call.path


# ====================================================================== WordPress


@pytest.fixture
def wp() -> Iterator[FakeWordPress]:
    with FakeWordPress() as fake:
        yield fake
        check_no_forbidden_calls(fake)


def make_wp(fake, *, password=fw.APP_PASSWORD, url=None, timeout=(2, 2), locale="ja"):
    settings = Settings(
        blog_kind="wordpress",
        wordpress_url=url or fake.root_url,
        wordpress_user=fw.USER,
        wordpress_app_password=password,
    )
    return WordPressPublisher(wordpress_config(settings), timeout=timeout)


def test_wp_publish_looks_up_the_slug_then_posts_exactly_the_contract(wp):
    published = make_wp(wp).publish(post())
    [listed] = wp.calls(fw.LIST)
    assert listed.query["slug"] == "snsbot-7-1" and listed.query["status"] == "publish,future"
    assert listed.headers["authorization"].startswith("Basic ")
    [created] = wp.calls(fw.CREATE)
    assert created.json == {
        "title": TITLE,
        "content": CONTENT,
        "status": "publish",
        "slug": "snsbot-7-1",
    }
    expected = "Basic " + base64.b64encode(f"{fw.USER}:{fw.APP_PASSWORD}".encode()).decode()
    assert created.headers["authorization"] == expected
    [stored] = wp.posts.values()
    assert published.remote_id == str(stored["id"]) and published.url == stored["link"]


@pytest.mark.parametrize(
    "publish_at, status",
    [
        (datetime(2099, 4, 1, 9, 30, tzinfo=JST), "future"),
        (datetime(2099, 4, 1, 0, 30), "future"),  # naive: UTC, as read from the database
        (datetime(2020, 4, 1, 9, 30, tzinfo=JST), "publish"),  # the time has come: post now
        (None, "publish"),
    ],
)
def test_wp_scheduled_posts_are_future_with_date_gmt(wp, publish_at, status):
    make_wp(wp).publish(post(publish_at=publish_at))
    sent = wp.calls(fw.CREATE)[0].json
    assert sent["status"] == status
    if status == "future":
        assert sent["date_gmt"] == "2099-04-01T00:30:00"
        assert list(wp.posts.values())[0]["status"] == "future"
    else:
        assert "date_gmt" not in sent


def test_wp_images_are_uploaded_raw_then_featured_and_shown(wp):
    make_wp(wp).publish(post(images=[PNG, JPEG]))
    uploads = wp.calls(fw.MEDIA)
    assert [u.body for u in uploads] == [PNG.data, JPEG.data]
    assert [u.headers["content-type"] for u in uploads] == ["image/png", "image/jpeg"]
    assert [u.headers["content-disposition"] for u in uploads] == [
        'attachment; filename="snsbot-7-1-1.png"',
        'attachment; filename="snsbot-7-1-2.jpeg"',  # ASCII, whatever the original name
    ]
    first, second = wp.media.values()
    sent = wp.calls(fw.CREATE)[0].json
    assert sent["featured_media"] == first["id"]
    assert sent["content"].startswith(CONTENT)
    for media in (first, second):
        assert f'<img src="{media["source_url"]}" alt="" />' in sent["content"]


def test_wp_image_extension_comes_from_the_type_when_the_name_has_none(wp):
    make_wp(wp).publish(post(images=[Image("スクリーンショット", "image/jpeg", b"\xff\xd8")]))
    assert wp.calls(fw.MEDIA)[0].headers["content-disposition"].endswith('-1.jpg"')


@pytest.mark.parametrize("pretty", [True, False])
def test_wp_api_root_is_discovered_once(pretty):
    with FakeWordPress(pretty_permalinks=pretty) as fake:
        publisher = make_wp(fake)
        publisher.publish(post())
        publisher.find(post())
        api_calls = [c for c in fake.calls() if c.endpoint != fw.INDEX and c.endpoint != fw.OTHER]
        assert len(api_calls) == 3 and all(c.status < 300 for c in api_calls)
        if pretty:
            assert all(c.path.startswith("/wp-json/") for c in api_calls)
            assert len(fake.calls(fw.INDEX)) == 1
        else:  # /wp-json/ → 301 → HTML home page, then ?rest_route=/
            assert all(
                "rest_route=%2Fwp%2Fv2%2F" in c.path or "rest_route=/wp/v2/" in c.path
                for c in api_calls
            )
            assert [c.status for c in fake.calls(fw.OTHER)] == [301, 200]


@pytest.mark.parametrize(
    "answer, error, key",
    [
        (
            fw.Answer(404, b"<html>Not Found</html>", "text/html"),
            PermanentError,
            "pub.error.not_found",
        ),
        (
            fw.Answer(200, b"<html>a shop</html>", "text/html"),
            PermanentError,
            "pub.error.not_found",
        ),
        (
            fw.Answer(503, b"<html>down</html>", "text/html"),
            TransientError,
            "pub.reason.server_error",
        ),
        (fw.Answer(401, b"<html>login</html>", "text/html"), PermanentError, "pub.error.blog_auth"),
    ],
)
def test_wp_a_site_without_the_api_is_not_found_or_down(wp, answer, error, key):
    wp.fail_next(fw.ANY, answer, times=2)  # both /wp-json/ and ?rest_route=/
    with pytest.raises(error) as caught:
        make_wp(wp).publish(post())
    assert clean(caught.value) == MSG(key)
    assert len(wp.calls()) == 2


WP_ERRORS = [
    # (answer injected on post creation, message key, format values, transient?)
    (error_answer("cannot_create_401"), "pub.error.blog_auth", {}, False),
    (error_answer("incorrect_password"), "pub.error.blog_auth", {}, False),
    (error_answer("invalid_username"), "pub.error.blog_auth", {}, False),
    (error_answer("not_logged_in"), "pub.error.blog_auth", {}, False),
    (error_answer("cannot_create"), "pub.error.blog_forbidden", {}, False),
    (error_answer("cannot_publish"), "pub.error.blog_forbidden", {}, False),
    (error_answer("no_route"), "pub.error.not_found", {}, False),
    (
        json_answer(
            {"code": "rest_invalid_param", "message": "<b>Invalid</b>  parameter(s): slug"}, 400
        ),
        "pub.error.blog_rejected",
        {"detail": "Invalid parameter(s): slug"},
        False,
    ),
    (
        json_answer({"message": f"bad password {fw.APP_PASSWORD}"}, 400),  # a server echoing it
        "pub.error.blog_rejected",
        {"detail": "bad password ***"},
        False,
    ),
    (
        json_answer({"message": "x" * 500}, 400),
        "pub.error.blog_rejected",
        {"detail": "x" * 199 + "…"},
        False,
    ),
    (
        fw.Answer(400, b"<html>Bad</html>", "text/html"),
        "pub.error.blog_rejected",
        {"detail": "HTTP 400"},
        False,
    ),
    (
        json_answer({"code": "too_many"}, 429, {"Retry-After": "120"}),
        "pub.reason.rate_limited",
        {},
        True,
    ),
    (json_answer({"code": "internal_server_error"}, 500), "pub.reason.server_error", {}, True),
    (fw.Answer(502, b"<html>Bad Gateway</html>", "text/html"), "pub.reason.server_error", {}, True),
]


@pytest.mark.parametrize("answer, key, values, transient", WP_ERRORS)
def test_wp_errors_are_mapped_to_plain_japanese(wp, answer, key, values, transient):
    wp.fail_next(fw.CREATE, answer)
    with pytest.raises(TransientError if transient else PermanentError) as caught:
        make_wp(wp).publish(post())
    assert clean(caught.value) == MSG(key, **values)
    if answer.status == 429:
        wait = caught.value.retry_at - datetime.now(UTC)
        assert timedelta(seconds=100) < wait <= timedelta(seconds=120)


@pytest.mark.parametrize(
    "answer, key",
    [
        (forbidden_status_answer(401), "pub.error.blog_auth"),  # anonymous: a wrong password
        (forbidden_status_answer(403), "pub.error.blog_forbidden"),  # no edit_posts
        (error_answer("invalid_param"), "pub.error.blog_rejected"),
    ],
)
def test_wp_a_refused_lookup_stops_the_publish(wp, answer, key):
    wp.fail_next(fw.LIST, answer)
    with pytest.raises(PermanentError) as caught:
        make_wp(wp).publish(post())
    values = {"detail": "Invalid parameter(s): status"} if key.endswith("rejected") else {}
    assert clean(caught.value) == MSG(key, **values)
    assert not wp.calls(fw.CREATE)


@pytest.mark.parametrize(
    "role, password, key",
    [
        ("subscriber", fw.APP_PASSWORD, "pub.error.blog_forbidden"),  # 400 wrapping 403
        ("contributor", fw.APP_PASSWORD, "pub.error.blog_forbidden"),  # 403 rest_cannot_publish
        ("editor", "wrong pass word", "pub.error.blog_auth"),  # 401 incorrect_password
    ],
)
def test_wp_real_permission_answers(role, password, key):
    with FakeWordPress(role=role) as fake, pytest.raises(PermanentError) as caught:
        make_wp(fake, password=password, locale="en").publish(post())
    assert clean(caught.value, "en") == Messages("en")(key)
    assert password not in str(caught.value)


def test_wp_refused_upload_type_names_the_image(wp):
    with pytest.raises(PermanentError) as caught:
        make_wp(wp).publish(post(images=[Image("data.csv", "text/csv", b"a,b")]))
    detail = "Sorry, you are not allowed to upload this file type."
    assert clean(caught.value) == MSG("pub.error.image", name="data.csv", detail=detail)
    assert not wp.calls(fw.CREATE)


def test_wp_unanswered_post_is_transient_and_never_posted_twice(wp):
    publisher = make_wp(wp, timeout=(2, 0.3))
    wp.delay(fw.CREATE, 1.0)  # the post is made, but the answer comes too late
    with pytest.raises(TransientError) as caught:
        publisher.publish(post(images=[PNG]))
    assert clean(caught.value) == MSG("pub.reason.timeout")
    wp.delay(fw.CREATE, 0)
    again = publisher.publish(post(images=[PNG]))
    [only] = wp.posts.values()
    assert again.remote_id == str(only["id"])
    assert len(wp.calls(fw.CREATE)) == 1 and len(wp.calls(fw.MEDIA)) == 1


def test_wp_connection_refused_is_transient():
    publisher = make_wp(None, url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(TransientError) as caught:
        publisher.publish(post())
    assert clean(caught.value) == MSG("pub.reason.connection")


def test_wp_find_hit_miss_and_a_server_that_ignores_the_filter(wp):
    publisher = make_wp(wp)
    assert publisher.find(post()) is None
    published = publisher.publish(post(publish_at=datetime(2099, 1, 1, tzinfo=UTC)))
    assert publisher.find(post()) == published  # a scheduled post counts as sent
    assert publisher.find(post(slug="snsbot-7-2")) is None
    wp.fail_next(fw.LIST, json_answer([{"id": 5, "slug": "other", "link": "x"}]))
    assert publisher.find(post(slug="snsbot-9-1")) is None


@pytest.mark.parametrize(
    "role, problem",
    [("administrator", None), ("editor", None), ("author", None), ("contributor", "contributor")],
)
def test_wp_verify_account_needs_publish_posts(role, problem):
    with FakeWordPress(role=role) as fake:
        result = said(make_wp(fake).verify_account())
        [me] = fake.calls(fw.ME)
    assert me.query == {"context": "edit"}
    if problem is None:
        assert result is None
    else:
        expected = MSG(
            "identity.mismatch",
            channel="ブログ",
            expected="publish_posts",
            actual=f"{fw.USER} ({role})",
        )
        assert result == expected


def test_wp_verify_account_failures(wp):
    result = said(make_wp(wp, password="nope").verify_account())
    assert result == MSG("identity.failed", channel="ブログ", detail="HTTP 401 incorrect_password")
    refused = said(make_wp(None, url=f"http://127.0.0.1:{closed_port()}").verify_account())
    assert refused == MSG("identity.failed", channel="ブログ", detail=MSG("pub.reason.connection"))
    assert fw.APP_PASSWORD not in result + refused


# ====================================================================== AtomPub


@pytest.fixture
def hatena() -> Iterator[FakeAtomPub]:
    with FakeAtomPub() as fake:
        yield fake
        check_no_forbidden_calls(fake)


def make_atom(fake, *, key=fa.API_KEY, url=None, timeout=(2, 2), locale="ja"):
    settings = Settings(
        blog_kind="atompub",
        atompub_endpoint=url or fake.collection_url,
        atompub_user=fa.USER,
        atompub_api_key=key,
    )
    return AtomPubPublisher(atompub_config(settings), timeout=timeout)


def test_wsse_digest_is_base64_sha1_of_nonce_created_key():
    header = wsse("wakokyodo", "key", nonce=b"\x01\x02", created="2026-11-28T01:00:00Z")
    digest = base64.b64encode(hashlib.sha1(b"\x01\x02" + b"2026-11-28T01:00:00Z" + b"key").digest())
    assert header == (
        f'UsernameToken Username="wakokyodo", PasswordDigest="{digest.decode()}", '
        'Nonce="AQI=", Created="2026-11-28T01:00:00Z"'
    )


def test_atom_publish_posts_one_escaped_entry(hatena):
    title, content = 'A & B <"フェア">', "<p>本文 &amp; <b>太字</b></p>"
    published = make_atom(hatena).publish(post(title=title, content=content))
    [sent] = hatena.calls(fa.POST)
    assert sent.headers["content-type"] == "application/atom+xml;type=entry"
    assert sent.headers["slug"] == "snsbot-7-1"
    entry = ET.fromstring(sent.body)
    assert entry.tag == f"{{{ATOM}}}entry"
    assert entry.findtext(f"{{{ATOM}}}title") == title
    assert entry.find(f"{{{ATOM}}}content").get("type") == "text/html"
    assert entry.findtext(f"{{{ATOM}}}content") == content
    assert entry.findtext(f"{{{ATOM}}}author/{{{ATOM}}}name") == fa.USER
    assert entry.findtext(f"{{{HATENA}}}custom-url") == "snsbot-7-1"
    assert (
        entry.findtext("{http://www.w3.org/2007/app}control/{http://www.w3.org/2007/app}draft")
        == "no"
    )
    assert entry.find(f"{{{ATOM}}}updated") is None
    [stored] = hatena.entries
    assert published.remote_id == f"{hatena.collection_url}/{stored['id']}"
    assert published.url.endswith("/entry/snsbot-7-1")
    assert hatena.auth_failures == []  # every request's digest checked out, each with a fresh nonce
    assert len({c.headers["x-wsse"] for c in hatena.calls()}) == len(hatena.calls())


ATOM_ERRORS = [
    (text_answer(401, "Unauthorized"), "pub.error.blog_auth", {}, False),
    (text_answer(403, "Forbidden"), "pub.error.blog_forbidden", {}, False),
    (text_answer(404, "Not Found"), "pub.error.not_found", {}, False),
    (
        text_answer(400, "<p>Invalid  request</p>"),
        "pub.error.blog_rejected",
        {"detail": "Invalid request"},
        False,
    ),
    (text_answer(400, ""), "pub.error.blog_rejected", {"detail": "HTTP 400"}, False),
    (text_answer(429, "", {"Retry-After": "60"}), "pub.reason.rate_limited", {}, True),
    (text_answer(500, "Internal Server Error"), "pub.reason.server_error", {}, True),
    (text_answer(503, "Service Unavailable"), "pub.reason.server_error", {}, True),
]


@pytest.mark.parametrize("answer, key, values, transient", ATOM_ERRORS)
def test_atom_errors_are_mapped_to_plain_japanese(hatena, answer, key, values, transient):
    hatena.fail_next(fa.POST, answer)
    with pytest.raises(TransientError if transient else PermanentError) as caught:
        make_atom(hatena).publish(post())
    assert clean(caught.value) == MSG(key, **values)
    if answer.status == 429:
        assert caught.value.retry_at > datetime.now(UTC) + timedelta(seconds=50)


def test_atom_wrong_api_key_is_an_auth_error_without_the_key(hatena):
    with pytest.raises(PermanentError) as caught:
        make_atom(hatena, key="wrong-key-123").publish(post())
    assert clean(caught.value) == MSG("pub.error.blog_auth")
    assert "wrong-key-123" not in str(caught.value)
    assert hatena.auth_failures == ["wrong digest"] and not hatena.calls(fa.POST)


def test_atom_images_are_refused_before_any_request(hatena):
    with pytest.raises(PermanentError) as caught:
        make_atom(hatena).publish(post(images=[PNG]))
    assert said(caught.value) == MSG("pub.error.blog_no_images")
    assert hatena.calls() == []


def test_atom_future_post_waits_for_its_time(hatena):
    when = datetime.now(JST) + timedelta(days=1)
    with pytest.raises(TransientError) as caught:
        make_atom(hatena).publish(post(publish_at=when))
    assert caught.value.retry_at == when and hatena.calls() == []


def test_atom_unanswered_post_is_transient_and_never_posted_twice(hatena):
    publisher = make_atom(hatena, timeout=(2, 0.3))
    hatena.delay(fa.POST, 1.0)
    with pytest.raises(TransientError) as caught:
        publisher.publish(post())
    assert clean(caught.value) == MSG("pub.reason.timeout")
    hatena.delay(fa.POST, 0)
    again = publisher.publish(post())
    assert len(hatena.entries) == 1 and len(hatena.calls(fa.POST)) == 1
    assert again.remote_id.endswith(hatena.entries[0]["id"])


def test_atom_connection_refused_is_transient():
    publisher = make_atom(None, url=f"http://127.0.0.1:{closed_port()}/u/b/atom/entry")
    with pytest.raises(TransientError) as caught:
        publisher.publish(post())
    assert clean(caught.value) == MSG("pub.reason.connection")


def test_atom_find_by_custom_url(hatena):
    publisher = make_atom(hatena)
    assert publisher.find(post()) is None
    published = publisher.publish(post())
    assert publisher.find(post()) == published
    assert publisher.find(post(slug="snsbot-7-2")) is None


def test_atom_find_cannot_match_on_a_server_without_custom_urls():
    with FakeAtomPub(custom_urls=False) as fake:
        publisher = make_atom(fake)
        publisher.publish(post())
        assert publisher.find(post()) is None  # known limit: see publishers/atompub.py


def test_atom_verify_account(hatena):
    assert said(make_atom(hatena).verify_account()) is None
    assert hatena.calls()[-1].endpoint == fa.SERVICE
    failed = said(make_atom(hatena, key="bad").verify_account())
    assert failed == MSG("identity.failed", channel="ブログ", detail="HTTP 401")
    hatena.fail_next(fa.SERVICE, text_answer(403, "Forbidden"))
    assert said(make_atom(hatena).verify_account()) == MSG(
        "identity.failed", channel="ブログ", detail="HTTP 403"
    )
    refused = said(
        make_atom(None, url=f"http://127.0.0.1:{closed_port()}/u/b/atom/entry").verify_account()
    )
    assert refused == MSG("identity.failed", channel="ブログ", detail=MSG("pub.reason.connection"))


# ====================================================================== both


@pytest.mark.parametrize("module", [wordpress_module, atompub_module])
def test_the_modules_name_no_comment_reply_or_message_endpoint(module):
    source = Path(module.__file__).read_text().lower()
    for word in ("comments", "reply", "replies", "direct_message", "/messages"):
        assert word not in source, word
