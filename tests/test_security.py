"""Security: signing, one app for HTTP and Socket Mode, who may do what, secrets, no fetching.

Item 9: a request with a bad or missing signature, or a timestamp more than five minutes away,
is answered 401 and changes nothing; Socket Mode serves the very same Bolt app (same listeners,
same role checks). Item 10: every action × every role, where only the allowed cells succeed and
every refusal is written to the register as `refused`, with the actor and the attempted action.
Item 11: the full flow at DEBUG level leaves no token, password or secret in the logs, the chat
messages, the database or the error messages. Item 12: the bot never fetches a URL typed into
a draft, and downloads files only from Slack's file URLs (asked of files.info) with its token.
"""

from __future__ import annotations

import base64
import contextlib
import inspect
import itertools
import json
import logging
import re
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
import requests
from conftest import CHIEF, OPERATOR, OPERATOR2, SECRET, STRANGER, TOKEN, running_app
from drafting import card_button, draft_values
from fakes import graph_api, wordpress
from fakes.moderation_fakes import ModerationGraph
from fakes.socket_mode import FakeSocketMode
from processes import platform_fakes, shared_app, snsbot_env, wait_until
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_signing import FORM, JSON, SignedSlackClient, sign
from sqlalchemy import MetaData, func, select, update

from bot import db, engagement, moderation, register, roles, workflow
from bot import serve as serving
from bot.app import assemble, serve_socket_mode, slack_http_server
from bot.drafts import DraftInput
from bot.engagement import APPROVED_STATES
from bot.engagement_targets import parse
from bot.identity import check_accounts
from bot.models import (
    FAILED,
    Decision,
    Draft,
    Engagement,
    ModerationItem,
    Publication,
    RegisterEntry,
    Revision,
)
from bot.networks import build_performers
from bot.ports import BLOCK, DELETE, DISMISS, HIDE
from bot.services import utc_now
from handlers.slack import server
from handlers.slack.engagement import SlackEngagementNotifier
from handlers.slack.moderation import SlackModerationNotifier
from handlers.slack.moderation_blocks import ACTION_IDS, category_label
from handlers.slack.server import HttpServer

DEPUTY = "UDEPUTY01"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory, pg_template):
    with shared_app(request.param, tmp_path_factory.mktemp("security"), pg_template) as running:
        with running.services.session_factory.begin() as session:
            roles.set_role(session, DEPUTY, "deputy", actor="cli", now=running.services.clock())
        yield running


def count(app, model, *where) -> int:
    with app.services.session_factory() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def new_draft(services, author: str = OPERATOR, **content) -> int:
    fields = {"body": f"権限試験の下書き {time.monotonic_ns()}", "channels": ("x", "blog")}
    with services.session_factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=author,
            content=DraftInput(**{**fields, **content}),
            now=services.clock(),
        )
    return draft.id


def quiet(app, still: float = 0.3, timeout: float = 10.0) -> None:
    """Wait until the app has made no Slack call for `still` seconds."""
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline:
        now_seen = len(app.fake.calls())
        if now_seen == seen:
            return
        seen = now_seen
        time.sleep(still)


# ---------------------------------------------------------------------- signing (item 9)


def _bad_variants(body: str) -> list[tuple[str, dict[str, str]]]:
    """(what is wrong, the headers sent): every way a request can fail the signature check."""
    now = int(time.time())
    good = sign(SECRET, now, body)
    old, future = now - 301, now + 601

    def headers(timestamp, signature) -> dict[str, str]:
        found = {}
        if timestamp is not None:
            found["X-Slack-Request-Timestamp"] = str(timestamp)
        if signature is not None:
            found["X-Slack-Signature"] = signature
        return found

    return [
        ("a wrong signature", headers(now, "v0=" + "0" * 64)),
        ("signed with another secret", headers(now, sign("not-the-secret", now, body))),
        ("the signature of another body", headers(now, sign(SECRET, now, body + "&x=1"))),
        ("the signature without its v0=", headers(now, good[3:])),
        ("another scheme", headers(now, "v1=" + good[3:])),
        ("an uppercase signature", headers(now, good.upper())),
        ("no signature", headers(now, None)),
        ("an empty signature", headers(now, "")),
        ("no timestamp", headers(None, good)),
        ("no headers at all", headers(None, None)),
        ("a timestamp 301 s old", headers(old, sign(SECRET, old, body))),
        ("a timestamp 10 minutes ahead", headers(future, sign(SECRET, future, body))),
        ("a timestamp that is not a number", headers("soon", sign(SECRET, "soon", body))),
        ("the signature of another timestamp", headers(now - 1, good)),
    ]


