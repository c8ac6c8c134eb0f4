"""Card buttons of engagement requests and moderation items: each click decided by the core."""

from __future__ import annotations

import logging

from bot.approval import deciding, engagement, moderation
from bot.approval.engagement_view import view
from bot.features.engagement_targets import KINDS, NETWORK_OF
from bot.models import REJECTED, Engagement
from bot.people import roles
from handlers.teams import engagement_card, engagement_form, ids, people
from handlers.teams.cards import card_answer as _card
from handlers.teams.cards import text_answer as _text
from handlers.teams.forms import whole_number as _int
from handlers.teams.moderation_card import chosen_category, moderation_card, outcome_text
from handlers.teams.text import plain

log = logging.getLogger(__name__)


def decide_engagement(services, session, user, msg, name_of, data, approve: bool) -> dict:
    """承認 / 却下 on an engagement card; the core checks roles, 代決 and separation of duties."""
    engagement_id = _int(data.get("engagement"))
    if engagement_id is None:
        return _text(msg("error.internal"))
    outcome = engagement.decide(session, engagement_id=engagement_id, actor=user.id,
                                approve=approve, now=services.clock())  # fmt: skip
    if outcome.result == deciding.REFUSED:
        return _text(msg("refuse.not_chief"))
    if outcome.result == deciding.OWN_REQUEST:
        return _text(msg("engage.refuse.own_request", id=engagement_id))
    if outcome.result == deciding.NOT_FOUND:
        return _text(msg("engage.refuse.not_found", id=engagement_id))
    item = view(session, session.get(Engagement, engagement_id))
    content = engagement_card.engagement_card(msg, item, name_of)
    repeat = outcome.result == deciding.ALREADY_DECIDED and outcome.decided_by == user.id
    if outcome.result == deciding.DONE or repeat:  # a double click shows the decided card
        return _card(content)
    decision = msg(f"engage.decision.{'rejected' if outcome.status == REJECTED else 'approved'}")
    words = {"id": engagement_id, "who": name_of(outcome.decided_by or "?"), "decision": decision,
             "when": msg.time(outcome.decided_at) if outcome.decided_at else ""}  # fmt: skip
    problem = plain(msg, "engage.refuse.already_decided", words)
    return _card(engagement_card.with_problem(content, problem))


def request_engagement(services, session, user, msg, name_of, data) -> dict:
    """決裁に回す on the request form: checked as in Slack, stored once (per form), refused and
    recorded for someone not on the roster."""
    kind, nonce = data.get("kind"), str(data.get("nonce") or "")[:64]
    if kind not in KINDS or not nonce:
        return _text(msg("error.internal"))
    form = engagement_form.read(kind, data)
    if form.problems:  # the form again, with what was typed and the problems under the inputs
        dry_run = NETWORK_OF[kind] in services.dry_run_channels
        return _card(engagement_form.form_card(msg, kind, nonce=nonce, dry_run=dry_run, form=form))
    now = services.clock()
    if roles.role_of(session, user.id, ids.FRONT_END) is None:
        engagement.refuse_request(session, actor=user.id, kind=kind, target=form.target,
                                  category=form.category, now=now)  # fmt: skip
        chief = roles.chief_id(session, ids.FRONT_END)
        if not chief:
            return _text(msg("refuse.no_chief"))
        return _text(plain(msg, "teams.not_operator", {"chief": name_of(chief)}))
    item = engagement.request(
        session, requester_id=user.id, kind=kind, target=form.target, category=form.category,
        official_confirmed=True, now=now, front_end=ids.FRONT_END, submission=f"teams:{nonce}",
    )  # fmt: skip
    return _card(engagement_form.sent_card(msg, kind, item.id, item.target))


def moderate(services, user, msg, data, action: str) -> dict:
    """One of the moderation card's actions; `moderation.decide` opens its own transactions.
    A hide, delete or block is queued: the card comes back showing it 実行中…"""
    item_id = _int(data.get("item"))
    if item_id is None:
        return _text(msg("error.internal"))
    try:
        outcome = moderation.decide(
            services.session_factory,
            services.inboxes,
            item_id=item_id,
            actor=user.id,
            action=action,
            category=chosen_category(data),
            now=services.clock(),
            front_end=ids.FRONT_END,
            msg=services.msg,
        )
    except Exception:  # e.g. the database is down: say so rather than stay silent
        log.exception("moderation %s on item %s failed", action, item_id)
        return _text(msg("error.internal"))
    services.wake()  # a decision owes the card's refresh, and its action is queued
    with services.session_factory() as session:
        name_of = lambda user_id: people.name_of(session, user_id)  # noqa: E731
        problem = outcome_text(msg, outcome, action, name_of)
        if problem:
            return _text(problem)
        return _card(moderation_card(msg, outcome.item, name_of))  # the card, decided, in place


ENGAGEMENT_HANDLERS = {
    ids.ENGAGEMENT_APPROVE: lambda *args: decide_engagement(*args, approve=True),
    ids.ENGAGEMENT_REJECT: lambda *args: decide_engagement(*args, approve=False),
    ids.ENGAGEMENT_SUBMIT: request_engagement,
}
MODERATION_ACTIONS = {verb: action for action, verb in ids.MODERATION_VERBS.items()}
