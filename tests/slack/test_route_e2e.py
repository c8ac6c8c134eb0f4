"""The approval route (決裁ルート) over signed HTTP: review steps before the chief, send back,
the trail on the chief's card, thread comments, the register."""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace

import pytest
from conftest import CHIEF, OPERATOR, running_app
from drafting import card_button, click, draft_values
from sqlalchemy import select

from bot import register
from bot.models import CardMessage, Draft, RegisterEntry, RouteMark
from bot.people import roles
from bot.services import utc_now

REVIEWER = "UREVIEW01"


def text_of(call) -> str:
    blocks = call.params.get("blocks") or call.params.get("view", {}).get("blocks")
    return json.dumps(blocks, ensure_ascii=False) + call.params.get("text", "")


def dm_to(app, user, words, count=1):
    return app.fake.wait_for(
        "chat.postMessage",
        count=count,
        where=lambda c: c.params["channel"] == user and words in text_of(c),
    )


def buttons(call) -> set[str]:
    return {e.get("action_id") for b in call.params["blocks"] for e in b.get("elements", [])}


@pytest.fixture
def routed(settings, fake_slack):
    """snsbot with the route reviewer → chief, and one reviewer on the roster."""
    with running_app(replace(settings, route_setting="reviewer,chief"), fake_slack) as app:
        with app.services.session_factory.begin() as session:
            roles.set_role(session, REVIEWER, "reviewer", actor="admin", now=utc_now())
        yield app


def submit(app, user=OPERATOR, **fields):
    response = app.slack.view_submission(user, "draft_submit", draft_values(**fields))
    assert response.status_code == 200 and response.text == "", response.text


def send_back(app, user, card, comment):
    click(app, user, card, "send_back")
    opened = app.fake.wait_for(
        "views.open", where=lambda c: c.params["view"]["callback_id"] == "send_back_submit"
    )[-1]
    meta = opened.params["view"]["private_metadata"]
    values = {"comment": {"comment": {"type": "plain_text_input", "value": comment}}}
    return app.slack.view_submission(user, "send_back_submit", values, private_metadata=meta)


