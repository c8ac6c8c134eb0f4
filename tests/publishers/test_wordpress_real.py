"""The WordPress publisher against a real WordPress on loopback (started by .ci/wp-start)."""

from __future__ import annotations

import html
import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
from fakes.wordpress import tiny_png
from platforms import said

from bot.approval.drafts import blog_slug
from bot.config import Settings
from bot.installation import new_installation_id
from bot.messages import Messages
from bot.networks import wordpress_config
from bot.ports import Image, PermanentError, Post
from publishers.wordpress import WordPressPublisher

URL = os.environ.get("SNSBOT_TEST_WORDPRESS_URL", "").rstrip("/")
USER = os.environ.get("SNSBOT_TEST_WORDPRESS_USER", "admin")
PASSWORD = os.environ.get("SNSBOT_TEST_WORDPRESS_APP_PASSWORD", "")
ENABLE = 'as root, eval "$(.ci/wp-start $(mktemp -d))" (stop it with .ci/wp-stop "$SNSBOT_WP_DIR")'


@pytest.fixture(scope="module")
def publisher() -> WordPressPublisher:
    if not URL:
        if os.environ.get("CI"):
            pytest.fail(
                "SNSBOT_TEST_WORDPRESS_URL is not set: .ci/run must start WordPress (.ci/wp-start)"
            )
        pytest.skip(f"real-WordPress tests need SNSBOT_TEST_WORDPRESS_URL; to run them: {ENABLE}")
    settings = Settings(
        blog_kind="wordpress",
        wordpress_url=URL,
        wordpress_user=USER,
        wordpress_app_password=PASSWORD,
    )
    return WordPressPublisher(wordpress_config(settings))


def unique_post(**changes) -> Post:
    """A post whose slug no earlier run on the same WordPress has used."""
    draft_id = int(time.time() * 1000) % 10**9
    payload = {
        "title": "市民活動フェア開催のお知らせ",
        "content": '11月30日に市民活動フェアを開催します。\n\n<a href="https://example.jp/fair">詳しくはこちら</a>',
        "slug": f"snsbot-{draft_id}-1",
    }
    return Post(draft_id=draft_id, revision=1, channel="blog", payload=payload, **changes)


def fetch(remote_id: str) -> dict:
    """The post as WordPress stores it (edit context: raw title and content)."""
    response = requests.get(
        f"{URL}/?rest_route=/wp/v2/posts/{remote_id}",
        params={"context": "edit"},
        auth=(USER, PASSWORD),
        timeout=30,
    )
    assert response.status_code == 200, response.text[:300]
    return response.json()


def test_the_application_password_may_publish(publisher):
    assert said(publisher.verify_account()) is None


def test_a_wrong_password_is_reported_without_it(publisher):
    settings = Settings(
        blog_kind="wordpress",
        wordpress_url=URL,
        wordpress_user=USER,
        wordpress_app_password="x" * 24,
    )
    wrong = WordPressPublisher(wordpress_config(settings))
    with pytest.raises(PermanentError) as caught:
        wrong.publish(unique_post())
    assert said(caught.value) == Messages("ja")("pub.error.blog_auth")
    problem = said(wrong.verify_account())
    assert problem is not None and problem.startswith(
        "ブログ: 認証情報を確認できませんでした（HTTP 401"
    )
    assert PASSWORD not in problem + str(caught.value)


def test_a_japanese_post_with_an_image_is_published_once(publisher):
    post = unique_post(images=(Image("ポスター.png", "image/png", tiny_png()),))
    assert publisher.find(post) is None
    published = publisher.publish(post)
    stored = fetch(published.remote_id)
    assert stored["status"] == "publish" and stored["slug"] == post.payload["slug"]
    assert stored["title"]["raw"] == post.payload["title"]
    assert stored["content"]["raw"].startswith(post.payload["content"])
    assert stored["featured_media"] > 0 and published.url == stored["link"]
    media = requests.get(
        f"{URL}/?rest_route=/wp/v2/media/{stored['featured_media']}",
        auth=(USER, PASSWORD),
        timeout=30,
    ).json()
    assert f'<img src="{media["source_url"]}"' in stored["content"]["raw"]
    image = requests.get(media["source_url"], timeout=30)
    assert image.status_code == 200 and image.content == tiny_png()

    # Publishing the same slug again finds the first post instead of making a second one.
    assert publisher.find(post) == published
    assert publisher.publish(post) == published
    same_slug = requests.get(
        f"{URL}/?rest_route=/wp/v2/posts",
        params={"slug": post.payload["slug"], "status": "publish,future,draft"},
        auth=(USER, PASSWORD),
        timeout=30,
    ).json()
    assert [p["id"] for p in same_slug] == [int(published.remote_id)]


def test_a_post_for_tomorrow_is_scheduled(publisher):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    post = unique_post(publish_at=tomorrow)
    published = publisher.publish(post)
    stored = fetch(published.remote_id)
    assert stored["status"] == "future"
    assert stored["date_gmt"] == tomorrow.strftime("%Y-%m-%dT%H:%M:%S")
    assert publisher.find(post) == published


def test_the_title_is_shown_as_typed_never_as_markup(publisher):
    title = '<script>alert("snsbot")</script> & <b>相談会</b>'
    post = unique_post()
    post = replace(post, payload={**post.payload, "title": title})
    published = publisher.publish(post)
    stored = fetch(published.remote_id)
    assert "<" not in stored["title"]["raw"] and "<" not in stored["title"]["rendered"]
    # `rendered` is what themes print as is: the text as typed, escaped.
    shown = html.unescape(stored["title"]["rendered"])
    assert "<script>alert(" in shown and "<b>相談会</b>" in shown


def of_installation(installation: str, draft_id: int, since: datetime) -> Post:
    """Draft `draft_id`, revision 1, as the installation `installation` publishes it."""
    post = unique_post(since=since)
    payload = {**post.payload, "slug": blog_slug(installation, draft_id, 1)}
    return replace(post, draft_id=draft_id, payload=payload)


def test_a_post_of_another_installation_with_the_same_draft_is_not_adopted(publisher):
    draft_id, since = int(time.time() * 1000) % 10**9, datetime.now(UTC)
    theirs = publisher.publish(of_installation(new_installation_id(), draft_id, since))
    ours = of_installation(new_installation_id(), draft_id, since)
    assert publisher.find(ours) is None
    published = publisher.publish(ours)
    assert published.remote_id != theirs.remote_id
    assert fetch(published.remote_id)["slug"] == ours.payload["slug"]
    assert publisher.find(ours) == published  # and a retry finds it


def test_a_post_with_the_slug_dated_before_the_first_attempt_is_not_adopted(publisher):
    post = unique_post()
    published = publisher.publish(post)
    assert publisher.find(replace(post, since=datetime.now(UTC) + timedelta(hours=1))) is None
    assert publisher.find(replace(post, since=datetime.now(UTC) - timedelta(minutes=1))) == (
        published
    )


def test_the_sites_name_is_read_for_the_policy_2_check(publisher):
    """The blog's name (policy §2) is the REST API index's `name`: the site's title setting."""
    index = requests.get(f"{URL}/?rest_route=/", timeout=30).json()
    assert publisher.profile()["name"] == index["name"] and index["name"]
