"""Signed end to end: the policy's remaining words in Slack (§12 `/sns policy`)."""

from __future__ import annotations

from dataclasses import replace

from conftest import OPERATOR, running_app

POLICY_URL = "https://www.city.wako.lg.jp/wakolabo/sns-policy.html"


def test_sns_policy_shows_the_dates_and_where_it_is_published(settings, fake_slack):
    with running_app(replace(settings, policy_url=POLICY_URL), fake_slack) as app:
        text = app.slack.command(OPERATOR, "policy").json()["text"]
    assert "平成29年3月16日決裁、令和元年9月5日改定" in text
    assert f"方針の全文: {POLICY_URL}" in text
    assert "回答しません" in text  # the summary stays


def test_sns_policy_says_when_the_published_address_is_not_set(app):
    text = app.slack.command(OPERATOR, "policy").json()["text"]
    assert "平成29年3月16日決裁、令和元年9月5日改定" in text
    assert "SNSBOT_POLICY_URL の設定を依頼してください" in text


# -- §4 the URL rule for every source ---------------------------------------------------------


def test_the_form_asks_whether_new_information_is_on_the_internet(app):
    from drafting import draft_values

    app.slack.command(OPERATOR, "")
    view = app.fake.wait_for("views.open")[0].params["view"]
    question = next(b for b in view["blocks"] if b.get("block_id") == "on_internet")
    assert question["label"]["text"] == "この情報はインターネット上に掲載されていますか"
    assert [o["value"] for o in question["element"]["options"]] == ["yes", "no"]
    for source in ("new", "other"):
        yes = app.slack.view_submission(OPERATOR, "draft_submit",
                                        draft_values(source=source, on_internet="yes"))  # fmt: skip
        assert yes.json() == {
            "response_action": "errors",
            "errors": {
                "url": "インターネット上に掲載されている情報は、その URL を入力してください（方針 4）。"
            },
        }
        unanswered = app.slack.view_submission(
            OPERATOR, "draft_submit", draft_values(source=source, on_internet=None)
        )
        assert unanswered.json()["errors"] == {"on_internet": "この情報がインターネット上に掲載されて"
                                               "いるかどうかを選んでください（方針 4）。"}  # fmt: skip
    url = "https://www.city.wako.lg.jp/wakolabo/event.html"
    stored = app.slack.view_submission(
        OPERATOR, "draft_submit", draft_values(source="new", on_internet="yes", url=url)
    )
    assert stored.status_code == 200 and "errors" not in (stored.json() if stored.text else {})
    card = app.fake.wait_for("chat.postMessage", where=lambda c: "決裁依頼" in c.params["text"])
    assert url in str(card[0].params["blocks"])


# -- §6 people who leave ----------------------------------------------------------------------


def test_a_deactivated_member_loses_the_role_and_rotation_opens(app):
    from conftest import CHIEF, OPERATOR2
    from processes import wait_until
    from sqlalchemy import select

    from bot.models import RegisterEntry, RotationTask
    from bot.people import roles

    def user(user_id, deleted):
        return {"type": "user_change", "user": {"id": user_id, "team_id": "T0TEST", "deleted": deleted,
                                                "name": "someone", "profile": {}}}  # fmt: skip

    assert app.slack.event(user(OPERATOR2, False)).status_code == 200  # a profile edit
    assert app.slack.event(user("UNOTONROSTER", True)).status_code == 200  # not ours
    with app.services.session_factory() as session:
        assert roles.role_of(session, OPERATOR2) == "operator"
        assert session.execute(select(RotationTask)).first() is None
    assert app.slack.event(user(OPERATOR2, True)).status_code == 200

    def role():
        with app.services.session_factory() as session:
            return roles.role_of(session, OPERATOR2)

    wait_until(lambda: role() is None, 10, "the role ended")  # Bolt runs it after the ack
    assert app.slack.event(user(OPERATOR2, True)).status_code == 200  # told again: once
    app.slack.event({"type": "app_home_opened", "user": CHIEF, "tab": "home", "channel": "D1"})
    app.fake.wait_for("views.publish")  # events are handled in order: the repeat is done
    with app.services.session_factory() as session:
        tasks = session.execute(select(RotationTask)).scalars().all()
        assert {t.account for t in tasks} == {"x", "facebook", "blog", "slack"}
        entries = session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars()
        said = [(e.action, e.actor, e.details.get("how")) for e in entries
                if e.actor != "bootstrap"]  # fmt: skip
    assert said == [("member_left", "slack", "deactivated"), ("role_changed", "slack", None),
                    ("rotation_opened", "slack", None)]  # fmt: skip
    app.runtime.dispatcher.housekeeping()  # the chief hears of the tasks at once
    app.fake.wait_for("chat.postMessage",
                      where=lambda c: c.params["channel"] == CHIEF and "方針 6" in c.params["text"])  # fmt: skip
