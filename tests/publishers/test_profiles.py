"""The SNS profiles against the policy: official names (§2) and the no-reply notice (§9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from conftest import CHIEF, running_app
from fakes.atompub import FakeAtomPub
from fakes.graph_api import PAGE_NAME, FakeGraph
from fakes.wordpress import FakeWordPress
from fakes.x_api import USERS_ME, FakeX
from platforms import with_platforms

from bot.delivery.dispatcher import Dispatcher
from bot.features import profiles
from bot.messages import Messages
from bot.networks import build_publishers

X_KEYS = ("pf-consumer-key", "pf-consumer-secret", "77-pf-access-token", "pf-access-secret")
NOTICE = "個別のコメントや返信には回答しておりません"
MONDAY = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)  # 10:00 in Japan, a business day


@pytest.fixture
def platforms():
    with (
        FakeX(X_KEYS[0], X_KEYS[2], consumer_secret=X_KEYS[1], access_token_secret=X_KEYS[3]) as x,
        FakeGraph() as graph,
        FakeWordPress() as blog,
    ):
        yield x, graph, blog


def configured(settings, platforms, **names):
    x, graph, blog = platforms
    return with_platforms(settings, X_KEYS, x, graph, blog, **names)


def problems(settings, locale="ja") -> list[str]:
    return profiles.problems(build_publishers(settings), settings, Messages(locale))


def test_profiles_as_the_policy_says_have_nothing_to_report(settings, platforms):
    names = {"facebook_page_name": PAGE_NAME, "blog_name": "Fake WordPress"}
    assert problems(configured(settings, platforms, **names)) == []
    x = platforms[0]
    (me,) = x.calls(USERS_ME)  # the description is asked for, as X only shows it when asked
    assert "description" in me.query["user.fields"]


def test_each_name_that_differs_is_named_with_both_values(settings, platforms):
    names = {"facebook_page_name": "わこらぼ／和光市市民協働推進センター（公式）フェイスブック",
             "blog_name": "@わこらぼ和光市市民協働推進センター（公式）ブログ"}  # fmt: skip
    found = problems(configured(settings, platforms, **names))
    assert found == [
        "Facebook ページ: 名称が方針 2 の名称と違います（設定: 「わこらぼ／和光市市民協働推進センター"
        f"（公式）フェイスブック」、実際: 「{PAGE_NAME}」）。",
        "ブログ: 名称が方針 2 の名称と違います（設定: 「@わこらぼ和光市市民協働推進センター（公式）"
        "ブログ」、実際: 「Fake WordPress」）。",
    ]


def test_names_compare_as_people_read_them(settings, platforms):
    """Full-width and half-width letters, and spaces, do not make a name differ."""
    platforms[2].site_name = "Ｆａｋｅ　WordPress"
    assert problems(configured(settings, platforms, blog_name="fake wordpress")) == []


def test_a_missing_no_reply_notice_is_said_for_x_and_facebook(settings, platforms):
    x, graph, _ = platforms
    x.description = "和光市市民協働推進センターの公式アカウントです。"
    graph.page = {**graph.page, "about": "市民活動の情報を発信します。", "description": ""}
    found = problems(configured(settings, platforms))
    assert len(found) == 2
    assert found[0].startswith("X: プロフィールに「個別のコメントや返信には回答しておりません」")
    assert found[1].startswith("Facebook ページ: 「基本データ」（ページ情報）に「個別の")
    english = problems(configured(settings, platforms), "en")
    assert english[0].startswith('X: the profile description does not contain "個別の')


def test_the_notice_may_stand_in_the_pages_longer_description(settings, platforms):
    _, graph, _ = platforms
    graph.page = {**graph.page, "about": "市民活動の情報", "description": f"（{NOTICE}。）"}
    assert problems(configured(settings, platforms)) == []


def test_the_notice_looked_for_is_configurable(settings, platforms):
    custom = replace(configured(settings, platforms), no_reply_notice="コメントには返信しません")
    assert len(problems(custom)) == 2


def test_an_atompub_blogs_name_is_its_service_documents_title(settings):
    with FakeAtomPub() as blog:
        blog.title = "わこらぼブログ"
        values = dict(blog_kind="atompub", atompub_endpoint=blog.collection_url,
                      atompub_user=blog.user, atompub_api_key=blog.api_key)  # fmt: skip
        good = replace(settings, blog_name="わこらぼブログ", **values)
        assert problems(good) == []
        found = problems(replace(good, blog_name="別のブログ"))
    assert found == [
        "ブログ: 名称が方針 2 の名称と違います（設定: 「別のブログ」、実際: 「わこらぼブログ」）。"
    ]


def test_the_chief_hears_at_start_which_profile_differs(settings, fake_slack, platforms):
    from bot.features.identity import check_and_report

    platforms[0].description = "公式アカウントです。"
    with running_app(configured(settings, platforms, facebook_page_name="別の名前"),
                     fake_slack) as app:  # fmt: skip
        check_and_report(app.services, app.runtime.dispatcher.notifiers)
        told = app.fake.wait_for("chat.postMessage",
                                 where=lambda c: c.params["channel"] == CHIEF)[0]  # fmt: skip
    text = told.params["text"]
    assert "SNS の表示が運営方針と違います" in text
    assert "Facebook ページ: 名称が方針 2 の名称と違います（設定: 「別の名前」" in text
    assert (
        "X: プロフィールに「個別のコメントや返信には回答しておりません」の記載がありません" in text
    )


class Told:
    def __init__(self):
        self.texts: list[tuple[str, str]] = []

    def tell_user(self, user_id, text) -> None:
        self.texts.append((user_id, text))

    def remind(self, *args, **kwargs) -> None:
        pass

    def ask_rotation(self, *args, **kwargs) -> None:
        pass


def test_the_daily_check_tells_the_chief_once_each_business_day(factory, settings, platforms):
    x, graph, _ = platforms
    x.description = "公式アカウントです。"
    live = configured(settings, platforms)
    publishers, msg = build_publishers(live), Messages("ja")
    told, now = Told(), [MONDAY]
    dispatcher = Dispatcher(
        factory, {}, {"slack": told}, msg, lambda: now[0], reminder_at=time(9, 30),
        profile_check=lambda: profiles.problems(publishers, live, msg),
    )  # fmt: skip
    dispatcher.housekeeping()
    dispatcher.housekeeping()  # the same day: not read nor told again
    notices = [text for user, text in told.texts if "SNS の表示" in text]
    assert len(notices) == 1 and told.texts[-1][0] == CHIEF
    assert "X: プロフィールに「個別のコメントや返信には回答しておりません」" in notices[0]
    assert len(x.calls(USERS_ME)) == 1
    x.description = f"公式アカウントです。{NOTICE}。"
    now[0] = MONDAY + timedelta(days=1)
    dispatcher.housekeeping()  # read again the next business day: now as the policy says
    assert len(x.calls(USERS_ME)) == 2
    assert len([text for _, text in told.texts if "SNS の表示" in text]) == 1