def _requests(app, draft_id: int) -> dict[str, tuple[str, str]]:
    """(body, content type) of a request of each kind that would change something if accepted."""
    slack = app.slack
    approve = slack.block_action_payload(
        CHIEF, "approve", str(draft_id), block_id="card_actions:1", channel_id=f"D{CHIEF}"
    )
    return {
        "slash command": (
            urlencode(
                {
                    "command": "/sns",
                    "user_id": OPERATOR,
                    "text": "draft 署名なし",
                    "trigger_id": "1.2.3",
                    "response_url": app.fake.response_url("c"),
                }
            ),
            FORM,
        ),
        "draft submission": (
            urlencode(
                {
                    "payload": json.dumps(
                        slack.view_submission_payload(
                            OPERATOR, "draft_submit", draft_values(body="署名のない下書き")
                        )
                    )
                }
            ),
            FORM,
        ),
        "approve click": (urlencode({"payload": json.dumps(approve)}), FORM),
        "event": (
            json.dumps(
                {
                    "type": "event_callback",
                    "event_id": "Ev0SIGN",
                    "team_id": "T0TEST",
                    "event": {"type": "app_home_opened", "user": CHIEF, "tab": "home"},
                }
            ),
            JSON,
        ),
    }


@pytest.mark.parametrize("kind", ["slash command", "draft submission", "approve click", "event"])
def test_unsigned_or_stale_requests_are_401_and_change_nothing(app, kind):
    draft_id = new_draft(app.services)
    body, content_type = _requests(app, draft_id)[kind]
    quiet(app)  # whatever the previous test set going has finished
    entries, drafts = count(app, RegisterEntry), count(app, Draft)
    slack_calls = len(app.fake.calls())
    for problem, headers in _bad_variants(body):
        response = requests.post(
            app.slack.url,
            data=body.encode(),
            headers={"Content-Type": content_type, **headers},
            timeout=10,
        )
        assert response.status_code == 401, problem
        assert "Traceback" not in response.text and "invalid" in response.text, problem
    time.sleep(0.3)  # anything a request had started would show by now
    assert count(app, RegisterEntry) == entries
    assert count(app, Draft) == drafts
    assert count(app, Decision, Decision.draft_id == draft_id) == 0
    new_calls = [c.method for c in app.fake.calls()[slack_calls:]]
    assert new_calls == [], new_calls
    # The same request, correctly signed, does get through: the check, not the request, refused.
    assert app.slack.post(body, content_type).status_code == 200


def test_a_request_290_seconds_old_is_still_accepted(app):
    timestamp = int(time.time()) - 290
    body = urlencode({"command": "/sns", "user_id": STRANGER, "text": "help",
                      "trigger_id": "1.2.3", "response_url": app.fake.response_url("c")})  # fmt: skip
    response = app.slack.post(body, timestamp=timestamp, signature=sign(SECRET, timestamp, body))
    assert response.status_code == 200 and "/sns" in response.json()["text"]


