"""Card buttons (Action.Execute): drafts, 後閲, rotation; engagements and moderation routed on."""

from __future__ import annotations

from bot.approval import deciding, drafts, revisions, route, schedule, wording, workflow
from bot.approval.snapshot import take
from bot.features import identity
from bot.messages import messages_for
from bot.models import Draft
from bot.people import oversight
from bot.services import Services
from handlers.teams import (
    approval_card,
    dashboard,
    deputy,
    ids,
    images,
    people,
    request_actions,
    route_actions,
    route_card,
)
from handlers.teams.cards import card_answer, text_answer
from handlers.teams.forms import whole_number
from handlers.teams.ids import FRONT_END
from handlers.teams.text import plain_say

_int = whole_number


def execute(services: Services, activity) -> dict:
    """Answer an `adaptiveCard/action` invoke: the card to show now, or a short message."""
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action") if isinstance(value.get("action"), dict) else {}
    verb = action.get("verb")
    data = action.get("data") if isinstance(action.get("data"), dict) else {}
    moderating = request_actions.MODERATION_ACTIONS.get(verb)
    with services.session_factory.begin() as session:
        user = people.identify(session, activity)
        people.remember(session, user, activity, services.clock())
        msg = messages_for(user.locale, services.settings.locale)
        if moderating is None:
            name_of = lambda user_id: people.name_of(session, user_id)  # noqa: E731
            handler = HANDLERS.get(verb)
            if handler is None:
                return text_answer(msg("error.internal"))
            answer = handler(services, session, user, msg, name_of, data)
    if moderating is not None:  # moderation.decide opens its own transactions
        return request_actions.moderate(services, user, msg, data, moderating)
    if verb in WAKES:
        services.wake()  # after the commit: the dispatcher reads committed rows only
    return answer


def _card_for(services, session, user, msg, name_of, draft_id: int, problem: str = "") -> dict:
    draft = session.get(Draft, draft_id)
    if draft is None:
        return text_answer(msg("refuse.not_found", id=draft_id))
    snapshot = take(session, draft, services.dry_run_channels, services.clock())
    if snapshot.at_review and route.may_review(session, draft, user.id):  # their review step
        content = route_card.step_card(msg, snapshot, name_of, snapshot.route.step)
        return card_answer(approval_card.with_error(content, problem) if problem else content)
    mris = tuple(people.mri_of(session, a) for a in snapshot.approvers)
    approver = deciding.may_decide(session, user.id, FRONT_END, author=draft.author_id)
    content = approval_card.approval_card(
        msg, snapshot, name_of, approver_mris=mris, for_approver=approver
    )
    return card_answer(approval_card.with_error(content, problem) if problem else content)


def refresh(services, session, user, msg, name_of, data) -> dict:
    """The user-specific view: approvers get the buttons, everyone else the plain card."""
    draft_id = _int(data.get("draft"))
    if draft_id is None:
        return text_answer(msg("error.internal"))
    return _card_for(services, session, user, msg, name_of, draft_id)


def decide(services, session, user, msg, name_of, data, approve: bool) -> dict:
    draft_id = _int(data.get("draft"))
    if draft_id is None:
        return text_answer(msg("error.internal"))
    reason = drafts.clean_input(data.get(ids.REASON))[:2000]
    if not approve and not reason:
        return _card_for(services, session, user, msg, name_of, draft_id,
                         msg("error.reason_required"))  # fmt: skip
    if drafts.has_unusable_chars(reason):
        return _card_for(services, session, user, msg, name_of, draft_id,
                         msg("error.unusable_chars"))  # fmt: skip
    outcome = workflow.decide(
        session,
        draft_id=draft_id,
        actor=user.id,
        approve=approve,
        reason=reason,
        revision=_int(data.get("revision")),
        now=services.clock(),
        lead=services.settings.schedule_lead,
        blog_footer=services.settings.blog_footer,
        share_reason=data.get(ids.SHARE_REASON) == "true",
    )
    repeat = outcome.result == deciding.ALREADY_DECIDED and outcome.decided_by == user.id
    problem = wording.refusal(outcome)
    if problem is None or repeat:  # a double click shows the decided card, not an error
        return _card_for(services, session, user, msg, name_of, draft_id)
    if outcome.result in (deciding.REFUSED, deciding.OWN_REQUEST, deciding.NOT_FOUND):
        return text_answer(plain_say(msg, problem, name_of))
    return _card_for(services, session, user, msg, name_of, draft_id,
                     plain_say(msg, problem, name_of))  # fmt: skip


