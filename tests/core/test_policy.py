"""Policy §3 acting approval, §5(4) registered groups, §6 credential changes, §9 blog footer."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2, running_app
from drafting import card_button, click, draft_values
from sqlalchemy import select

from bot.approval import drafts
from bot.approval.drafts import DraftInput
from bot.cli import main
from bot.delivery.dispatcher import Dispatcher
from bot.messages import Messages
from bot.models import Decision, Publication, RegisterEntry, RotationTask
from bot.people import groups, roles

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)

DEPUTY = OPERATOR2


def text_of(call) -> str:
    blocks = call.params.get("blocks") or call.params.get("view", {}).get("blocks")
    return json.dumps(blocks, ensure_ascii=False) + call.params.get("text", "")


def entries(app, action):
    with app.services.session_factory() as session:
        return (
            session.execute(select(RegisterEntry).where(RegisterEntry.action == action))
            .scalars()
            .all()
        )


@pytest.fixture
def with_deputy(app):
    with app.services.session_factory.begin() as session:
        roles.set_role(session, DEPUTY, "deputy", actor="cli", now=app.services.clock())
    return app


def card_to(app, user, count=1):
    return app.fake.wait_for(
        "chat.postMessage",
        count=count,
        where=lambda c: c.params["channel"] == user and "決裁依頼" in c.params.get("text", ""),
    )[-1]


def test_the_deputy_cannot_decide_while_the_chief_is_present(with_deputy):
    app = with_deputy
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    card = card_to(app, CHIEF)
    click(app, DEPUTY, card, "approve")
    assert "課長だけ" in app.fake.wait_for("response_url")[0].params["text"]
    assert [e.actor for e in entries(app, "refused")] == [DEPUTY]
    assert not any(c.params["channel"] == DEPUTY for c in app.fake.calls("chat.postMessage"))


def test_while_away_the_deputy_decides_as_acting_and_the_chief_reviews_later(with_deputy):
    app = with_deputy
    assert "代決できます" in app.slack.command(CHIEF, "away on").json()["text"]
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    card_to(app, CHIEF)
    deputy_card = card_to(app, DEPUTY)
    click(app, DEPUTY, deputy_card, "approve")
    app.fake.wait_for("chat.update", where=lambda c: "（代決）" in text_of(c))
    assert json.loads(json.dumps(entries(app, "approved")[0].details))["acting"] is True
    with app.services.session_factory() as session:
        assert session.execute(select(Decision.acting)).scalar_one() is True
    back = app.slack.command(CHIEF, "away off").json()["text"]
    assert "1 件" in back
    review = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == CHIEF and "後閲" in c.params["text"],
    )[0]
    button = card_button(review, "review_ack")
    app.slack.block_action(DEPUTY, "review_ack", button["value"])
    assert "課長だけ" in app.fake.wait_for("response_url")[0].params["text"]
    app.slack.block_action(CHIEF, "review_ack", button["value"])
    assert "記録しました" in app.fake.wait_for("response_url", count=2)[1].params["text"]
    assert len(entries(app, "reviewed")) == 1
    with app.services.session_factory() as session:
        assert session.execute(select(Decision.reviewed_at)).scalar_one() is not None


def test_only_the_chief_marks_away(with_deputy):
    app = with_deputy
    assert "課長だけ" in app.slack.command(DEPUTY, "away on").json()["text"]
    assert "使い方" in app.slack.command(CHIEF, "away maybe").json()["text"]


def test_a_roster_change_opens_rotation_tasks_and_the_chief_marks_each(
    app, capsys, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", app.services.settings.database_url)
    assert main(["roles", "set", OPERATOR2, "none"]) == 0
    assert main(["credentials", "status"]) == 0
    listed = capsys.readouterr().out
    for account in ("x", "facebook", "blog", "slack"):
        assert account in listed
    app.runtime.dispatcher.housekeeping()
    ask = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == CHIEF and "方針 6" in c.params["text"],
    )[0]
    buttons = [e for b in ask.params["blocks"] if b.get("accessory") for e in [b["accessory"]]]
    assert len(buttons) == 4 and {e["action_id"] for e in buttons} == {"rotation_done"}
    app.slack.block_action(OPERATOR, "rotation_done", buttons[0]["value"])
    assert "課長だけ" in app.fake.wait_for("response_url")[0].params["text"]
    for n, button in enumerate(buttons, start=2):
        app.slack.block_action(CHIEF, "rotation_done", button["value"])
        app.fake.wait_for("response_url", count=n)
    told = [c.params["text"] for c in app.fake.calls("response_url")]
    assert any("Slack アプリ" in t and "確認しました" in t for t in told)
    assert any("設定されていないため確認できません" in t for t in told)
    with app.services.session_factory() as session:
        assert all(t.done_at for t in session.execute(select(RotationTask)).scalars())
    assert len(entries(app, "rotated")) == 4
    app.runtime.dispatcher.housekeeping()  # nothing left: no new DM
    assert len([c for c in app.fake.calls("chat.postMessage") if "方針 6" in c.params["text"]]) == 1


class RotationNotifier:
    """Records what the chief is told of credential changes."""

    def __init__(self):
        self.asked: list[tuple[str, list[str]]] = []

    def ask_rotation(self, user_id: str, items, notice=None) -> None:
        self.asked.append((user_id, [item.account for item in items]))

    def tell_user(self, user_id: str, text: tuple) -> None:
        pass  # the register's daily head line: not what this test counts


def test_new_rotation_tasks_are_told_once_however_many_processes_look(factory):
    """Found as a bug: a second process's housekeeping sent the same list again as the daily
    reminder, a moment after the first one announced the new tasks."""
    at = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)  # a Friday, 12:00 in Japan: reminders are due
    with factory.begin() as session:
        roles.set_role(session, OPERATOR2, roles.NONE, actor="cli", now=at)
    told = RotationNotifier()
    processes = [Dispatcher(factory, {}, {"slack": told}, Messages("ja"), lambda: at,
                            reminder_at=time(9, 30)) for _ in range(2)]  # fmt: skip
    for dispatcher in processes:
        dispatcher.housekeeping()
    assert told.asked == [(CHIEF, ["x", "facebook", "blog", "slack"])]
    later = at + timedelta(days=6)  # the next business day (after Golden Week): reminded again
    for dispatcher in processes:
        dispatcher.clock = lambda: later
        dispatcher.housekeeping()
    assert len(told.asked) == 2


def test_adding_an_operator_opens_no_rotation_task(app):
    with app.services.session_factory.begin() as session:
        roles.set_role(session, "UNEWCOMER", "operator", actor="cli", now=app.services.clock())
        assert session.execute(select(RotationTask)).first() is None


def test_group_request_needs_a_registered_group_with_its_date_and_draft(
    app, capsys, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", app.services.settings.database_url)
    assert (
        main(
            [
                "groups",
                "add",
                "和光みどりの会",
                "--contact",
                "山田さん",
                "--site",
                "https://midori.example.jp",
            ]
        )
        == 0
    )
    assert main(["groups", "add", "和光みどりの会"]) == 1
    assert main(["groups", "list"]) == 0
    assert "和光みどりの会\t山田さん" in capsys.readouterr().out
    app.slack.command(OPERATOR, "")
    form = app.fake.wait_for("views.open")[0].params["view"]
    group = next(b for b in form["blocks"] if b["block_id"] == "group")["element"]
    assert group["type"] == "static_select"
    assert [o["value"] for o in group["options"]] == ["和光みどりの会"]
    fields = {"source": "group_request", "url": "https://midori.example.jp/event"}
    wrong = draft_values(**fields, group="未登録の会", group_date="2026-11-20", group_draft="原稿")
    errors = app.slack.view_submission(OPERATOR, "draft_submit", wrong).json()["errors"]
    assert "登録団体から選んで" in errors["group"]
    good = draft_values(**fields, group="和光みどりの会", group_date="2026-11-20",
                        group_draft="みどりの会からの原稿です")  # fmt: skip
    assert app.slack.view_submission(OPERATOR, "draft_submit", good).text == ""
    card = card_to(app, CHIEF)
    assert "みどりの会からの原稿です" in text_of(card) and "2026-11-20" in text_of(card)
    assert "方針 5(4)" in text_of(card)
    submitted = entries(app, "submitted")[0].details
    assert (
        submitted["group_draft"] == "みどりの会からの原稿です"
        and submitted["group_date"] == "2026-11-20"
    )
    with app.services.session_factory.begin() as session:
        assert groups.remove(session, "和光みどりの会", actor="cli", now=app.services.clock())
    assert [e.details["group"] for e in entries(app, "group_removed")] == ["和光みどりの会"]


GROUP_FIELDS = {"source": "group_request", "url": "https://midori.example.jp/event",
                "group_date": "2026-11-20", "group_draft": "みどりの会からの原稿です"}  # fmt: skip


def test_with_no_group_registered_a_group_request_is_refused_inline(app):
    """Found as a bug: with no registered group at all, any typed group was accepted (§5(4))."""
    app.slack.command(OPERATOR, "")
    form = app.fake.wait_for("views.open")[0].params["view"]
    group = next(b for b in form["blocks"] if b["block_id"] == "group")
    assert "snsbot groups add" in group["hint"]["text"] and "まだない" in group["hint"]["text"]
    for typed in ("和光みどりの会", ""):
        values = draft_values(**GROUP_FIELDS, group=typed)
        answer = app.slack.view_submission(OPERATOR, "draft_submit", values).json()
        assert answer["response_action"] == "errors"
        assert "登録団体がまだ 1 つもない" in answer["errors"]["group"]
        assert "`snsbot groups add 団体名`" in answer["errors"]["group"]
    assert not entries(app, "submitted")
    cards = [c for c in app.fake.calls("chat.postMessage") if "blocks" in c.params]
    assert not any(c.params["channel"] == CHIEF for c in cards)  # (the daily head line has none)


def test_group_requests_are_checked_against_the_roster_in_the_database(factory):
    """The same core check for every front end: `groups.names` read, then `drafts.validate`."""
    content = DraftInput(body="お知らせ", channels=("x",), group_name="和光みどりの会",
                         **GROUP_FIELDS)  # fmt: skip
    with factory() as session:
        registered = groups.names(session)
    errors = drafts.validate(content, ("x",), NOW, groups=registered)
    assert errors == {"group": ("error.group_none_registered", {})}
    with factory.begin() as session:
        groups.add(session, "和光みどりの会", contact="", site="", actor="cli", now=NOW)
    with factory() as session:
        assert drafts.validate(content, ("x",), NOW, groups=groups.names(session)) == {}


def test_blog_footer_is_appended_to_blog_posts(settings, fake_slack):
    footer = "コメントには回答しません（和光市市民協働推進センターSNS運営方針 9）"
    with running_app(replace(settings, blog_footer=footer), fake_slack) as app:
        app.slack.view_submission(OPERATOR, "draft_submit", draft_values(channels=("blog", "x")))
        click(app, CHIEF, card_to(app, CHIEF), "approve")
        app.fake.wait_for("chat.postMessage", where=lambda c: "投稿結果" in c.params["text"])
        with app.services.session_factory() as session:
            payloads = {
                p.channel: p.payload for p in session.execute(select(Publication)).scalars()
            }
        assert payloads["blog"]["content"].endswith(footer)
        assert footer not in payloads["x"]["text"]
