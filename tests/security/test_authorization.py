"""Who may do what to a draft (also 代決), who may change roles, and forged forms refused."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from conftest import CHIEF, STRANGER
from drafting import draft_values
from processes import snsbot_env, wait_until
from security_setup import (
    ROLE_NAMES,
    ROLES,
    app_with_deputy,
    card_for,
    chief_away,
    count,
    new_draft,
    reply,
)
from sqlalchemy import select, update

from bot import register
from bot.approval import deciding, workflow
from bot.models import FAILED, Decision, Draft, Publication, RegisterEntry, Revision
from bot.people import roles

app = app_with_deputy  # this module's own running app, shared by its tests


ALLOWED = {
    "approve": {"chief"},
    "reject": {"chief"},
    "edit": {"chief"},
    "withdraw": {"operator_author"},
    "retry": {"chief", "operator_author"},
    "cancel": {"chief"},
    "resubmit": {"operator_author"},
}


def approved(app, *, failed: str | None = None, publish_in: timedelta | None = None) -> int:
    """An approved draft: with one channel failed for good, or scheduled for later."""
    now = app.services.clock()
    draft_id = new_draft(app.services, publish_at=now + publish_in if publish_in else None)
    with app.services.session_factory.begin() as session:
        outcome = workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=True, now=now)
        assert outcome.result == deciding.DONE
        if failed:
            session.execute(
                update(Publication)
                .where(Publication.draft_id == draft_id, Publication.channel == failed)
                .values(status=FAILED, error="テスト用の失敗", attempts=8)
            )
    return draft_id


def rejected(app) -> int:
    draft_id = new_draft(app.services)
    with app.services.session_factory.begin() as session:
        workflow.decide(
            session,
            draft_id=draft_id,
            actor=CHIEF,
            approve=False,
            reason="日付を直してください",
            now=app.services.clock(),
        )
    return draft_id


SETUP = {
    "approve": lambda app: new_draft(app.services),
    "reject": lambda app: new_draft(app.services),
    "edit": lambda app: new_draft(app.services),
    "withdraw": lambda app: new_draft(app.services),
    "retry": lambda app: approved(app, failed="x"),
    "cancel": lambda app: approved(app, publish_in=timedelta(hours=2)),
    "resubmit": rejected,
}


def click(app, user: str, action: str, draft_id: int):
    """Click `action` on the draft's card (or DM) as `user`; returns its private response_url."""
    response_url = app.fake.response_url(f"matrix-{action}")
    trigger_id = f"{time.monotonic_ns()}.1.matrix"
    response = app.slack.block_action(
        user,
        action,
        str(draft_id),
        block_id="card_actions:1",
        response_url=response_url,
        trigger_id=trigger_id,
    )
    assert response.status_code == 200
    return response_url, trigger_id


def opened_modal(app, trigger_id: str) -> dict:
    calls = app.fake.wait_for(
        "views.open", where=lambda c: c.params["trigger_id"] == trigger_id, timeout=10
    )
    return calls[0].params["view"]


def refusals(app, draft_id: int) -> list[tuple[str, str, str]]:
    with app.services.session_factory() as session:
        rows = session.execute(
            select(RegisterEntry.actor, RegisterEntry.details).where(
                RegisterEntry.action == "refused", RegisterEntry.draft_id == draft_id
            )
        ).all()
    return [(actor, details["attempted"], details["role"]) for actor, details in rows]


def status(app, draft_id: int) -> str:
    with app.services.session_factory() as session:
        return session.get(Draft, draft_id).status


def submit_form(app, user: str, metadata: str, body: str = "直した本文です。"):
    return app.slack.view_submission(
        user, "draft_submit", draft_values(body=body), private_metadata=metadata
    )


