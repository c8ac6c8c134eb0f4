"""Who may approve a follow or share (also 代決), and who may moderate comments on the Page."""

from __future__ import annotations

import contextlib
import itertools
import json
import time

import pytest
from conftest import CHIEF, OPERATOR, STRANGER
from drafting import card_button
from fakes import graph_api
from fakes.moderation_fakes import ModerationGraph
from processes import shared_app, wait_until
from security_setup import (
    DEPUTY,
    ROLE_NAMES,
    ROLES,
    app_with_deputy,
    card_for,
    chief_away,
    reply,
)
from sqlalchemy import select, update

from bot.approval import engagement, moderation
from bot.approval.engagement import APPROVED_STATES
from bot.features.engagement_targets import parse
from bot.models import Engagement, ModerationItem, ModerationPoll, RegisterEntry
from bot.people import roles
from bot.ports import BLOCK, DELETE, DISMISS, HIDE
from handlers.slack.moderation_blocks import ACTION_IDS, category_label

app = app_with_deputy  # this module's own running app, shared by its tests


_numbers = itertools.count(1)  # unique targets, comments and poll times


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
    """The running app's dispatcher posts the cards and notices owed: look now."""
    app.runtime.dispatcher.wake()


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


# -- moderation (policy §11): the chief, or the deputy while the chief is away (代決) ------------

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
    with services.session_factory.begin() as session:  # every poll of the test is due
        session.execute(update(ModerationPoll).values(next_at=services.clock()))
    moderation.poll_once(services.session_factory, inboxes, services.msg, services.clock)
    app.runtime.dispatcher.wake()  # it delivers the card owed

    def cards():
        return [
            c for c in app.fake.calls("chat.postMessage")
            if c.params["channel"] == MODERATION_CHANNEL and token in json.dumps(
                c.params["blocks"], ensure_ascii=False)
        ]  # fmt: skip

    wait_until(cards, 10, "the moderation card")
    (card,) = cards()
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
             e.details.get("role"), e.details.get("category"), e.details.get("acting", False))
            for e in rows if e.details.get("item_id") == item_id
        ]  # fmt: skip


def item_status(app, item_id: int) -> str:
    with app.services.session_factory() as session:
        return session.get(ModerationItem, item_id).status


@pytest.mark.parametrize("presence", ["chief present", "chief away"])
@pytest.mark.parametrize("role", list(MODERATORS))
@pytest.mark.parametrize("action", [DISMISS, HIDE, DELETE, BLOCK])
def test_authorization_matrix_moderate(inbox, action, role, presence):
    """The chief hides, deletes or blocks (or marks 問題なし), with a category; while the chief
    is away the deputy may too, as 代決 (policy §11 with §3's acting rule, as for drafts).
    Anyone else's click is refused and recorded; the Page is untouched until one who may
    decides."""
    app, graph, _ = inbox
    app.fake.clear()
    user = MODERATORS[role]
    allowed = role == "chief" or (role == "deputy" and presence == "chief away")
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
        if allowed:
            app.fake.wait_for(
                "chat.update",
                where=lambda c: (
                    c.params["ts"] == card.response["ts"]
                    and "✅" in json.dumps(c.params["blocks"], ensure_ascii=False)
                ),
            )  # the card now shows the decision, carried out (not 実行中…)
            assert item_status(app, item_id) == moderation.DECIDED
            assert moderation_register(app, item_id) == [
                ("moderated", user, action, None, category, role == "deputy")  # 代決 marked
            ]
        else:
            assert "課長（不在中は代決者）だけ" in reply(app, response_url)
            refused = ("refused", user, action, role.replace("no_role", "none"), None, False)
            wait_until(
                lambda: moderation_register(app, item_id) == [refused],
                10,
                "the refusal in the register",
            )
            assert item_status(app, item_id) == moderation.NEW
    done = allowed
    assert (comment not in graph.comments) == (done and action == DELETE)
    hidden = graph.comments.get(comment, {}).get("is_hidden", False)
    assert hidden == (done and action == HIDE)
    assert (author in graph.blocked) == (done and action == BLOCK)
