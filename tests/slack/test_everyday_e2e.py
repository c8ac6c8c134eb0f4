"""Everyday use over signed HTTP: resubmit, chief's edit, withdraw, schedules, counter, home."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2, running_app
from drafting import card_button, click, draft_values
from sqlalchemy import func, select

from bot.messages import JST
from bot.models import Draft, Publication, RegisterEntry
from bot.workdays import WorkingDays


def text_of(call) -> str:
    blocks = call.params.get("blocks") or call.params.get("view", {}).get("blocks")
    return json.dumps(blocks, ensure_ascii=False) + call.params.get("text", "")


def dm_to(app, user, words, count=1, timeout=10):
    return app.fake.wait_for(
        "chat.postMessage",
        count=count,
        where=lambda c: c.params["channel"] == user and words in text_of(c),
        timeout=timeout,
    )


def cards(app):
    return [
        c
        for c in app.fake.calls("chat.postMessage")
        if c.params["channel"] == CHIEF and "決裁依頼" in c.params.get("text", "")
    ]


def submit(app, user=OPERATOR, **fields):
    before = len(cards(app))  # counted first: the new card may arrive at any moment
    response = app.slack.view_submission(user, "draft_submit", draft_values(**fields))
    assert response.status_code == 200 and response.text == "", response.text
    return dm_to(app, CHIEF, "決裁依頼", count=before + 1)[-1]


def count(app, model, *where) -> int:
    with app.services.session_factory() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_resubmit_after_reject_makes_one_new_card_and_never_posts_the_old_revision(app):
    card = submit(app, body="12 月 5 日に開催します")
    click(app, CHIEF, card, "reject")
    meta = app.fake.wait_for("views.open")[0].params["view"]["private_metadata"]
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "日付が違います"}}}
    app.slack.view_submission(CHIEF, "reject_submit", reason, private_metadata=meta)
    rejected = dm_to(app, OPERATOR, "差し戻されました")[0]
    button = card_button(rejected, "resubmit")
    app.slack.block_action(OPERATOR, "resubmit", button["value"], block_id=button["block_id"])
    form = app.fake.wait_for("views.open", count=2)[1].params["view"]
    body = next(b for b in form["blocks"] if b["block_id"] == "body")
    assert body["element"]["initial_value"] == "12 月 5 日に開催します"
    fixed = draft_values(body="12 月 6 日に開催します")
    response = app.slack.view_submission(
        OPERATOR, "draft_submit", fixed, private_metadata=form["private_metadata"]
    )
    assert response.status_code == 200 and response.text == ""
    new_card = dm_to(app, CHIEF, "決裁依頼", count=2)[1]
    assert "第 2 版" in text_of(new_card)
    app.fake.wait_for(
        "chat.update",
        where=lambda c: (
            c.params["ts"] == card.response["ts"] and "差し替えられました" in text_of(c)
        ),
    )
    click(app, CHIEF, card, "approve")  # the old card's button: a stale click
    click(app, CHIEF, new_card, "approve")
    dm_to(app, OPERATOR, "投稿結果")
    assert len(cards(app)) == 2
    with app.services.session_factory() as session:
        pubs = session.execute(select(Publication)).scalars().all()
        assert {p.revision for p in pubs} == {2}
        assert all("12 月 6 日" in json.dumps(p.payload, ensure_ascii=False) for p in pubs)
        actions = [e.action for e in session.execute(select(RegisterEntry)).scalars()]
        assert "resubmitted" in actions


def test_only_the_author_resubmits(app):
    card = submit(app)
    click(app, CHIEF, card, "reject")
    meta = app.fake.wait_for("views.open")[0].params["view"]["private_metadata"]
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "再考を"}}}
    app.slack.view_submission(CHIEF, "reject_submit", reason, private_metadata=meta)
    rejected = dm_to(app, OPERATOR, "差し戻されました")[0]
    button = card_button(rejected, "resubmit")
    app.slack.block_action(OPERATOR2, "resubmit", button["value"], block_id=button["block_id"])
    refusal = app.fake.wait_for("response_url")[0]
    assert "起案者だけ" in refusal.params["text"]


def test_chief_edit_is_a_new_revision_in_the_chiefs_name_and_the_author_sees_the_diff(app):
    card = submit(app, body="一行目\n二行目")
    click(app, CHIEF, card, "edit")
    form = app.fake.wait_for("views.open")[0].params["view"]
    assert form["title"]["text"] == "課長による修正"
    edited = draft_values(body="一行目\n二行目を直しました")
    app.slack.view_submission(
        CHIEF, "draft_submit", edited, private_metadata=form["private_metadata"]
    )
    diff = dm_to(app, OPERATOR, "修正しました")[0]
    assert "本文" in text_of(diff) and "+ 二行目を直しました" in text_of(diff)
    assert "- 二行目" in text_of(diff)
    new_card = dm_to(app, CHIEF, "決裁依頼", count=2)[1]
    assert f"<@{CHIEF}> が修正" in text_of(new_card)
    click(app, CHIEF, new_card, "approve")
    dm_to(app, OPERATOR, "投稿結果")
    with app.services.session_factory() as session:
        draft = session.execute(select(Draft)).scalar_one()
        assert draft.revision == 2 and draft.current.created_by == CHIEF
        assert draft.current.body == "一行目\n二行目を直しました"


def test_a_chiefs_edit_sent_unchanged_can_be_sent_again_from_the_same_form(app):
    card = submit(app, body="一行目\n二行目")
    click(app, CHIEF, card, "edit")
    form = app.fake.wait_for("views.open")[0].params["view"]
    payload = app.slack.view_submission_payload(
        CHIEF, "draft_submit", draft_values(body="一行目\n二行目"),
        private_metadata=form["private_metadata"],
    )  # fmt: skip
    unchanged = app.slack.post_payload(payload).json()
    assert unchanged == {"response_action": "errors", "errors": {"body": "変更がありません。"}}
    # The modal stays open, with the same view id and hash: the fixed text is stored.
    payload["view"]["state"]["values"] = draft_values(body="一行目\n二行目を直しました")
    fixed = app.slack.post_payload(payload)
    assert fixed.status_code == 200 and fixed.text == "", fixed.text
    with app.services.session_factory() as session:
        draft = session.execute(select(Draft)).scalar_one()
        assert draft.revision == 2 and draft.current.body == "一行目\n二行目を直しました"


def test_an_operator_cannot_edit(app):
    card = submit(app)
    click(app, OPERATOR2, card, "edit")
    assert "課長だけ" in app.fake.wait_for("response_url")[0].params["text"]
    assert not app.fake.calls("views.open")


def test_withdraw_then_approve_publishes_nothing(app):
    card = submit(app)
    receipt = dm_to(app, OPERATOR, "決裁に回しました")[0]
    button = card_button(receipt, "withdraw")
    app.slack.block_action(OPERATOR, "withdraw", button["value"], block_id=button["block_id"])
    assert "取り下げました" in app.fake.wait_for("response_url")[0].params["text"]
    app.fake.wait_for("chat.update", where=lambda c: "取り下げました" in text_of(c))
    click(app, CHIEF, card, "approve")
    told = app.fake.wait_for("response_url", count=2)[1]
    assert "既に" in told.params["text"] and "取り下げ" in told.params["text"]
    time.sleep(0.3)
    assert count(app, Publication) == 0


@pytest.fixture
def quick_schedule_app(settings, fake_slack):
    with running_app(replace(settings, schedule_lead_minutes=0), fake_slack) as app:
        app.runtime.dispatcher.housekeeping_seconds = 0.2
        yield app


def test_scheduled_post_waits_until_due_then_goes_out(quick_schedule_app):
    app = quick_schedule_app
    at = int(time.time()) + 3
    card = submit(app, publish_at=at)
    assert "投稿日時" in text_of(card)
    click(app, CHIEF, card, "approve")
    app.fake.wait_for("chat.update", where=lambda c: "に投稿予定" in text_of(c))
    assert count(app, Publication, Publication.status == "published") == 0
    dm_to(app, OPERATOR, "投稿結果", timeout=15)
    with app.services.session_factory() as session:
        published = session.execute(select(Publication.published_at)).scalars().all()
        assert all(p >= datetime.fromtimestamp(at, UTC) for p in published)


def test_unapproved_scheduled_draft_expires_and_a_late_approval_posts_nothing(quick_schedule_app):
    app = quick_schedule_app
    card = submit(app, publish_at=int(time.time()) + 2)
    dm_to(app, OPERATOR, "期限切れ", timeout=15)
    dm_to(app, CHIEF, "期限切れ")
    click(app, CHIEF, card, "approve")
    told = app.fake.wait_for("response_url")[0]
    assert "期限切れ" in told.params["text"]
    time.sleep(0.3)
    assert count(app, Publication) == 0


def test_approval_after_the_lead_time_expires_the_draft(settings, fake_slack):
    with running_app(replace(settings, schedule_lead_minutes=5), fake_slack) as app:
        card = submit(app, publish_at=int(time.time()) + 400)
        later = app.services.clock() + timedelta(minutes=2)  # 4 min 40 s before: too late
        app.services.clock = lambda: later
        click(app, CHIEF, card, "approve")
        assert "間に合わない" in app.fake.wait_for("response_url")[0].params["text"]
        assert count(app, Publication) == 0
        assert count(app, Draft, Draft.status == "expired") == 1


def test_publish_time_too_soon_for_approval_is_refused_inline(app):
    answer = app.slack.view_submission(
        OPERATOR, "draft_submit", draft_values(publish_at=int(time.time()) + 60)
    ).json()
    assert "5 分以上先" in answer["errors"]["publish_at"]


def test_chief_cancels_an_approved_scheduled_post(app):
    card = submit(app, publish_at=int(time.time()) + 3600)
    click(app, CHIEF, card, "approve")
    update = app.fake.wait_for("chat.update", where=lambda c: '"cancel"' in text_of(c))[-1]
    button = card_button(update, "cancel")
    app.slack.block_action(OPERATOR, "cancel", button["value"], block_id=button["block_id"])
    assert "課長だけ" in app.fake.wait_for("response_url")[0].params["text"]
    app.slack.block_action(CHIEF, "cancel", button["value"], block_id=button["block_id"])
    assert "取り消しました" in app.fake.wait_for("response_url", count=2)[1].params["text"]
    dm_to(app, OPERATOR, "取り消しました")
    assert count(app, Publication, Publication.status == "cancelled") == 3


def test_live_x_counter_updates_the_modal(app):
    app.slack.command(OPERATOR, "")
    view = app.fake.wait_for("views.open")[0].params["view"]
    opened = app.fake.wait_for("views.open")[0].response["view"]
    counter = next(b for b in view["blocks"] if b["block_id"] == "x_counter")
    assert counter["elements"][0]["text"] == "X: 0 / 280（残り 280）"
    body = next(b for b in view["blocks"] if b["block_id"] == "body")
    assert body["dispatch_action"] is True
    assert body["element"]["dispatch_action_config"] == {
        "trigger_actions_on": ["on_character_entered"]
    }
    state = {"values": draft_values(body="あ" * 100, url="https://example.jp/a-very-long-link")}
    typed = {**opened, "state": state, "blocks": view["blocks"], "private_metadata": ""}
    app.slack.block_action(OPERATOR, "body", None, block_id="body", view=typed,
                           action_type="plain_text_input")  # fmt: skip
    update = app.fake.wait_for("views.update")[0]
    assert update.params["view_id"] == opened["id"] and update.params["hash"] == opened["hash"]
    shown = next(b for b in update.params["view"]["blocks"] if b["block_id"] == "x_counter")
    assert shown["elements"][0]["text"] == "X: 224 / 280（残り 56）"  # 200 + 1 + 23


def test_app_home_stays_under_100_blocks_with_1000_drafts_and_pages(app):
    from bot.approval import workflow
    from bot.approval.drafts import DraftInput

    app.runtime.dispatcher.stop()  # the 1,000 cards are beside the point here
    with app.services.session_factory.begin() as session:
        for n in range(1000):
            workflow.submit(
                session,
                author_id=OPERATOR if n % 2 else OPERATOR2,
                content=DraftInput(body=f"下書き {n}", channels=("x",)),
                now=app.services.clock(),
            )
    for user in (CHIEF, OPERATOR):
        app.slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"})
        home = app.fake.wait_for(
            "views.publish", where=lambda c, user=user: c.params["user_id"] == user
        )[-1]
        assert len(home.params["view"]["blocks"]) <= 100
    chief_home = app.fake.wait_for("views.publish", where=lambda c: c.params["user_id"] == CHIEF)[0]
    assert "1 / 200 ページ" in text_of(chief_home)
    pager = next(
        e for b in chief_home.params["view"]["blocks"] for e in b.get("elements", [])
        if e.get("action_id") == "home_page" and e["value"].startswith("pending:")
    )  # fmt: skip
    app.slack.block_action(CHIEF, "home_page", pager["value"], block_id="home_pager:pending")
    second = app.fake.wait_for(
        "views.publish", count=2, where=lambda c: c.params["user_id"] == CHIEF
    )
    assert "2 / 200 ページ" in text_of(second[-1])


def next_monday_morning(now: datetime) -> datetime:
    """10:00 in Japan on a Monday at least two days ahead that is a working day (not a public
    holiday such as 成人の日, nor in the year-end closure)."""
    local = now.astimezone(JST)
    days = (7 - local.weekday()) % 7 or 7
    if days < 2:
        days += 7
    monday = (local + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    while not WorkingDays().is_working_day(monday.date()):
        monday += timedelta(days=7)
    return monday.astimezone(UTC)


def test_one_reminder_a_business_day_listing_waiting_drafts(app):
    submit(app, body="待っている下書き")
    dispatcher = app.runtime.dispatcher
    dispatcher.stop()  # drive the time-driven step by hand, at a chosen time
    dispatcher.reminder_at = time_of_day(9, 30)  # the default SNSBOT_REMINDER_TIME
    monday = next_monday_morning(app.services.clock())
    dispatcher.clock = lambda: monday
    dispatcher.housekeeping()
    dispatcher.housekeeping()
    reminders = [
        c for c in app.fake.calls("chat.postMessage") if "決裁を待っている" in c.params["text"]
    ]
    assert len(reminders) == 1 and reminders[0].params["channel"] == CHIEF
    assert "待っている下書き" in text_of(reminders[0])
    saturday = monday + timedelta(days=5)
    dispatcher.clock = lambda: saturday
    dispatcher.housekeeping()
    assert (
        len(
            [
                c
                for c in app.fake.calls("chat.postMessage")
                if "決裁を待っている" in c.params["text"]
            ]
        )
        == 1
    )


def test_no_reminder_when_nothing_waits(app):
    dispatcher = app.runtime.dispatcher
    dispatcher.stop()  # drive the time-driven step by hand, at a chosen time
    dispatcher.reminder_at = time_of_day(9, 30)  # the default SNSBOT_REMINDER_TIME
    monday = next_monday_morning(app.services.clock())
    dispatcher.clock = lambda: monday
    dispatcher.housekeeping()
    assert not [
        c for c in app.fake.calls("chat.postMessage") if "決裁を待っている" in c.params["text"]
    ]