def test_socket_mode_and_http_serve_the_same_app_with_the_same_checks(settings, fake_slack):
    """One runtime served both ways at once: the same answers, and refusals recorded both ways."""
    settings = replace(settings, slack_app_token="xapp-1-test")
    with FakeSocketMode() as socket_mode:
        fake_slack.app_token, fake_slack.socket_mode_url = "xapp-1-test", socket_mode.url
        runtime = assemble(settings)
        http = HttpServer(runtime.app, SECRET, port=0)
        handler = SocketModeHandler(runtime.app, settings.slack_app_token)  # as `snsbot run`
        http.start()
        client = SignedSlackClient(f"http://127.0.0.1:{http.port}/slack/events", SECRET, fake_slack)
        try:
            handler.connect()
            assert socket_mode.connected.wait(5)
            draft_id = new_draft(runtime.services)
            command = {"command": "/sns", "user_id": STRANGER, "text": "", "channel_id": "C0",
                       "team_id": "T0TEST", "trigger_id": "1.2.3"}  # fmt: skip
            over_http = client.command(STRANGER, "").json()
            ack = socket_mode.wait_for_ack(
                socket_mode.send_envelope(
                    "slash_commands", {**command, "response_url": fake_slack.response_url("sm")}
                )
            )
            assert ack["payload"]["text"] == over_http["text"]
            assert "運用者として登録されていません" in over_http["text"]
            approve = client.block_action_payload(
                STRANGER, "approve", str(draft_id), block_id="card_actions:1"
            )
            client.post_payload(approve)
            socket_mode.wait_for_ack(socket_mode.send_envelope("interactive", approve))
            replies = fake_slack.wait_for("response_url", count=2, timeout=10)
            assert {c.params["text"] for c in replies} == {runtime.services.msg("refuse.not_chief")}
            with runtime.services.session_factory() as session:
                refused = session.execute(
                    select(RegisterEntry.actor, RegisterEntry.details).where(
                        RegisterEntry.action == "refused"
                    )
                ).all()
            assert [(actor, details["attempted"]) for actor, details in refused] == [
                (STRANGER, "approve"),
                (STRANGER, "approve"),
            ]
            # Socket Mode needs no signature (the WebSocket is opened with the app token);
            # the HTTP edge refuses an unsigned copy of the same click.
            unsigned = requests.post(
                client.url,
                data=urlencode({"payload": json.dumps(approve)}),
                headers={"Content-Type": FORM},
                timeout=10,
            )
            assert unsigned.status_code == 401
        finally:
            client.close()
            handler.client.closed = True
            handler.client.message_queue.put(None)
            handler.close()
            http.stop()
            runtime.app.listener_runner.listener_executor.shutdown(wait=True)
            runtime.services.engine.dispose()


def test_the_bolt_app_checks_no_signature_itself_so_only_the_edge_may_serve_http():
    """Bolt's own verification is off (the edge does it): snsbot must not serve Bolt directly."""
    assert "request_verification_enabled=False" in inspect.getsource(server.create_bolt_app)
    run = inspect.getsource(serving.cmd_run)
    serve = "".join(
        inspect.getsource(f) for f in (serving._serve_slack, slack_http_server, serve_socket_mode)
    )
    assert "_serve_slack(runtime" in run  # `snsbot run`, also `run --teams --slack`
    assert re.search(r"server\.HttpServer\(\s*runtime\.app", serve)
    assert "serve_socket_mode(runtime.app" in serve
    assert "events_app(app, signing_secret," in inspect.getsource(server.HttpServer)


# ---------------------------------------------------------------------- the matrix (item 10)

ROLES = {
    "chief": CHIEF,
    "deputy": DEPUTY,
    "operator_author": OPERATOR,
    "operator_other": OPERATOR2,
    "no_role": STRANGER,
}
ALLOWED = {
    "approve": {"chief"},
    "reject": {"chief"},
    "edit": {"chief"},
    "withdraw": {"operator_author"},
    "retry": {"chief", "operator_author"},
    "cancel": {"chief"},
    "resubmit": {"operator_author"},
}
ROLE_NAMES = {"chief": "chief", "deputy": "deputy", "operator_author": "operator",
              "operator_other": "operator", "no_role": "none"}  # fmt: skip


