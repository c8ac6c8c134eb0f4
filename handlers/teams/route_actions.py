"""Teams card actions of the approval route: 確認, 差し戻し (with its comment), コメント."""

from __future__ import annotations

from bot.approval import comments, deciding, drafts, route, wording
from bot.approval.snapshot import take
from bot.models import Draft
from handlers.teams import ids, route_card
from handlers.teams.cards import card_answer, text_answer
from handlers.teams.forms import whole_number
from handlers.teams.text import plain_say

TEXTS = {  # a reviewer's attempt on a review step that did not go through
    deciding.REFUSED: "refuse.not_reviewer",
    deciding.OWN_REQUEST: "refuse.own_review",
    deciding.NOTHING_TO_DO: "refuse.step_done",
}


def _answer(services, session, msg, name_of, outcome, draft_id: int, done: str) -> dict:
    """The card as it is now (done), or why the attempt did not go through."""
    if outcome.result == deciding.DONE and done:
        draft = session.get(Draft, draft_id)
        snapshot = take(session, draft, services.dry_run_channels, services.clock())
        step = draft.step - 1 if done == "route.pass_on_done" else draft.step
        return card_answer(route_card.step_card(msg, snapshot, name_of, max(0, step)))
    key = TEXTS.get(outcome.result)
    if key:
        return text_answer(msg(key, id=draft_id))
    return text_answer(plain_say(msg, wording.refusal(outcome) or ("error.internal", {}), name_of))


def pass_on(services, session, user, msg, name_of, data) -> dict:
    draft_id = whole_number(data.get("draft"))
    if draft_id is None:
        return text_answer(msg("error.internal"))
    outcome = route.pass_on(session, draft_id=draft_id, actor=user.id, now=services.clock(),
                            revision=whole_number(data.get("revision")),
                            skip_away=services.settings.route_skip_away)  # fmt: skip
    return _answer(services, session, msg, name_of, outcome, draft_id, "route.pass_on_done")


def send_back(services, session, user, msg, name_of, data) -> dict:
    draft_id = whole_number(data.get("draft"))
    if draft_id is None:
        return text_answer(msg("error.internal"))
    comment = drafts.clean_input(data.get(ids.COMMENT))[:2000]
    if not comment:
        return text_answer(msg("error.comment_required"))
    if drafts.has_unusable_chars(comment):
        return text_answer(msg("error.unusable_chars"))
    outcome = route.send_back(session, draft_id=draft_id, actor=user.id, comment=comment,
                              now=services.clock(), revision=whole_number(data.get("revision")))  # fmt: skip
    return _answer(services, session, msg, name_of, outcome, draft_id, "route.send_back_done")


def comment(services, session, user, msg, name_of, data) -> dict:
    draft_id = whole_number(data.get("draft"))
    if draft_id is None:
        return text_answer(msg("error.internal"))
    text = drafts.clean_input(data.get(ids.COMMENT))
    if not text:
        return text_answer(msg("error.comment_required"))
    outcome = comments.comment(session, draft_id=draft_id, actor=user.id, text=text,
                               now=services.clock())  # fmt: skip
    if outcome.result == deciding.DONE:
        return text_answer(msg("comment.done", id=draft_id))
    return text_answer(plain_say(msg, wording.refusal(outcome) or ("error.internal", {}), name_of))


ROUTE_HANDLERS = {ids.PASS_ON: pass_on, ids.SEND_BACK: send_back, ids.COMMENT: comment}
