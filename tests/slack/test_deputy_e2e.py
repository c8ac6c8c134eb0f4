"""The chief names, changes and removes the deputy from App Home; nobody else can."""

from __future__ import annotations

from conftest import CHIEF, OPERATOR, OPERATOR2, STRANGER, roster_entries
from slack_sdk.models.views import View

from bot.people import roles


def home_of(app, user_id: str) -> dict:
    app.slack.event({"type": "app_home_opened", "user": user_id, "tab": "home", "channel": "D1"})
    calls = app.fake.wait_for("views.publish", where=lambda c: c.params["user_id"] == user_id)
    return calls[-1].params["view"]


def pick(app, user_id: str, chosen: str, view: dict):
    return app.slack.block_action(
        user_id, "name_deputy", block_id="deputy", view=view, action_type="users_select",
        selected={"selected_user": chosen},
    )  # fmt: skip


def deputies(app) -> list[str]:
    with app.services.session_factory() as session:
        return roles.deputies(session)


def test_the_chief_names_changes_and_removes_the_deputy_from_app_home(app):
    view = home_of(app, CHIEF)
    assert View(**view).to_dict() == view  # valid Block Kit
    [picker] = [e for b in view["blocks"] if b.get("block_id") == "deputy" for e in b["elements"]]
    assert picker["type"] == "users_select" and picker["action_id"] == "name_deputy"
    assert "代決者はいません" in str(view["blocks"])

    assert pick(app, CHIEF, OPERATOR, view).status_code == 200
    app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == OPERATOR)
    told = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)
    assert f"<@{OPERATOR}> を代決者にしました" in told[-1].params["text"]
    assert deputies(app) == [OPERATOR]
    home = app.fake.wait_for(
        "views.publish", where=lambda c: f"現在の代決者: <@{OPERATOR}>" in str(c.params["view"])
    )[-1].params["view"]
    [picker] = [e for b in home["blocks"] if b.get("block_id") == "deputy" for e in b["elements"]][
        :1
    ]
    assert picker["initial_user"] == OPERATOR

    pick(app, CHIEF, OPERATOR2, home)
    app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == OPERATOR2)
    assert deputies(app) == [OPERATOR2]
    app.slack.block_action(CHIEF, "clear_deputy", "none", block_id="deputy", view=home)
    app.fake.wait_for("chat.postMessage", where=lambda c: "代決者を外しました" in c.params["text"])
    assert deputies(app) == []
    assert roster_entries(app.services.session_factory) == [
        {"actor": CHIEF, "action": "role_changed", "user": OPERATOR, "before": "operator",
         "after": "deputy", "platform": "slack"},
        {"actor": CHIEF, "action": "role_changed", "user": OPERATOR, "before": "deputy",
         "after": "operator", "platform": "slack"},
        {"actor": CHIEF, "action": "role_changed", "user": OPERATOR2, "before": "operator",
         "after": "deputy", "platform": "slack"},
        {"actor": CHIEF, "action": "role_changed", "user": OPERATOR2, "before": "deputy",
         "after": "operator", "platform": "slack"},
    ]  # fmt: skip


def test_only_the_chief_may_and_only_operators_can_be_named(app):
    view = home_of(app, OPERATOR)
    assert "name_deputy" not in str(view["blocks"])  # nobody else sees the picker
    pick(app, OPERATOR, OPERATOR, view)
    told = app.fake.wait_for("chat.postMessage", where=lambda c: "課長だけ" in c.params["text"])
    assert told[-1].params["channel"] == OPERATOR
    pick(app, CHIEF, STRANGER, home_of(app, CHIEF))
    app.fake.wait_for(
        "chat.postMessage", where=lambda c: "運用者として登録されていない" in c.params["text"]
    )
    assert deputies(app) == []
    assert roster_entries(app.services.session_factory) == [
        {"actor": OPERATOR, "action": "refused", "attempted": "name_deputy", "role": "operator",
         "platform": "slack"},
    ]  # fmt: skip