def approved(app, *, failed: str | None = None, publish_in: timedelta | None = None) -> int:
    """An approved draft: with one channel failed for good, or scheduled for later."""
    now = app.services.clock()
    draft_id = new_draft(app.services, publish_at=now + publish_in if publish_in else None)
    with app.services.session_factory.begin() as session:
        outcome = workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=True, now=now)
        assert outcome.result == workflow.DONE
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


def reply(app, response_url: str, timeout: float = 10.0) -> str:
    calls = app.fake.wait_for(
        "response_url", where=lambda c: c.path in response_url, timeout=timeout
    )
    assert calls[0].params["response_type"] == "ephemeral"
    return calls[0].params["text"]


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

_numbers = itertools.count(1)  # unique targets, comments and poll times
DECIDING = ("approve", "reject", "edit", "retry", "cancel")  # workflow.may_decide
ALLOWED_WHILE_AWAY = {
    action: who | {"deputy"} if action in DECIDING else who for action, who in ALLOWED.items()
}


@contextlib.contextmanager
def chief_away(app):
    """The chief marks themselves away with `/sns away on`, and comes back afterwards."""
    answer = app.slack.command(CHIEF, "away on").json()["text"]
    assert "代決できます" in answer and DEPUTY in answer, answer
    try:
        yield
    finally:
        assert "戻りました" in app.slack.command(CHIEF, "away off").json()["text"]


def card_for(app, user: str, action_id: str, value: str):
    """The message to `user` that carries the button `action_id` with `value`, if it came."""
    for call in app.fake.calls("chat.postMessage"):
        if call.params.get("channel") != user:
            continue
        for block in call.params.get("blocks") or []:
            for element in block.get("elements", []):
                if element.get("action_id") == action_id and element.get("value") == value:
                    return call
    return None


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


# -- engagement approval (policy §7, §8) ---------------------------------------------------------

ENGAGE = {"approve": "engagement_approve", "reject": "engagement_reject"}


def new_engagement(services) -> int:
    """A follow requested by the operator (the `operator_author` of the matrix)."""
    with services.session_factory.begin() as session:
        target, problem = parse("follow", f"@wako_npo{next(_numbers)}")
        assert problem is None
        item = engagement.request(
            session, requester_id=OPERATOR, kind="follow", target=target,
            category="civic_group", official_confirmed=True, now=services.clock(),
        )  # fmt: skip
        return item.id


def deliver_engagement_cards(app) -> None:
    """What the dispatcher's engagement poller does: post the cards and notices owed."""
    services = app.services
    notifier = SlackEngagementNotifier(server.web_client(services), services.msg)
    performers = build_performers(services.settings)
    engagement.perform_due(
        services.session_factory, performers, notifier, services.msg, services.clock
    )


def engagement_card(app, user: str, engagement_id: int):
    def arrived():
        deliver_engagement_cards(app)
        return card_for(app, user, ENGAGE["approve"], str(engagement_id))

    wait_until(arrived, 10, f"the engagement card to {user}")
    return card_for(app, user, ENGAGE["approve"], str(engagement_id))


def engagement_register(app, engagement_id: int) -> list[tuple]:
    with app.services.session_factory() as session:
        rows = session.execute(
            select(RegisterEntry)
            .where(RegisterEntry.action.like("engagement_%"))
            .order_by(RegisterEntry.seq)
        ).scalars()
        return [
            (e.action, e.actor, e.details.get("attempted"), e.details.get("role"))
            for e in rows
            if e.details.get("engagement") == engagement_id
        ]


def engagement_status(app, engagement_id: int) -> str:
    with app.services.session_factory() as session:
        return session.get(Engagement, engagement_id).status