def retry(services, session, user, msg, name_of, data) -> dict:
    return _change(services, session, msg, name_of, user, data, workflow.retry_failed, {
        deciding.DONE: "retry.queued",
        deciding.NOTHING_TO_DO: "refuse.nothing_to_retry",
        deciding.REFUSED: "refuse.not_author_or_chief",
    })  # fmt: skip


def withdraw(services, session, user, msg, name_of, data) -> dict:
    return _change(services, session, msg, name_of, user, data, revisions.withdraw, {
        deciding.DONE: "withdraw.done",
        deciding.REFUSED: "refuse.not_author",
        deciding.NOTHING_TO_DO: "refuse.not_pending",
    })  # fmt: skip


def cancel(services, session, user, msg, name_of, data) -> dict:
    """予約投稿を取り消す: the scheduled channels not yet out are stopped (the core decides who)."""
    return _change(services, session, msg, name_of, user, data, schedule.cancel_scheduled, {
        deciding.DONE: "cancel.done",
        deciding.NOTHING_TO_DO: "cancel.nothing",
    })  # fmt: skip


def _change(services, session, msg, name_of, user, data, change, texts: dict) -> dict:
    draft_id = _int(data.get("draft"))
    if draft_id is None:
        return text_answer(msg("error.internal"))
    outcome = change(session, draft_id=draft_id, actor=user.id, now=services.clock())
    key = texts.get(outcome.result)
    if key:
        channels = "、".join(msg(f"channel.{c}") for c in outcome.channels)
        return text_answer(msg(key, id=draft_id, channels=channels))
    return text_answer(plain_say(msg, wording.refusal(outcome) or ("error.internal", {}), name_of))


def review_ack(services, session, user, msg, name_of, data) -> dict:
    subject = next((s for s in (oversight.ENGAGEMENT, oversight.MODERATION) if s in data),
                   oversight.DRAFT)  # fmt: skip
    number = _int(data.get("decision" if subject == oversight.DRAFT else subject)) or 0
    done = oversight.mark_reviewed(session, number, actor=user.id, now=services.clock(),
                                   front_end=FRONT_END, subject=subject)  # fmt: skip
    if done is None:
        return text_answer(msg("refuse.not_chief_only"))
    return text_answer(msg("review.done" if done else "review.already"))


def rotation_done(services, session, user, msg, name_of, data) -> dict:
    account = oversight.mark_rotated(session, _int(data.get("task")) or 0, actor=user.id,
                                     now=services.clock(), front_end=FRONT_END)  # fmt: skip
    if account is None:
        return text_answer(msg("rotation.not_done"))
    return text_answer(identity.recheck(services, account, msg))


WAKES = (ids.APPROVE, ids.REJECT, ids.RETRY, ids.WITHDRAW, ids.CANCEL,
         *request_actions.ENGAGEMENT_HANDLERS, *route_actions.ROUTE_HANDLERS)  # fmt: skip
HANDLERS = {
    ids.REFRESH: refresh,
    ids.APPROVE: lambda *args: decide(*args, approve=True),
    ids.REJECT: lambda *args: decide(*args, approve=False),
    ids.RETRY: retry,
    ids.WITHDRAW: withdraw,
    ids.CANCEL: cancel,
    ids.REVIEW_ACK: review_ack,
    ids.ROTATION_DONE: rotation_done,
    ids.NAME_DEPUTY: deputy.name,
    ids.HOME_REFRESH: dashboard.refresh,
    ids.IMAGES_ALT: images.save_alt,
    ids.IMAGES_CLEAR: images.clear,
    **request_actions.ENGAGEMENT_HANDLERS,
    **route_actions.ROUTE_HANDLERS,
}