def recorded(app, ts: str, timeout: float = 20.0) -> None:
    """Wait until the card posted at `ts` is known as the draft's (a reply finds it from then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.services.session_factory() as session:
            if session.execute(select(CardMessage.id).where(CardMessage.ts == ts)).first():
                return
        time.sleep(0.05)
    raise AssertionError(f"card {ts} was never recorded")


def actions(app) -> list[str]:
    with app.services.session_factory() as session:
        return [e.action for e in session.execute(select(RegisterEntry)).scalars()]


def test_two_steps_send_back_resubmit_restarts_then_pass_on_and_approve(routed):
    app = routed
    submit(app, body="12 月 5 日に開催します")
    first = dm_to(app, REVIEWER, "確認依頼")[0]
    assert {"pass_on", "send_back"} <= buttons(first) and "approve" not in buttons(first)
    assert not [c for c in app.fake.calls("chat.postMessage") if c.params["channel"] == CHIEF
                and "決裁依頼" in c.params.get("text", "")]  # fmt: skip

    response = send_back(app, REVIEWER, first, "日付が <違います>")
    assert response.status_code == 200 and response.text == "", response.text
    returned = dm_to(app, OPERATOR, "確認の段階で")[0]
    assert "日付が &lt;違います&gt;" in text_of(returned)  # the words exactly, escaped
    resubmit = card_button(returned, "resubmit")
    app.slack.block_action(OPERATOR, "resubmit", resubmit["value"], block_id=resubmit["block_id"])
    form = app.fake.wait_for(
        "views.open", where=lambda c: c.params["view"]["callback_id"] == "draft_submit"
    )[-1].params["view"]
    fixed = draft_values(body="12 月 6 日に開催します")
    app.slack.view_submission(
        OPERATOR, "draft_submit", fixed, private_metadata=form["private_metadata"]
    )

    second = dm_to(app, REVIEWER, "確認依頼", count=2)[1]  # the route starts again: step 1
    assert "第 2 版" in text_of(second) and "pass_on" in buttons(second)
    click(app, REVIEWER, second, "pass_on")
    chief_card = dm_to(app, CHIEF, "決裁依頼")[0]
    trail = text_of(chief_card)
    assert "決裁ルート" in trail and f"<@{REVIEWER}>" in trail and "確認" in trail
    app.fake.wait_for(  # the reviewer's card: done, no buttons
        "chat.update",
        where=lambda c: c.params["ts"] == second.response["ts"] and "pass_on" not in buttons(c),
    )
    click(app, CHIEF, chief_card, "approve")
    dm_to(app, OPERATOR, "投稿結果")
    done = actions(app)
    assert done.count("sent_back") == 1 and done.count("passed_on") == 1
    assert done.index("resubmitted") < done.index("passed_on") < done.index("approved")
    with app.services.session_factory() as session:
        marks = session.execute(select(RouteMark).order_by(RouteMark.id)).scalars().all()
        assert [(m.revision, m.outcome, m.actor) for m in marks] == [
            (1, "sent_back", REVIEWER),
            (2, "passed", REVIEWER),
        ]
        assert register.verify(session) == []
        rows, columns = register.export(session)  # the printed register's 決裁欄: one per step
        assert columns[-2:] == ["reviewer_1", "reviewed_at_1"]
        first, second = (dict(zip(columns, row, strict=True)) for row in rows)
        assert (first["decision"], first["decider"], first["reason"]) == (
            "sent_back",
            REVIEWER,
            "日付が <違います>",
        )
        assert first["reviewer_1"] == REVIEWER and first["reviewed_at_1"]
        assert (second["decision"], second["decider"]) == ("approved", CHIEF)
        assert second["reviewer_1"] == REVIEWER and second["reviewed_at_1"] < second["decided_at"]
        out = io.StringIO()
        register.write_csv(iter([]), out, columns)
        assert "reviewer_1,reviewed_at_1" in out.getvalue()


def test_only_the_steps_people_review_and_the_author_never_reviews_their_own(routed):
    app = routed
    with app.services.session_factory.begin() as session:
        roles.set_role(session, OPERATOR, "reviewer", actor="admin", now=utc_now())
    submit(app, user=OPERATOR, body="確認者が自分で書いたお知らせ")
    card = dm_to(app, REVIEWER, "確認依頼")[0]
    assert not [c for c in app.fake.calls("chat.postMessage") if c.params["channel"] == OPERATOR
                and "確認依頼" in c.params.get("text", "")]  # fmt: skip
    click(app, OPERATOR, card, "pass_on")  # the author, though a reviewer: refused, recorded
    app.fake.wait_for(
        "response_url", where=lambda c: "起案者本人は確認できません" in c.params.get("text", "")
    )
    click(app, CHIEF, card, "pass_on")  # the chief is not this step's
    app.fake.wait_for(
        "response_url", where=lambda c: "確認する段の担当者だけ" in c.params.get("text", "")
    )
    with app.services.session_factory() as session:
        refused = (
            session.execute(select(RegisterEntry).where(RegisterEntry.action == "refused"))
            .scalars()
            .all()
        )
    assert any(e.details.get("rule") == "separation_of_duties" for e in refused)


def test_a_step_only_the_author_holds_is_skipped_and_recorded(settings, fake_slack):
    with running_app(replace(settings, route_setting="reviewer,chief"), fake_slack) as app:
        with app.services.session_factory.begin() as session:
            roles.set_role(session, OPERATOR, "reviewer", actor="admin", now=utc_now())
        submit(app, user=OPERATOR, body="確認者は起案者だけ")
        card = dm_to(app, CHIEF, "決裁依頼")[0]
        assert "起案者本人のため" in text_of(card)
        with app.services.session_factory() as session:
            entry = session.execute(
                select(RegisterEntry).where(RegisterEntry.action == "step_skipped")
            ).scalar_one()
            assert entry.details["reason"] == "own"


def test_the_chief_decides_early_and_the_steps_not_taken_are_skipped(routed):
    app = routed
    submit(app, body="急ぎのお知らせ")
    card = dm_to(app, REVIEWER, "確認依頼")[0]
    with app.services.session_factory() as session:
        draft_id = session.execute(select(Draft.id)).scalar_one()
    app.slack.block_action(CHIEF, "approve", str(draft_id), block_id="card_actions:1:pending:1")
    dm_to(app, OPERATOR, "投稿結果")
    app.fake.wait_for(
        "chat.update",
        where=lambda c: c.params["ts"] == card.response["ts"] and "承認しました" in text_of(c),
    )
    click(app, REVIEWER, card, "pass_on")  # too late: already decided
    with app.services.session_factory() as session:
        mark = session.execute(select(RouteMark)).scalar_one()
        assert (mark.outcome, mark.reason) == ("skipped", "decided")
        rows, columns = register.export(session)
        row = dict(zip(columns, next(rows), strict=True))
        assert (row["decision"], row["reviewer_1"]) == ("approved", "skipped:decided")
    assert "step_skipped" in actions(app) and "passed_on" not in actions(app)


def test_a_reply_in_the_cards_thread_reaches_the_author_and_the_register(routed):
    app = routed
    submit(app, body="コメントのあるお知らせ")
    card = dm_to(app, REVIEWER, "確認依頼")[0]
    channel, ts = card.response["channel"], card.response["ts"]
    recorded(app, ts)  # where the card went is kept once its delivery run ends
    event = {"type": "message", "channel": channel, "channel_type": "im", "user": REVIEWER,
             "text": "写真は *2 枚* に", "ts": "1765000000.000100", "thread_ts": ts}  # fmt: skip
    assert app.slack.event(event).status_code == 200
    assert app.slack.event(event).status_code == 200  # Slack's retry: kept once
    told = dm_to(app, OPERATOR, "コメントしました")[0]
    assert "第 1 版" in text_of(told) and "写真は *2 枚* に" in text_of(told)
    app.fake.wait_for("chat.update", where=lambda c: c.params["ts"] == ts and "💬" in text_of(c))
    app.slack.event(
        {
            "type": "message",
            "channel": channel,
            "user": REVIEWER,
            "text": "無関係",
            "ts": "1765000000.000200",
        }
    )  # fmt: skip  (not in a thread: ignored)
    click(app, REVIEWER, card, "pass_on")
    chief_card = dm_to(app, CHIEF, "決裁依頼")[0]
    assert "写真は" in text_of(chief_card) and "第 1 版" in text_of(chief_card)
    with app.services.session_factory() as session:
        said = (
            session.execute(select(RegisterEntry).where(RegisterEntry.action == "commented"))
            .scalars()
            .all()
        )
        assert [(e.actor, e.details["text"], e.revision) for e in said] == [
            (REVIEWER, "写真は *2 枚* に", 1)
        ]
        assert session.get(Draft, said[0].draft_id).status == "pending"  # decides nothing


def test_the_app_home_shows_a_reviewer_their_waiting_cards(routed):
    app = routed
    submit(app, body="ホームから確認するお知らせ")
    dm_to(app, REVIEWER, "確認依頼")
    app.slack.event({"type": "app_home_opened", "user": REVIEWER, "tab": "home"})
    home = app.fake.wait_for("views.publish", where=lambda c: c.params["user_id"] == REVIEWER)[
        -1
    ].params["view"]
    shown = json.dumps(home, ensure_ascii=False)
    assert "あなたの確認待ち" in shown and "ホームから確認するお知らせ" in shown
    button = next(
        {**e, "block_id": b["block_id"]}
        for b in home["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "pass_on"
    )
    app.slack.block_action(REVIEWER, "pass_on", button["value"], block_id=button["block_id"])
    dm_to(app, CHIEF, "決裁依頼")