@pytest.mark.parametrize("presence", ["chief present", "chief away"])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("decision", list(ENGAGE))
def test_authorization_matrix_engagement_approval(app, decision, role, presence):
    """Follows, retweets, likes and shares are decided like drafts: by the chief, or by the
    deputy while the chief is away (from the card the deputy then receives); any other click is
    refused privately and recorded as `engagement_refused`, and the request stays pending."""
    app.fake.clear()
    user = ROLES[role]
    away = presence == "chief away"
    allowed = role == "chief" or (role == "deputy" and away)
    with chief_away(app) if away else contextlib.nullcontext():
        engagement_id = new_engagement(app.services)
        card = engagement_card(app, user if allowed else CHIEF, engagement_id)
        if not away:
            assert card_for(app, DEPUTY, ENGAGE["approve"], str(engagement_id)) is None
        button = card_button(card, ENGAGE[decision])
        response_url = app.fake.response_url(f"matrix-engagement-{decision}")
        response = app.slack.block_action(
            user, ENGAGE[decision], button["value"], block_id=button["block_id"],
            channel_id=card.response["channel"], message_ts=card.response["ts"],
            response_url=response_url,
        )  # fmt: skip
        assert response.status_code == 200
        requested = ("engagement_requested", OPERATOR, None, None)
        if allowed:
            done = {"approve": APPROVED_STATES, "reject": ("rejected",)}[decision]
            wait_until(lambda: engagement_status(app, engagement_id) in done, 10, "the decision")
            status = "approved" if decision == "approve" else "rejected"
            assert engagement_register(app, engagement_id)[:2] == [
                requested,
                (f"engagement_{status}", user, None, None),
            ]
        else:
            assert "課長だけ" in reply(app, response_url)
            refused = ("engagement_refused", user, decision, ROLE_NAMES[role])
            wait_until(
                lambda: engagement_register(app, engagement_id) == [requested, refused],
                10,
                "the refusal in the register",
            )
            assert engagement_status(app, engagement_id) == "pending"


# -- moderation (policy §11): the chief alone, also while away ----------------------------------

MODERATION_CHANNEL = "CMODERATION"
MODERATORS = {"chief": CHIEF, "deputy": DEPUTY, "operator": OPERATOR, "no_role": STRANGER}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def inbox(request, tmp_path_factory, pg_template):
    """A shared app with a Facebook Page whose comments reach the moderation inbox."""
    with (
        ModerationGraph() as graph,
        shared_app(
            request.param,
            tmp_path_factory.mktemp("moderation"),
            pg_template,
            facebook_page_id=graph_api.PAGE_ID,
            facebook_page_token=graph_api.PAGE_TOKEN,
            facebook_graph_url=graph.base_url,
            moderation_channel=MODERATION_CHANNEL,
        ) as running,
    ):
        running.runtime.dispatcher.periodic = ()  # the test polls the inbox itself
        with running.services.session_factory.begin() as session:
            roles.set_role(session, DEPUTY, "deputy", actor="cli", now=running.services.clock())
        post = graph.add_post("和光市民まつりのお知らせ")
        yield running, graph, post["id"]


def comment_card(inbox) -> tuple[int, str, str, object]:
    """A new comment on the Page, read by the inbox: (item id, comment id, author id, its card)."""
    app, graph, post_id = inbox
    number = next(_numbers)
    author, token = str(900000 + number), f"宣伝です {number}-{time.monotonic_ns()}"
    comment = graph.add_comment(post_id, token, author, "Spam Shop")
    services = app.services
    inboxes = services.inboxes
    notifier = SlackModerationNotifier(
        server.web_client(services), services.msg, MODERATION_CHANNEL
    )
    due = datetime.now(UTC) + timedelta(hours=number)  # every poll of the test is due
    moderation.poll_once(services.session_factory, inboxes, notifier, services.msg, lambda: due)
    (card,) = [
        c for c in app.fake.calls("chat.postMessage")
        if c.params["channel"] == MODERATION_CHANNEL and token in json.dumps(
            c.params["blocks"], ensure_ascii=False)
    ]  # fmt: skip
    return int(card_button(card, ACTION_IDS[DISMISS])["value"]), comment, author, card


