"""Each image's alternative text reaches X (media metadata), Facebook (alt_text_custom) and WordPress."""

from __future__ import annotations

import html

import pytest
from fakes import wordpress as fw
from fakes.graph_api import PAGE_ID, PAGE_TOKEN, PHOTOS, FakeGraph
from fakes.wordpress import FakeWordPress, tiny_png
from fakes.x_api import MEDIA_METADATA, MEDIA_UPLOAD, TWEETS, USER_ID, FakeX, invalid_request

from bot.config import Settings
from bot.networks import facebook_config, wordpress_config, x_config
from bot.ports import Image, PermanentError, Post
from publishers.facebook import FacebookPublisher
from publishers.wordpress import WordPressPublisher
from publishers.x import XPublisher

PNG = tiny_png()
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 32
POSTER = Image(
    "poster.png", "image/png", PNG, alt="市民活動フェアのポスター。12月5日、市民センター。"
)
MAP = Image("map.jpg", "image/jpeg", JPEG, alt='会場の地図 <"駅から徒歩5分"> & 駐車場')
KEY, KEY_SECRET = "ck-ALTKEY", "cs-ALTSECRET"
TOKEN, TOKEN_SECRET = f"{USER_ID}-ALTTOKEN", "ats-ALTTOKENSECRET"


@pytest.fixture
def x():
    with FakeX(KEY, TOKEN, consumer_secret=KEY_SECRET, access_token_secret=TOKEN_SECRET) as fake:
        settings = Settings(
            x_api_key=KEY, x_api_secret=KEY_SECRET, x_access_token=TOKEN,
            x_access_token_secret=TOKEN_SECRET, x_username="wakokyodo", x_api_url=fake.url,
        )  # fmt: skip
        yield fake, XPublisher(x_config(settings))


def x_post(*images: Image) -> Post:
    return Post(
        draft_id=7, revision=1, channel="x", payload={"text": "画像の説明つき"}, images=images
    )


def test_x_sets_each_images_alt_text_before_the_tweet(x):
    fake, publisher = x
    publisher.publish(x_post(POSTER, MAP))
    endpoints = [c.endpoint for c in fake.calls()]
    assert endpoints == [MEDIA_UPLOAD, MEDIA_METADATA, MEDIA_UPLOAD, MEDIA_METADATA, TWEETS]
    uploads = [c.response["data"]["id"] for c in fake.calls(MEDIA_UPLOAD)]
    assert [fake.alt_texts[m] for m in uploads] == [POSTER.alt, MAP.alt]
    [tweet] = fake.calls(TWEETS)
    assert tweet.json["media"]["media_ids"] == uploads


def test_x_without_alt_text_sends_no_metadata(x):
    fake, publisher = x
    publisher.publish(x_post(Image("old.png", "image/png", PNG)))
    assert fake.calls(MEDIA_METADATA) == [] and fake.alt_texts == {}


def test_x_refusing_the_alt_text_is_the_images_permanent_error(x):
    fake, publisher = x
    fake.fail_next(MEDIA_METADATA, status=400, body=invalid_request("alt text refused"))
    with pytest.raises(PermanentError) as raised:
        publisher.publish(x_post(POSTER))
    assert raised.value.values["name"] == "poster.png"
    assert fake.calls(TWEETS) == []


@pytest.fixture
def graph():
    with FakeGraph() as fake:
        settings = Settings(
            facebook_page_id=PAGE_ID, facebook_page_token=PAGE_TOKEN,
            facebook_graph_url=fake.base_url,
        )  # fmt: skip
        yield fake, FacebookPublisher(facebook_config(settings), timeout=(2, 2))


def fb_post(*images: Image) -> Post:
    payload = {"message": "フェアを開催します。", "link": "https://example.jp/fair"}
    return Post(draft_id=7, revision=1, channel="facebook", payload=payload, images=images)


@pytest.mark.parametrize("images", [(POSTER,), (POSTER, MAP)], ids=["one", "several"])
def test_facebook_sends_alt_text_custom_with_each_photo(graph, images):
    fake, publisher = graph
    publisher.publish(fb_post(*images))
    photos = [c for c in fake.calls() if c.endpoint == PHOTOS]
    assert [c.fields["alt_text_custom"] for c in photos] == [i.alt for i in images]
    assert [p["alt_text_custom"] for p in fake.photos.values()] == [i.alt for i in images]


def test_facebook_without_alt_text_sends_no_alt_field(graph):
    fake, publisher = graph
    publisher.publish(fb_post(Image("old.png", "image/png", PNG)))
    [photo] = [c for c in fake.calls() if c.endpoint == PHOTOS]
    assert "alt_text_custom" not in photo.fields


@pytest.fixture
def wp():
    with FakeWordPress() as fake:
        settings = Settings(
            blog_kind="wordpress", wordpress_url=fake.root_url, wordpress_user=fw.USER,
            wordpress_app_password=fw.APP_PASSWORD,
        )  # fmt: skip
        yield fake, WordPressPublisher(wordpress_config(settings), timeout=(2, 2))


def test_wordpress_sets_the_media_alt_text_and_the_img_alt(wp):
    fake, publisher = wp
    payload = {"title": "お知らせ", "content": "本文", "slug": "snsbot-alt-7-1"}
    publisher.publish(Post(7, 1, "blog", payload, (POSTER, MAP)))
    updates = fake.calls(fw.MEDIA_UPDATE)
    assert [u.json for u in updates] == [{"alt_text": POSTER.alt}, {"alt_text": MAP.alt}]
    assert [m["alt_text"] for m in fake.media.values()] == [POSTER.alt, MAP.alt]
    [created] = fake.calls(fw.CREATE)
    content = created.json["content"]
    assert f'alt="{html.escape(POSTER.alt)}"' in content
    assert f'alt="{html.escape(MAP.alt)}"' in content and '<"駅' not in content