def assert_allowed(app, action: str, user: str, draft_id: int) -> None:
    response_url, trigger_id = click(app, user, action, draft_id)
    if action == "approve":
        wait_until(lambda: status(app, draft_id) == "approved", 10, "the approval")
        assert count(app, Decision, Decision.draft_id == draft_id) == 1
    elif action == "reject":
        view = opened_modal(app, trigger_id)
        assert view["callback_id"] == "reject_submit"
        reason = {"reason": {"reason": {"type": "plain_text_input", "value": "理由"}}}
        answer = app.slack.view_submission(
            user, "reject_submit", reason, private_metadata=view["private_metadata"]
        )
        assert answer.text == "" and status(app, draft_id) == "rejected"
    elif action in ("edit", "resubmit"):
        view = opened_modal(app, trigger_id)
        answer = submit_form(app, user, view["private_metadata"])
        assert answer.status_code == 200 and answer.text == "", answer.text
        with app.services.session_factory() as session:
            draft = session.get(Draft, draft_id)
            assert draft.revision == 2 and draft.status == "pending"
            assert draft.current.created_by == user
    elif action == "withdraw":
        assert "取り下げました" in reply(app, response_url)
        assert status(app, draft_id) == "withdrawn"
    elif action == "retry":
        assert "再送します" in reply(app, response_url)
        wait_until(
            lambda: count(app, Publication, Publication.draft_id == draft_id,
                          Publication.status == FAILED) == 0,
            10,
            "the failed channel to be queued again",
        )  # fmt: skip
    elif action == "cancel":
        assert "取り消しました" in reply(app, response_url)
        assert count(app, Publication, Publication.draft_id == draft_id,
                     Publication.status == "cancelled") == 2  # fmt: skip
    assert refusals(app, draft_id) == []


def assert_refused(app, action: str, role: str, user: str, draft_id: int) -> None:
    before = status(app, draft_id)
    response_url, trigger_id = click(app, user, action, draft_id)
    text = reply(app, response_url)
    assert "だけ" in text, text  # 課長だけ / 起案者だけ / 起案者か課長だけ
    recorded = [(user, action, ROLE_NAMES[role])]
    wait_until(lambda: refusals(app, draft_id) == recorded, 10, "the refusal in the register")
    assert not app.fake.calls("views.open") or all(
        c.params["trigger_id"] != trigger_id for c in app.fake.calls("views.open")
    )
    # Forging the modal the button would have opened is refused and recorded too.
    if action in ("edit", "resubmit"):
        metadata = json.dumps({"mode": action, "draft": draft_id})
        answer = submit_form(app, user, metadata).json()
        assert answer["response_action"] == "errors", answer
        if role == "no_role":  # refused as not an operator, and recorded
            assert "運用者として登録されていません" in answer["errors"]["body"]
        else:
            assert "だけ" in answer["errors"]["body"], answer
        recorded.append((user, action, ROLE_NAMES[role]))
    elif action == "reject":
        reason = {"reason": {"reason": {"type": "plain_text_input", "value": "偽の理由"}}}
        metadata = json.dumps({"draft": draft_id, "revision": 1})
        answer = app.slack.view_submission(user, "reject_submit", reason,
                                           private_metadata=metadata).json()  # fmt: skip
        assert answer["response_action"] == "errors" and "課長だけ" in answer["errors"]["reason"]
        recorded.append((user, "reject", ROLE_NAMES[role]))
    assert refusals(app, draft_id) == recorded
    assert status(app, draft_id) == before
    assert count(app, Revision, Revision.draft_id == draft_id) == 1


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", list(ALLOWED))
def test_authorization_matrix(app, action, role):
    app.fake.clear()
    draft_id = SETUP[action](app)
    if role in ALLOWED[action]:
        assert_allowed(app, action, ROLES[role], draft_id)
    else:
        assert_refused(app, action, role, ROLES[role], draft_id)


# -- the matrix while the chief is away (代決) --------------------------------------------------

