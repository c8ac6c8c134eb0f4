"""Searching past drafts and posts: the query syntax, LIKE escaping, days in Japan, the limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2
from test_register import settle

from bot.approval import drafts, workflow
from bot.features import search
from bot.features.search import Query, QueryError, parse
from bot.ports import Published

NOW = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # 12:00 in Japan
X_URL = "https://x.com/wakokyodo/status/1790000000000000001"


def submit(factory, body: str, author=OPERATOR, at=NOW, channels=("x",)) -> int:
    content = drafts.DraftInput(body=body, channels=channels)
    with factory.begin() as session:
        return workflow.submit(session, author_id=author, content=content, now=at).id


def approve(factory, draft_id: int, ends: dict) -> None:
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=True, now=NOW)
    settle(factory, NOW, ends)


def ids(factory, text: str, asker=OPERATOR, front_end="slack") -> list[int]:
    with factory() as session:
        return [h.draft_id for h in search.search(session, parse(text, asker), front_end).hits]


def test_the_query_syntax_reads_conditions_and_words():
    query = parse("講座 from:<@U0ABC|yamada> since:2026-11-01 until:2026/11/30 "
                  "network:X state:Published 秋", "UME")  # fmt: skip
    assert query == Query(("講座", "秋"), "U0ABC", date(2026, 11, 1), date(2026, 11, 30), "x",
                          "published")  # fmt: skip
    assert parse("from:me", "UME").author == "UME"
    assert parse("from:@U0ABC", "UME").author == "U0ABC"
    assert parse("https://example.jp/a 10:00", "UME").words == ("https://example.jp/a", "10:00")
    assert parse("", "UME").empty


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("network:tiktok", "search.error.network"),
        ("state:done", "search.error.state"),
        ("since:2026-13-01", "search.error.date"),
        ("since:2026-11-02 until:2026-11-01", "search.error.range"),
        ("from:me from:U0ABC", "search.error.twice"),
    ],
)
def test_a_bad_query_says_what_is_wrong(text, key):
    with pytest.raises(QueryError) as raised:
        parse(text, "UME")
    assert raised.value.key == key


def test_words_conditions_and_links(factory):
    published = submit(factory, "秋の講座のお知らせ")
    approve(factory, published, {"x": Published("1790000000000000001", X_URL)})
    pending = submit(factory, "冬の講座の下書き", author=OPERATOR2, channels=("facebook",))
    other = submit(factory, "関係のない話")
    assert ids(factory, "講座") == [pending, published]  # newest first
    assert ids(factory, "講座 秋") == [published]  # every word
    assert ids(factory, "講座 from:me") == [published]
    assert ids(factory, f"from:{OPERATOR2}") == [pending]
    assert ids(factory, "network:facebook") == [pending]
    assert ids(factory, "state:published network:x") == [published]
    assert ids(factory, "state:pending") == [other, pending]
    assert ids(factory, "講座", front_end="teams") == []  # each front end's own drafts
    with factory() as session:
        (hit,) = search.search(session, parse("秋", OPERATOR), "slack").hits
    assert hit.links == (("x", X_URL),) and hit.status == "approved"


def test_failed_posts_are_found_by_state(factory):
    failing = submit(factory, "ブログへ", channels=("blog",))
    approve(factory, failing, {"blog": "ブログに接続できません"})
    assert ids(factory, "state:failed") == [failing]
    with factory() as session:
        (hit,) = search.search(session, parse("state:failed", OPERATOR), "slack").hits
    assert hit.failed == ("blog",) and hit.links == ()


@pytest.mark.parametrize(("word", "expected"), [("%", [0]), ("_", [1]), ("\\", [2])])
def test_like_wildcards_typed_by_people_match_themselves(factory, word, expected):
    made = [submit(factory, body) for body in ("100%オフ", "冬のイベント_案内", "C:\\temp")]
    submit(factory, "ふつうの本文")
    assert ids(factory, word) == [made[i] for i in expected]


def test_since_and_until_are_days_in_japan(factory):
    late = submit(factory, "夜", at=datetime(2026, 10, 31, 16, 0, tzinfo=UTC))  # 11-01 01:00 JST
    early = submit(factory, "朝", at=datetime(2026, 10, 31, 14, 0, tzinfo=UTC))  # 10-31 23:00
    assert ids(factory, "since:2026-11-01") == [late]
    assert ids(factory, "until:2026-10-31") == [early]
    assert ids(factory, "since:2026-10-31 until:2026-11-01") == [
        early,
        late,
    ]  # by draft number, newest first


def test_results_are_limited_and_say_so(factory):
    for n in range(search.RESULT_LIMIT + 2):
        submit(factory, f"お知らせ {n}", at=NOW + timedelta(minutes=n))
    with factory() as session:
        found = search.search(session, parse("お知らせ", OPERATOR), "slack")
    assert len(found.hits) == search.RESULT_LIMIT and found.more
    assert found.hits[0].body == f"お知らせ {search.RESULT_LIMIT + 1}"