def moderation_register(app, item_id: int) -> list[tuple]:
    with app.services.session_factory() as session:
        rows = session.execute(
            select(RegisterEntry)
            .where(RegisterEntry.action.in_(("moderated", "refused")))
            .order_by(RegisterEntry.seq)
        ).scalars()
        return [
            (e.action, e.actor, e.details.get("decision") or e.details.get("attempted"),
             e.details.get("role"), e.details.get("category"))
            for e in rows if e.details.get("item_id") == item_id
        ]  # fmt: skip


def item_status(app, item_id: int) -> str:
    with app.services.session_factory() as session:
        return session.get(ModerationItem, item_id).status


@pytest.mark.parametrize("presence", ["chief present", "chief away"])
@pytest.mark.parametrize("role", list(MODERATORS))
@pytest.mark.parametrize("action", [DISMISS, HIDE, DELETE, BLOCK])
def test_authorization_matrix_moderate(inbox, action, role, presence):
    """Only the chief hides, deletes or blocks (or marks 問題なし), with a category, also while
    away: the deputy does not act for the chief here. Refusals are recorded; the Page is
    untouched until the chief decides."""
    app, graph, _ = inbox
    app.fake.clear()
    user = MODERATORS[role]
    with chief_away(app) if presence == "chief away" else contextlib.nullcontext():
        item_id, comment, author, card = comment_card(inbox)
        button = card_button(card, ACTION_IDS[action])
        response_url = app.fake.response_url(f"matrix-moderate-{action}")
        payload = app.slack.block_action_payload(
            user, button["action_id"], button["value"], block_id=button["block_id"],
            channel_id=card.response["channel"], message_ts=card.response["ts"],
            response_url=response_url,
        )  # fmt: skip
        category = None if action == DISMISS else 5
        if category:  # chosen on the card first, as the chief must (policy §11)
            option = {"text": {"type": "plain_text", "text": category_label(category)},
                      "value": str(category)}  # fmt: skip
            block_id = f"moderation_category:{item_id}"
            payload["state"] = {"values": {block_id: {"moderation_category": {
                "type": "static_select", "selected_option": option}}}}  # fmt: skip
        assert app.slack.post_payload(payload).status_code == 200
        if role == "chief":
            app.fake.wait_for(
                "chat.update", where=lambda c: c.params["ts"] == card.response["ts"]
            )  # the card now shows the decision
            assert item_status(app, item_id) == moderation.DECIDED
            assert moderation_register(app, item_id) == [
                ("moderated", CHIEF, action, None, category)
            ]
        else:
            assert "課長だけ" in reply(app, response_url)
            refused = ("refused", user, action, role.replace("no_role", "none"), None)
            wait_until(
                lambda: moderation_register(app, item_id) == [refused],
                10,
                "the refusal in the register",
            )
            assert item_status(app, item_id) == moderation.NEW
    done = role == "chief"
    assert (comment not in graph.comments) == (done and action == DELETE)
    hidden = graph.comments.get(comment, {}).get("is_hidden", False)
    assert hidden == (done and action == HIDE)
    assert (author in graph.blocked) == (done and action == BLOCK)


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


# ---------------------------------------------------------------------- secrets (item 11)


def secret_values(settings) -> list[str]:
    """Every secret, also as it travels: the WordPress password unspaced and in Basic auth."""
    password = settings.wordpress_app_password
    basic = base64.b64encode(f"{settings.wordpress_user}:{password}".encode()).decode()
    return [*settings.secrets(), password.replace(" ", ""), basic]