DECIDING = ("approve", "reject", "edit", "retry", "cancel")  # deciding.may_decide
ALLOWED_WHILE_AWAY = {
    action: who | {"deputy"} if action in DECIDING else who for action, who in ALLOWED.items()
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", list(ALLOWED))
def test_authorization_matrix_deputy_while_the_chief_is_away(app, action, role):
    """The matrix again with the chief away: the deputy decides for the chief (代決), recorded as
    acting, and the chief still may. The deputy with the chief present is the `deputy` column
    of test_authorization_matrix: refused, and recorded."""
    app.fake.clear()
    user = ROLES[role]
    with chief_away(app):
        draft_id = SETUP[action](app)
        if role not in ALLOWED_WHILE_AWAY[action]:
            assert_refused(app, action, role, user, draft_id)
            return
        if action in ("approve", "reject", "edit"):  # the card reaches each who may decide now
            wait_until(lambda: card_for(app, user, "approve", str(draft_id)), 10, "the card")
        assert_allowed(app, action, user, draft_id)
    if action in ("approve", "reject"):
        with app.services.session_factory() as session:
            decision = session.execute(select(Decision).where(Decision.draft_id == draft_id))
            (decision,) = decision.scalars().all()
        assert (decision.decided_by, decision.acting) == (user, role == "deputy")


# -- role changes: the admin CLI only -------------------------------------------------------------

NEWCOMER = "UNEWCOMER1"
ROLE_LIKE = [  # what someone might type in Slack hoping to change the roster
    "roles set {stranger} chief",
    "roles set {chief} none",
    "roles set {me} deputy",
    "roles list",
    "role chief",
    "chief",
    "deputy {me}",
    "operator {stranger}",
    "admin roles set {me} chief",
    "課長 {me}",
    "away on",
    "away off",
]


def roster(app) -> list[tuple[str, str, bool]]:
    with app.services.session_factory() as session:
        return [(m.user_id, m.role, m.away) for m in roles.members(session)]


def test_authorization_matrix_role_change(app, tmp_path):
    """No Slack command, button or form changes the roster, whoever sends it; `snsbot roles set`
    does, and the register records who changed what, from which role to which."""
    before = roster(app)
    roster_entries = (RegisterEntry.action.in_(("role_changed", "away_on", "away_off")),)
    changes = count(app, RegisterEntry, *roster_entries)
    for role, user in ROLES.items():
        for text in ROLE_LIKE:
            if role == "chief" and text.startswith("away"):
                continue  # the chief's own absence: not a role (see the 代決 rows above)
            text = text.format(stranger=STRANGER, chief=CHIEF, me=user)
            answer = app.slack.command(user, text)
            assert answer.status_code == 200, text
            assert answer.json()["response_type"] == "ephemeral", text
        forged_button = app.slack.block_action(user, "roles_set", f"{STRANGER}:chief")
        assert forged_button.status_code == 404  # no listener: nothing in Slack sets a role
        role_form = {"role": {"role": {"type": "static_select",
                                       "selected_option": {"value": "chief"}}}}  # fmt: skip
        assert app.slack.view_submission(user, "roles_submit", role_form).status_code == 404
    time.sleep(0.3)  # anything a request had started would show by now
    assert roster(app) == before
    assert count(app, RegisterEntry, *roster_entries) == changes

    assert "運用者として登録されていません" in app.slack.command(NEWCOMER, "status").json()["text"]
    env = snsbot_env(app.services.settings.database_url, app.fake)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "roles", "set", NEWCOMER, "operator"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    with app.services.session_factory() as session:
        (entry,) = session.execute(
            select(RegisterEntry).where(*roster_entries).order_by(RegisterEntry.seq.desc()).limit(1)
        ).scalars()
        assert (entry.actor, entry.action) == ("cli", "role_changed")
        assert {k: entry.details[k] for k in ("user", "before", "after")} == {
            "user": NEWCOMER, "before": "none", "after": "operator"}  # fmt: skip
        assert register.verify(session) == []
    assert roster(app) == sorted(
        [*before, (NEWCOMER, "operator", False)], key=lambda m: (m[1], m[0])
    )
    assert count(app, RegisterEntry, *roster_entries) == changes + 1
    assert (
        "運用者として登録されていません" not in app.slack.command(NEWCOMER, "status").json()["text"]
    )


@pytest.mark.parametrize("mode", ["edit", "resubmit"])
def test_a_forged_revision_form_from_someone_without_a_role_is_recorded(app, mode):
    draft_id = new_draft(app.services) if mode == "edit" else rejected(app)
    answer = submit_form(app, STRANGER, json.dumps({"mode": mode, "draft": draft_id})).json()
    assert answer["response_action"] == "errors"
    assert refusals(app, draft_id) == [(STRANGER, mode, "none")]
