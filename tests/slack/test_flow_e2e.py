"""The whole approval flow over signed HTTP against the fake Slack: draft → card → decide → DMs."""

from __future__ import annotations

import json
import time

from conftest import CHIEF, OPERATOR, STRANGER
from drafting import click, draft_values
from sqlalchemy import select

from bot import register
from bot.models import Installation, Publication, RegisterEntry


def submit_draft(app, user=OPERATOR, **fields):
    response = app.slack.view_submission(user, "draft_submit", draft_values(**fields))
    assert response.status_code == 200, response.text
    return response


def card_for(app, draft_body_fragment=None):
    calls = app.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == CHIEF)
    return calls[-1]


def test_slash_command_opens_prefilled_modal(app):
    response = app.slack.command(OPERATOR, "draft 市民活動フェアのお知らせ")
    assert response.status_code == 200
    opened = app.fake.wait_for("views.open")[0]
    view = opened.params["view"]
    assert view["callback_id"] == "draft_submit"
    body_block = next(b for b in view["blocks"] if b["block_id"] == "body")
    assert body_block["element"]["initial_value"] == "市民活動フェアのお知らせ"
    block_ids = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert block_ids == {
        "body", "x_text", "blog_title", "url", "channels", "source", "category", "group",
        "publish_at", "images", "image_alt", "group_date", "group_draft", "on_internet",  # §4
    }  # fmt: skip
    for block in view["blocks"]:
        if block["type"] == "input":
            assert block["element"]["action_id"] == block["block_id"]


def test_approve_publishes_every_channel_and_tells_the_author(app):
    submit_draft(app, url="https://wako-kyodo.example.jp/fair")
    card = card_for(app)
    assert card.response["channel"] == f"D{CHIEF}"
    actions = [b for b in card.params["blocks"] if b["type"] == "actions"][0]
    styles = {e["action_id"]: e.get("style") for e in actions["elements"]}
    assert styles["approve"] == "primary" and styles["reject"] == "danger"
    submitted = app.fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == OPERATOR
    )
    assert "決裁に回しました" in submitted[0].params["text"]

    started = time.monotonic()
    response = click(app, CHIEF, card, "approve")
    assert response.status_code == 200 and time.monotonic() - started < 3

    results = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "投稿結果" in c.params["text"],
    )[0]
    for name in ("X", "Facebook", "ブログ"):
        assert name in results.params["text"]
    assert "テスト投稿" in results.params["text"]  # dry run, said plainly

    updates = app.fake.wait_for(
        "chat.update",
        where=lambda c: "承認しました" in json.dumps(c.params["blocks"], ensure_ascii=False),
    )
    final = updates[-1]
    assert final.params["channel"] == card.response["channel"]
    assert final.params["ts"] == card.response["ts"]
    assert not any(
        e.get("action_id") in ("approve", "reject")
        for b in final.params["blocks"]
        for e in b.get("elements", [])
    )

    with app.services.session_factory() as session:
        pubs = session.execute(select(Publication)).scalars().all()
        assert sorted(p.channel for p in pubs) == ["blog", "facebook", "x"]
        assert all(p.status == "published" and p.dry_run for p in pubs)
        x = next(p for p in pubs if p.channel == "x")
        assert x.payload["text"].endswith(" https://wako-kyodo.example.jp/fair")
        blog = next(p for p in pubs if p.channel == "blog")
        installation = session.scalar(select(Installation.installation_id))
        assert blog.payload["slug"] == f"snsbot-{installation}-{blog.draft_id}-1"
        actions_logged = [e.action for e in session.execute(select(RegisterEntry)).scalars()]
        assert actions_logged.count("published") == 3
        assert "submitted" in actions_logged and "approved" in actions_logged
        assert register.verify(session) == []


def test_reject_asks_reason_and_dms_it(app):
    submit_draft(app)
    card = card_for(app)
    click(app, CHIEF, card, "reject")
    opened = app.fake.wait_for("views.open")[0].params["view"]
    assert opened["callback_id"] == "reject_submit"
    empty = app.slack.view_submission(
        CHIEF,
        "reject_submit",
        {"reason": {"reason": {"type": "plain_text_input", "value": "  "}}},
        private_metadata=opened["private_metadata"],
    )
    assert empty.json()["response_action"] == "errors"
    assert "reason" in empty.json()["errors"]
    ok = app.slack.view_submission(
        CHIEF,
        "reject_submit",
        {"reason": {"reason": {"type": "plain_text_input", "value": "日付を確認してください"}}},
        private_metadata=opened["private_metadata"],
    )
    assert ok.status_code == 200 and ok.text == ""
    dm = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "差し戻されました" in c.params["text"],
    )[0]
    assert "日付を確認してください" in dm.params["text"]
    app.fake.wait_for(
        "chat.update",
        where=lambda c: "差し戻しました" in json.dumps(c.params["blocks"], ensure_ascii=False),
    )
    with app.services.session_factory() as session:
        assert session.execute(select(Publication)).first() is None


def test_someone_else_is_refused_and_recorded(app):
    submit_draft(app)
    card = card_for(app)
    for user in (OPERATOR, STRANGER):
        click(app, user, card, "approve")
    refusals = app.fake.wait_for("response_url", count=2)
    assert all("課長だけ" in c.params["text"] for c in refusals)
    assert all(c.params["response_type"] == "ephemeral" for c in refusals)
    with app.services.session_factory() as session:
        refused = (
            session.execute(select(RegisterEntry).where(RegisterEntry.action == "refused"))
            .scalars()
            .all()
        )
        assert {e.actor for e in refused} == {OPERATOR, STRANGER}
        assert session.execute(select(Publication)).first() is None


def test_double_click_decides_once(app):
    submit_draft(app)
    card = card_for(app)
    click(app, CHIEF, card, "approve")
    app.fake.wait_for("chat.update")  # the first click has been decided
    click(app, CHIEF, card, "approve")
    click(app, CHIEF, card, "reject")
    told = app.fake.wait_for("response_url", count=2)
    assert all("既に" in c.params["text"] and "承認" in c.params["text"] for c in told)
    app.fake.wait_for("chat.postMessage", where=lambda c: "投稿結果" in c.params["text"])
    with app.services.session_factory() as session:
        assert len(session.execute(select(Publication)).all()) == 3
        decisions = session.execute(
            select(RegisterEntry).where(RegisterEntry.action.in_(["approved", "rejected"]))
        ).all()
        assert len(decisions) == 1


def test_bad_signature_and_stale_timestamp_are_401_and_store_nothing(app):
    from drafting import draft_values as values
    from slack_signing import sign

    payload = app.slack.view_submission_payload(OPERATOR, "draft_submit", values())
    from urllib.parse import urlencode

    body = urlencode({"payload": json.dumps(payload)})
    bad = app.slack.post(body, signature="v0=" + "0" * 64)
    old_ts = int(time.time()) - 600
    stale = app.slack.post(
        body, timestamp=old_ts, signature=sign("test-signing-secret", old_ts, body)
    )
    assert bad.status_code == 401 and stale.status_code == 401
    assert "Traceback" not in bad.text + stale.text
    time.sleep(0.3)
    with app.services.session_factory() as session:
        assert (
            session.execute(
                select(RegisterEntry).where(RegisterEntry.action == "submitted")
            ).first()
            is None
        )
    assert not app.fake.calls("chat.postMessage")


def test_healthz(app):
    import requests

    assert requests.get(f"{app.base}/healthz", timeout=5).status_code == 200
