"""Messages for Teams chats: the author's (receipt, rejection, results), the approvers', reminders."""

from __future__ import annotations

from bot.approval.route_view import receipt_key
from bot.approval.snapshot import DraftSnapshot
from bot.features import crosspost
from bot.messages import Messages
from bot.models import FAILED
from bot.people.oversight import ENGAGEMENT, MODERATION, ReviewItem, RotationItem
from handlers.teams import ids
from handlers.teams.approval_card import previews, publication_lines
from handlers.teams.cards import (
    LIST_LIMIT,
    NameOf,
    card,
    dialog_button,
    excerpt,
    execute,
    text,
)
from handlers.teams.text import card_markdown, rich


def author_card(msg: Messages, draft: DraftSnapshot, kind: str, name_of: NameOf) -> dict:
    """The author's message: submitted, rejected, results, edited, expired or cancelled."""
    data = {"draft": draft.id, "revision": draft.revision}
    who = name_of(draft.decided_by or "")
    if kind == "submitted":
        body = [text(card_markdown(msg(receipt_key(draft.route), id=draft.id)))]
        if draft.content.publish_at:
            body.append(text(msg("dm.scheduled_at", when=msg.time(draft.content.publish_at))))
        body += previews(msg, draft)
        actions = [execute(msg, "button.withdraw", ids.WITHDRAW, data, "destructive"),
                   dialog_button(msg, "button.full_text", ids.SHOW_FULL, data)]  # fmt: skip
        return card(body, actions)
    if kind == "rejected":
        reason = draft.reject_reason or ""
        body = [rich(msg, "dm.rejected", {"id": draft.id, "who": who, "reason": reason})]
        return card(body, [dialog_button(msg, "button.resubmit", ids.RESUBMIT, data)])
    if kind == "sent_back":  # by a reviewer on the route: the comment, and resubmit
        words = {"id": draft.id, "who": who, "comment": draft.reject_reason or ""}
        return card([rich(msg, "dm.sent_back", words)],
                    [dialog_button(msg, "button.resubmit", ids.RESUBMIT, data)])  # fmt: skip
    if kind == "commented":
        last = draft.route.comments[-1]
        words = {"id": draft.id, "revision": last.revision, "who": name_of(last.author),
                 "text": last.text}  # fmt: skip
        return card([rich(msg, "dm.commented", words)])
    if kind == "edited":
        return card([rich(msg, "dm.edited", {"id": draft.id, "who": name_of(draft.revised_by)})])
    if kind == "expired":
        when = msg.time(draft.content.publish_at) if draft.content.publish_at else ""
        return card([text(msg("dm.expired", id=draft.id, when=when))])
    if kind == "cancelled":
        body = [rich(msg, "dm.cancelled", {"id": draft.id, "who": who}),
                *publication_lines(msg, draft)]  # fmt: skip
        return card(body)
    body = [text(msg("dm.results", id=draft.id), weight="bolder"), *publication_lines(msg, draft)]
    actions = []
    if crosspost.offer(draft) is not None:  # §5(3): the same post for the networks not used
        actions.append(dialog_button(msg, "button.cross_post", ids.CROSS_POST, data))
    if any(p.status == FAILED for p in draft.publications):
        body.append(text(msg("dm.results_partial"), isSubtle=True))
        actions.insert(0, execute(msg, "button.retry", ids.RETRY, data))
    return card(body, actions)


def approver_card(msg: Messages, draft: DraftSnapshot, kind: str, name_of: NameOf) -> dict:
    """A message to the approvers about one draft (kind `expired`)."""
    when = msg.time(draft.content.publish_at) if draft.content.publish_at else ""
    author = name_of(draft.author_id)
    return card([rich(msg, "dm.expired_chief", {"id": draft.id, "when": when, "author": author})])