def database_dump(engine) -> str:
    """Every row of every table, as text."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return "\n".join(
            f"{table.name}: {row}"
            for table in tables.sorted_tables
            for row in connection.execute(select(table))
        )


def leaks(secrets: list[str], **places: str) -> list[str]:
    return [f"{name} holds {secret[:6]}…" for name, text in places.items()
            for secret in secrets if secret in text]  # fmt: skip


OAUTH_LOGGERS = ("oauthlib", "requests_oauthlib")


@pytest.fixture
def oauth_loggers():
    """Lets a test set the OAuth libraries' log levels, and puts them back afterwards."""
    saved = {name: logging.getLogger(name).level for name in OAUTH_LOGGERS}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def full_flow_at_debug(settings, fake_slack, caplog, platforms) -> dict[str, str]:
    """Submit (with an image), approve, publish to the three platforms for real, one channel
    failing for good, retry it; everything logged at DEBUG. Returns every place to search."""
    caplog.set_level(logging.DEBUG)
    answers = []
    with running_app(platforms.settings(settings), fake_slack) as app:
        assert check_accounts(app.services) == {"x": None, "facebook": None, "blog": None}
        image = fake_slack.add_file(wordpress.tiny_png(), "poster.png")
        platforms.graph.fail_next(graph_api.FEED, code=190)  # the Page token "expired"
        platforms.graph.fail_next(graph_api.PHOTOS, code=190)
        values = draft_values(body="秘密の確認", url="https://example.jp/s", images=[image])
        answers.append(app.slack.view_submission(OPERATOR, "draft_submit", values))
        card = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)
        button = next(
            {**e, "block_id": b["block_id"]}
            for b in card[0].params["blocks"]
            for e in b.get("elements", [])
            if e.get("action_id") == "approve"
        )
        answers.append(
            app.slack.block_action(CHIEF, "approve", button["value"], block_id=button["block_id"])
        )
        first = fake_slack.wait_for(
            "chat.postMessage", where=lambda c: "投稿結果" in c.params["text"], timeout=20
        )[0]
        assert "❌ Facebook ページ" in first.params["text"]
        retry = next(
            e for b in first.params["blocks"] for e in b.get("elements", [])
            if e.get("action_id") == "retry"
        )  # fmt: skip
        answers.append(app.slack.block_action(OPERATOR, "retry", retry["value"]))
        fake_slack.wait_for(
            "chat.postMessage", count=2, where=lambda c: "投稿結果" in c.params["text"], timeout=20
        )
        with app.services.session_factory() as session:
            errors = session.execute(select(Publication.error)).scalars().all()
        dump = database_dump(app.services.engine)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG really was on
    return {
        "the logs": "\n".join(formatter.format(r) for r in caplog.records),
        "the chat messages": "\n".join(
            c.raw_body.decode("utf-8", "replace") + json.dumps(c.params, ensure_ascii=False)
            for c in fake_slack.calls()
        ),
        "the answers to Slack": "\n".join(a.text for a in answers),
        "the database": dump,
        "the error messages": "\n".join(e or "" for e in errors),
    }


def test_no_secret_in_logs_chat_database_or_errors_at_debug_level(
    settings, fake_slack, caplog, oauth_loggers
):
    for noisy in OAUTH_LOGGERS:  # what bot.cli.main does first (see the test below)
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with platform_fakes() as platforms:
        places = full_flow_at_debug(settings, fake_slack, caplog, platforms)
        secrets = secret_values(platforms.settings(settings))
    assert platforms.tweet_posts() and platforms.graph.feed() and platforms.blog.posts
    assert leaks(secrets, **places) == []


def test_the_composition_root_itself_keeps_oauth_secrets_out_of_debug_logs(
    settings, fake_slack, caplog, oauth_loggers
):
    for noisy in OAUTH_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.NOTSET)  # as a fresh process has them
    with platform_fakes() as platforms:
        places = full_flow_at_debug(settings, fake_slack, caplog, platforms)
        secrets = secret_values(platforms.settings(settings))
    assert leaks(secrets, logs=places["the logs"]) == []


