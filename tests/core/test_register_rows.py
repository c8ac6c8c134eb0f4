"""The register's CSV for Excel: 代決, the group and its request date, and engagement and
moderation decisions as rows of their own kind, all read from the chained entries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from conftest import CHIEF, OPERATOR
from test_engagement import Clock, RecordingPerformer, run
from test_engagement import RecordingNotifier as EngagementNotifier
from test_moderation import RecordingInbox, RecordingNotifier, item, poll
from test_moderation import decide as moderate

from bot import register
from bot.approval import drafts, engagement, workflow
from bot.features.engagement_targets import parse
from bot.people import groups, roles

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
DEPUTY = "UDEPUTY1"
OLD_COLUMNS = [
    "draft", "revision", "author", "submitted_at", "source", "category", "channels",
    "decision", "decider", "decided_at", "reason", "published_urls", "failures",
]  # fmt: skip


def rows(factory, since=None, until=None) -> list[dict[str, str]]:
    out = io.StringIO()
    with factory() as session:
        register.write_csv(register.export_rows(session, since, until), out)
    text = out.getvalue()
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0] == register.EXPORT_COLUMNS
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def deputy_in_charge(factory) -> None:
    with factory.begin() as session:
        roles.set_role(session, DEPUTY, "deputy", actor="cli", now=NOW)
        roles.set_away(session, CHIEF, True, now=NOW)
        groups.add(session, "和光の会", contact="", site="", actor="cli", now=NOW)


def test_the_old_columns_keep_their_order_and_new_ones_follow():
    assert register.EXPORT_COLUMNS[: len(OLD_COLUMNS)] == OLD_COLUMNS
    assert register.EXPORT_COLUMNS[len(OLD_COLUMNS) :] == [
        "acting", "group", "group_request_date", "kind", "item", "action", "target",
    ]  # fmt: skip


def test_a_group_request_decided_by_the_deputy_shows_daiketsu_the_group_and_its_date(factory):
    deputy_in_charge(factory)
    content = drafts.DraftInput(
        body="団体からの依頼", channels=("x",), source="group_request",
        group_name="和光の会", group_date="2026-04-28", group_draft="原稿",
    )  # fmt: skip
    with factory.begin() as session:
        draft_id = workflow.submit(session, author_id=OPERATOR, content=content, now=NOW).id
        plain = drafts.DraftInput(body="ふつう", channels=("x",))
        other = workflow.submit(session, author_id=OPERATOR, content=plain, now=NOW).id
    with factory.begin() as session:
        later = NOW + timedelta(hours=1)
        workflow.decide(session, draft_id=draft_id, actor=DEPUTY, approve=True, now=later)
    first, second = rows(factory)
    assert (first["draft"], first["kind"], first["decider"]) == (str(draft_id), "draft", DEPUTY)
    assert (first["acting"], first["group"], first["group_request_date"]) == (
        "代決", "和光の会", "2026-04-28",
    )  # fmt: skip
    assert (second["draft"], second["acting"], second["group"]) == (str(other), "", "")


def test_engagement_requests_are_rows_of_their_own_with_the_deputys_daiketsu(factory):
    deputy_in_charge(factory)
    with factory.begin() as session:
        asked = engagement.request(
            session, requester_id=OPERATOR, kind="follow", target=parse("follow", "@wako_npo")[0],
            category="civic_group", official_confirmed=True, now=NOW,
        )  # fmt: skip
        waiting = engagement.request(
            session, requester_id=OPERATOR, kind="share",
            target=parse("share", "https://www.facebook.com/wakoshi.npo/posts/1")[0],
            category="government", official_confirmed=True, now=NOW,
        )  # fmt: skip
        asked_id, waiting_id = asked.id, waiting.id
    with factory.begin() as session:
        engagement.decide(session, engagement_id=asked_id, actor=DEPUTY, approve=True, now=NOW)
    (follow, share) = [r for r in rows(factory) if r["kind"] == "engagement"]
    assert follow["item"] == str(asked_id) and follow["action"] == "follow"
    assert (follow["author"], follow["channels"], follow["category"]) == (
        OPERATOR, "x", "civic_group",
    )  # fmt: skip
    assert (follow["decision"], follow["decider"], follow["acting"]) == ("approved", DEPUTY, "代決")
    assert follow["target"] == "https://x.com/wako_npo" and follow["draft"] == ""
    assert (share["item"], share["decision"], share["decider"]) == (str(waiting_id), "pending", "")
    assert rows(factory, since=NOW + timedelta(days=1)) == []  # filtered by the request's time


def test_moderation_decisions_are_rows_of_their_own(factory):
    t0 = NOW
    inbox = RecordingInbox("x", [item("r1", at=t0)])
    poll(factory, {"x": inbox}, RecordingNotifier(), at=t0)
    moderate(factory, {"x": inbox}, actor=CHIEF, category=5, at=t0 + timedelta(minutes=5))
    (row,) = [r for r in rows(factory) if r["kind"] == "moderation"]
    assert (row["decision"], row["action"], row["decider"]) == ("moderated", "hide", CHIEF)
    assert row["channels"] == "x" and row["author"] == "あるユーザー"
    assert row["category"] == "広告、宣伝、勧誘、営業活動、その他営利を目的とするもの"  # §11 (5)
    assert row["target"] == "https://e.jp/" and row["item"] != ""
    with factory() as session:
        assert register.check(session).problems == []  # every cell is from the chained entries


def test_an_engagement_done_shows_where_it_is(factory):
    with factory.begin() as session:
        done = engagement.request(
            session, requester_id=OPERATOR, kind="follow", target=parse("follow", "@wako_npo")[0],
            category="civic_group", official_confirmed=True, now=NOW,
        )  # fmt: skip
        done_id = done.id
    with factory.begin() as session:
        engagement.decide(session, engagement_id=done_id, actor=CHIEF, approve=True, now=NOW)
    run(factory, RecordingPerformer(), EngagementNotifier(), Clock(NOW))
    (row,) = [r for r in rows(factory) if r["kind"] == "engagement"]
    assert (row["decision"], row["acting"]) == ("approved", "")
    assert row["published_urls"] == "x:https://x.com/wako_npo" and row["failures"] == ""
