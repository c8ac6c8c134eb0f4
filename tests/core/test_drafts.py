"""Draft validation, the X text and what each channel receives (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from bot.approval.drafts import DraftInput, blog_title, compose_x_text, payloads, validate, x_weight

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
OFFERED = ("x", "facebook", "blog")
URL = "https://wako-kyodo.example.jp/news/fair"
LONG_URL = "https://example.jp/" + "a" * 81  # 100 characters; X counts any URL as 23

assert len(LONG_URL) == 100


GROUPS = ("和光みどりの会",)  # the registered groups (policy §5(4))
GROUP_PAPERS = {"group_date": "2026-11-20", "group_draft": "団体から届いた原稿"}


def draft(**fields) -> DraftInput:
    fields.setdefault("body", "市民活動フェアを開催します。")
    fields.setdefault("channels", OFFERED)
    fields.setdefault("on_internet", False)  # policy §4's question, answered "no" unless told
    return DraftInput(**fields)


def errors_of(d: DraftInput, offered=OFFERED, now=NOW) -> dict[str, str]:
    """validate() reduced to {field: message key}."""
    return {name: key for name, (key, _args) in validate(d, offered, now, groups=GROUPS).items()}


VALID = [
    pytest.param(draft(), id="plain"),
    pytest.param(draft(body="あ" * 140, channels=("x",)), id="140 Japanese fit"),
    pytest.param(draft(body="a" * 280, channels=("x",)), id="280 ASCII fit"),
    pytest.param(draft(body="あ" * 128, url=LONG_URL), id="128 Japanese + long URL = 280"),
    pytest.param(
        draft(body="あ" * 141, channels=("facebook", "blog")), id="long body, X not chosen"
    ),
    pytest.param(draft(body="あ" * 500, x_text="あ" * 140), id="long body, short X text"),
    pytest.param(draft(body="本文", x_text="あ" * 128, url=LONG_URL), id="X text 128 + URL"),
    pytest.param(draft(source="hp_update", url=URL), id="hp_update with URL"),
    pytest.param(draft(source="cross_post", url="http://example.jp/p/1"), id="cross_post http"),
    pytest.param(
        draft(source="group_request", url=URL, group_name="和光みどりの会", **GROUP_PAPERS),
        id="group",
    ),
    pytest.param(draft(source="other"), id="other needs no URL"),
    pytest.param(draft(category="other"), id="category other"),
    pytest.param(draft(publish_at=NOW + timedelta(minutes=1)), id="future publish_at"),
    pytest.param(draft(channels=("blog",)), id="one channel"),
]


@pytest.mark.parametrize("d", VALID)
def test_valid_drafts_have_no_errors(d):
    assert validate(d, OFFERED, NOW, groups=GROUPS) == {}


INVALID = [
    pytest.param(draft(body=""), {"body": "error.body_required"}, id="empty body"),
    pytest.param(draft(channels=()), {"channels": "error.channels_required"}, id="no channel"),
    pytest.param(
        draft(body="あ" * 141, channels=("x",)), {"body": "error.x_too_long"}, id="141 Japanese"
    ),
    pytest.param(draft(body="a" * 281, channels=("x",)), {"body": "error.x_too_long"}, id="281"),
    pytest.param(
        draft(body="あ" * 129, url=LONG_URL), {"body": "error.x_too_long"}, id="129 + URL"
    ),
    pytest.param(
        draft(body="短い本文", x_text="あ" * 141), {"x_text": "error.x_too_long"}, id="x_text long"
    ),
    pytest.param(
        draft(body="本文", x_text="あ" * 129, url=LONG_URL),
        {"x_text": "error.x_too_long"},
        id="x_text 129 + URL",
    ),
    pytest.param(draft(source="hp_update"), {"url": "error.url_required"}, id="hp_update no URL"),
    pytest.param(draft(source="cross_post"), {"url": "error.url_required"}, id="cross_post no URL"),
    pytest.param(
        draft(source="group_request", group_name="和光みどりの会", **GROUP_PAPERS),
        {"url": "error.url_required"},
        id="group_request no URL",
    ),
    pytest.param(
        draft(source="group_request", url=URL, **GROUP_PAPERS),
        {"group": "error.group_required"},
        id="no group",
    ),
    pytest.param(
        draft(source="group_request"),
        {
            "url": "error.url_required",
            "group": "error.group_required",
            "group_date": "error.group_date_required",
            "group_draft": "error.group_draft_required",
        },
        id="group_request nothing",
    ),
    pytest.param(draft(url="ftp://example.jp/file"), {"url": "error.url_invalid"}, id="ftp"),
    pytest.param(draft(url="javascript:alert(1)"), {"url": "error.url_invalid"}, id="javascript"),
    pytest.param(draft(url="example.com"), {"url": "error.url_invalid"}, id="no scheme"),
    pytest.param(
        draft(source="hp_update", url="example.com/news"),
        {"url": "error.url_invalid"},
        id="hp_update bad URL",
    ),
    pytest.param(draft(publish_at=NOW), {"publish_at": "error.publish_at_past"}, id="now"),
    pytest.param(
        draft(publish_at=NOW - timedelta(minutes=1)),
        {"publish_at": "error.publish_at_past"},
        id="past",
    ),
    pytest.param(
        draft(channels=("x", "instagram")), {"channels": "error.channel_unknown"}, id="not offered"
    ),
    pytest.param(draft(source="rumour"), {"source": "error.source_unknown"}, id="bad source"),
    pytest.param(draft(category="ads"), {"category": "error.category_unknown"}, id="bad category"),
]


@pytest.mark.parametrize(("d", "expected"), INVALID)
def test_invalid_drafts_name_the_field_and_message(d, expected):
    assert errors_of(d) == expected


def test_channel_offered_elsewhere_but_not_now_is_refused():
    assert errors_of(draft(channels=("x", "blog")), offered=("x",)) == {
        "channels": "error.channel_unknown"
    }


@pytest.mark.parametrize("group_name", ["和光みどりの会", "どこかの会", ""])
def test_with_no_group_registered_no_group_request_passes(group_name):
    """Found as a bug: with an empty roster of groups any typed group was accepted (§5(4))."""
    d = draft(source="group_request", url=URL, group_name=group_name, **GROUP_PAPERS)
    assert validate(d, OFFERED, NOW, groups=()) == {"group": ("error.group_none_registered", {})}


def test_with_no_group_registered_other_sources_pass():
    assert validate(draft(), OFFERED, NOW, groups=()) == {}
    assert validate(draft(source="hp_update", url=URL), OFFERED, NOW, groups=()) == {}


def test_x_too_long_reports_weight_and_max():
    key, args = validate(draft(body="あ" * 141, channels=("x",)), OFFERED, NOW, groups=GROUPS)[
        "body"
    ]
    assert key == "error.x_too_long"
    assert args == {"weight": 282, "max": 280}


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("あ" * 140, 280),
        ("a" * 10, 10),
        (LONG_URL, 23),
        ("https://a.jp/", 23),
        ("あ " + LONG_URL, 26),
    ],
)
def test_x_weight_follows_twitter_text(text, weight):
    assert x_weight(text) == weight


# -- the X text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"body": "本文"}, "本文"),
        ({"body": "本文", "url": URL}, f"本文 {URL}"),
        ({"body": "本文", "x_text": "X 用"}, "X 用"),
        ({"body": "本文", "x_text": "X 用", "url": URL}, f"X 用 {URL}"),
        ({"body": f"詳しくは {URL} を見てください", "url": URL}, f"詳しくは {URL} を見てください"),
        ({"body": "本文", "x_text": f"X {URL} です", "url": URL}, f"X {URL} です"),
    ],
)
def test_compose_x_text_appends_the_url_unless_present(fields, expected):
    assert compose_x_text(draft(**fields)) == expected


def test_compose_x_text_appends_url_when_only_a_longer_url_is_in_the_text():
    """Found as a bug: `url in text` matched a longer URL that merely starts with it."""
    d = draft(body=f"前回の記事 {URL}-2025 もどうぞ", url=URL)
    assert compose_x_text(d) == f"前回の記事 {URL}-2025 もどうぞ {URL}"


# -- blog title and payloads ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"body": "フェアのお知らせ\n12 月 5 日に開催します。"}, "フェアのお知らせ"),
        ({"body": "一行だけ"}, "一行だけ"),
        ({"body": "本文\n二行目", "blog_title": "題名"}, "題名"),
        (  # one long paragraph: its first sentence, not the whole paragraph in bold
            {
                "body": "12月5日（土）に和光市民まつりを開催します。会場は市役所前広場です。"
                "模擬店やステージなど、多くの催しを予定しています。"
            },
            "12月5日（土）に和光市民まつりを開催します",
        ),
        ({"body": "あ" * 60 + "。"}, "あ" * 39 + "…"),  # no sentence end early enough
        ({"body": "Open day on Dec. 5. Come and see the new library."}, "Open day on Dec. 5"),
    ],
)
def test_blog_title_falls_back_to_the_first_line(fields, expected):
    assert blog_title(draft(**fields)) == expected


def test_payloads_follow_the_contract():
    d = draft(body="フェアのお知らせ\n12 月 5 日に開催します。", url=URL, x_text="フェアです")
    result = payloads(d, draft_id=42, revision=3)
    assert set(result) == {"x", "facebook", "blog"}
    assert result["x"] == {"text": f"フェアです {URL}"}
    assert result["facebook"] == {"message": d.body, "link": URL}
    blog = result["blog"]
    assert set(blog) == {"title", "content", "slug"}
    assert blog["title"] == "フェアのお知らせ"
    assert blog["slug"] == "snsbot-42-3"
    assert blog["content"].startswith(d.body)
    assert f'href="{URL}"' in blog["content"]


def test_payloads_without_url():
    d = draft(body="お知らせ")
    result = payloads(d, draft_id=1, revision=1)
    assert result["x"] == {"text": "お知らせ"}
    assert result["facebook"]["message"] == "お知らせ"
    assert not result["facebook"]["link"]
    assert result["blog"]["content"] == "お知らせ"
    assert "href" not in result["blog"]["content"]


def test_payloads_only_for_chosen_channels():
    assert set(payloads(draft(channels=("facebook",)), 1, 1)) == {"facebook"}
    assert set(payloads(draft(channels=("x", "blog")), 1, 1)) == {"x", "blog"}


class _Html(HTMLParser):
    """The hrefs and the text a browser would see."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.text = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href")

    def handle_data(self, data):
        self.text += data


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "https://example.jp/search?q=%E5%92%8C%E5%85%89&page=2&sort=new",
        "https://example.jp/a'b",
    ],
)
def test_blog_link_is_one_well_formed_href(url):
    d = draft(body="お知らせ", url=url, channels=("blog",))
    assert validate(d, OFFERED, NOW, groups=GROUPS) == {}
    parsed = _Html(payloads(d, 1, 1)["blog"]["content"])
    assert parsed.hrefs == [url]


def test_blog_link_with_quotes_in_the_url_is_refused_or_kept_inside_the_href():
    """Found as a bug: the URL went into href="..." unescaped, and validate() accepted '"'."""
    url = 'https://example.jp/a"onmouseover="alert(1)'
    d = draft(url=url, channels=("blog",))
    if validate(d, OFFERED, NOW, groups=GROUPS):
        return  # refusing such a URL is a fine answer
    assert _Html(payloads(d, 1, 1)["blog"]["content"]).hrefs == [url]


def test_blog_content_shows_the_body_as_written():
    body = "子ども & 大人向け <無料> 講座\n2 行目"
    parsed = _Html(payloads(draft(body=body, channels=("blog",)), 1, 1)["blog"]["content"])
    assert parsed.text.startswith(body)