def test_a_worker_process_logging_at_debug_shows_no_secret(tmp_path, database_url, fake_slack):
    """`snsbot worker` has no log-level flag: configure DEBUG before its main() runs."""
    factory = db.make_session_factory(db.make_engine(database_url))
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), utc_now())
    with factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=OPERATOR,
            content=DraftInput(body="ワーカーの秘密確認", channels=("x", "facebook", "blog")),
            now=utc_now(),
        )
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft.id, actor=CHIEF, approve=True, now=utc_now())
    debug_main = (
        "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
        "from bot.cli import main; sys.exit(main(['worker', '--once', '--timeout', '60']))"
    )
    with platform_fakes() as platforms:
        env = snsbot_env(database_url, fake_slack, **platforms.env())
        result = subprocess.run(
            [sys.executable, "-c", debug_main], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(platforms.tweet_posts()) == 1 and platforms.blog.posts
        output = result.stdout + result.stderr
        assert "DEBUG" in output
        secrets = [v for k, v in env.items() if k.endswith(("_KEY", "_SECRET", "_TOKEN",
                                                           "_PASSWORD"))]  # fmt: skip
    assert leaks(secrets, output=output) == []


# ---------------------------------------------------------------------- fetching (item 12)


class Recorder:
    """An HTTP server on 127.0.0.1 that records whatever reaches it (and serves a PNG)."""

    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                recorder.requests.append((self.command, self.path, dict(self.headers)))
                data = wordpress.tiny_png()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str) -> str:
        # "localhost", not 127.0.0.1: the fake Slack API host the bot trusts for files.
        return f"http://localhost:{self.server.server_address[1]}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def live(settings, fake_slack):
    with (
        platform_fakes() as platforms,
        running_app(platforms.settings(settings), fake_slack) as app,
    ):
        assert check_accounts(app.services) == {"x": None, "facebook": None, "blog": None}
        yield app, platforms


def approve_first_card(app) -> None:
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    button = next(
        {**e, "block_id": b["block_id"]} for b in card.params["blocks"]
        for e in b.get("elements", []) if e.get("action_id") == "approve"
    )  # fmt: skip
    app.slack.block_action(CHIEF, "approve", button["value"], block_id=button["block_id"])


def test_the_bot_never_fetches_a_url_typed_into_a_draft(live, recorder):
    app, platforms = live
    link = recorder.url("/event?from=draft")
    image = app.fake.add_file(wordpress.tiny_png(), "poster.png")
    # The file_input value names the recorder: the bot must ask files.info for the real URL.
    planted = {**image, "url_private": recorder.url("/planted.png"),
               "url_private_download": recorder.url("/planted.png?download=1")}  # fmt: skip
    values = draft_values(
        body=f"詳しくは {link} をご覧ください", url=link, blog_title=f"お知らせ {link}",
        images=[planted],
    )  # fmt: skip
    assert app.slack.view_submission(OPERATOR, "draft_submit", values).text == ""
    approve_first_card(app)
    dm = app.fake.wait_for(
        "chat.postMessage", where=lambda c: "投稿結果" in c.params["text"], timeout=20
    )[0]
    assert dm.params["text"].count("投稿を見る") == 3, dm.params["text"]
    assert recorder.requests == []
    infos = app.fake.calls("files.info")
    downloads = app.fake.calls("file_download")
    assert infos and {c.params["file"] for c in infos} == {image["id"]}
    assert downloads and all(c.headers["authorization"] == f"Bearer {TOKEN}" for c in downloads)
    assert link in platforms.tweet_posts()[0].json["text"]  # the link itself was posted


def test_a_file_url_outside_slack_is_refused_and_gets_no_token(live, recorder):
    app, platforms = live
    image = app.fake.add_file(wordpress.tiny_png(), "poster.png")
    elsewhere = recorder.url("/files/poster.png")
    # files.info itself answers with a URL off Slack's file host (a compromised or odd answer).
    app.fake._files[image["id"]][0].update(url_private=elsewhere, url_private_download=elsewhere)
    values = draft_values(channels=("x",), images=[image])
    assert app.slack.view_submission(OPERATOR, "draft_submit", values).text == ""
    approve_first_card(app)
    dm = app.fake.wait_for(
        "chat.postMessage", where=lambda c: "投稿結果" in c.params["text"], timeout=20
    )[0]
    assert "❌" in dm.params["text"] and "poster.png" in dm.params["text"]
    assert recorder.requests == []
    assert platforms.tweet_posts() == []