def reminder_card(msg: Messages, waiting: list[DraftSnapshot], name_of: NameOf) -> dict:
    body = [text(msg("reminder.header", count=len(waiting)), weight="bolder")]
    for draft in waiting[:LIST_LIMIT]:
        words = {"id": draft.id, "author": name_of(draft.author_id),
                 "since": msg.time(draft.created_at),
                 "excerpt": excerpt(draft.content.body, 120)}  # fmt: skip
        body.append(rich(msg, "reminder.line", words, separator=True))
    if len(waiting) > LIST_LIMIT:
        body.append(text(msg("home.more", count=len(waiting) - LIST_LIMIT), isSubtle=True))
    return card(body)


def review_card(msg: Messages, items: list[ReviewItem], name_of: NameOf) -> dict:
    """The deputy's decisions for the chief to confirm (後閲), each with 確認しました."""
    body = [text(msg("review.header", count=len(items)), weight="bolder")]
    for item in items[:LIST_LIMIT]:
        values = {"id": item.draft_id, "who": name_of(item.decided_by),
                  "when": msg.time(item.decided_at)}  # fmt: skip
        if item.subject == ENGAGEMENT:
            values |= {"kind": msg(f"engage.kind.{item.kind}"),
                       "decision": msg(f"engage.decision.{item.outcome}")}  # fmt: skip
            line = rich(msg, "review.line_engagement", values)
            data = {"engagement": item.decision_id}
        elif item.subject == MODERATION:
            values |= {"network": msg(f"channel.{item.kind}"),
                       "decision": msg(f"moderation.action.{item.outcome}")}  # fmt: skip
            line = rich(msg, "review.line_moderation", values)
            data = {"moderation": item.decision_id}
        else:
            values["decision"] = msg(f"decision.{item.outcome}")
            line = rich(msg, "review.line", values)
            data = {"decision": item.decision_id}
        button = execute(msg, "button.review_ack", ids.REVIEW_ACK, data)
        body.append(line_with_button(line, button))
    return card(body)


def rotation_card(msg: Messages, items: list[RotationItem]) -> dict:
    """The accounts whose passwords or tokens must change (§6), each with 変更済み."""
    body = [text(msg("rotation.header", count=len(items)), weight="bolder")]
    for item in items[:LIST_LIMIT]:
        line = rich(msg, "rotation.line", {"account": msg(f"account.{item.account}"),
                    "reason": item.reason, "since": msg.time(item.opened_at)})  # fmt: skip
        button = execute(msg, "button.rotation_done", ids.ROTATION_DONE, {"task": item.task_id})
        body.append(line_with_button(line, button))
    return card(body)


def line_with_button(line: dict, button: dict, *more: dict) -> dict:
    """A list line with its button(s) beside it, in an ActionSet."""
    return {
        "type": "ColumnSet",
        "separator": True,
        "columns": [
            {"type": "Column", "width": "stretch", "items": [line]},
            {"type": "Column", "width": "auto",
             "items": [{"type": "ActionSet", "actions": [button, *more]}]},
        ],
    }  # fmt: skip


def status_card(
    msg: Messages, drafts: list[DraftSnapshot], to_review: list[DraftSnapshot] = ()
) -> dict:
    """`status`: the person's open drafts, one line each with every channel's state; first, for
    a reviewer on the approval route, the drafts waiting for their review (確認待ち)."""
    body = []
    if to_review:
        body.append(text(msg("home.to_review"), weight="bolder"))
        for d in to_review:
            words = {"id": d.id, "state": msg("route.step", n=d.route.step + 1,
                     role=msg(f"role.{d.route.route[d.route.step]}")),
                     "excerpt": excerpt(d.content.body, 60)}  # fmt: skip
            body.append(rich(msg, "status.line", words, separator=True))
            opened = execute(msg, "button.open_card", ids.REFRESH, {"draft": d.id})
            body.append({"type": "ActionSet", "actions": [opened]})
    body.append(text(msg("status.header"), weight="bolder"))
    for d in drafts:
        state = msg(f"state.{d.status}")
        words = {"id": d.id, "state": state, "excerpt": excerpt(d.content.body, 60)}
        body.append(rich(msg, "status.line", words, separator=True))
        body.extend(publication_lines(msg, d))
    if not drafts:
        body.append(text(msg("status.none")))
    return card(body)
