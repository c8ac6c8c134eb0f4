"""Messages about one draft: the approval card, the author's and the approvers' DMs, reminders."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.approval.revisions import body_diff, changed_fields
from bot.approval.snapshot import DraftSnapshot
from bot.approval.wording import decision
from bot.messages import Messages
from bot.models import APPROVED, FAILED, PENDING, QUEUED
from handlers.slack import ids
from handlers.slack.blocks import (
    button,
    esc,
    facts,
    mention,
    previews,
    publication_lines,
    say,
    shorten,
)
from handlers.slack.crosspost import cross_post_blocks
from handlers.slack.route_blocks import route_blocks

REMINDER_LIMIT = 20  # drafts listed in one reminder; the rest are counted


def approval_card(msg: Messages, draft: DraftSnapshot) -> tuple[str, list[dict]]:
    """(fallback text, blocks) for the chief's card; buttons only while the draft is pending."""
    value = str(draft.id)
    blocks: list = [
        HeaderBlock(text=msg("card.header", id=draft.id, revision=draft.revision)),
        *facts(msg, draft),
        DividerBlock(),
        *previews(msg, draft),
        *route_blocks(msg, draft),  # the route's trail and the comments (none by default)
    ]
    if draft.revision > 1:
        blocks.insert(1, ContextBlock(elements=[MarkdownTextObject(text=revised_line(msg, draft))]))
    if draft.status == PENDING:
        if line := own_request_line(msg, draft):
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line)]))
        blocks.append(
            ActionsBlock(
                block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}",
                elements=[
                    button(msg, ids.APPROVE, "button.approve", value, "primary"),
                    button(msg, ids.REJECT, "button.reject", value, "danger"),
                    button(msg, ids.EDIT, "button.edit", value),
                    button(msg, ids.SHOW_FULL, "button.full_text", value),
                ],
            )
        )
    else:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=decision_line(msg, draft)))
        if draft.publications:
            blocks.append(SectionBlock(text=publication_lines(msg, draft)))
        blocks.append(_after_decision_actions(msg, draft, for_chief=True))
    excerpt = esc(shorten(draft.content.body.replace("\n", " "), 80, msg))
    return msg("card.fallback", id=draft.id, excerpt=excerpt), [b.to_dict() for b in blocks]


def superseded_card(msg: Messages, draft: DraftSnapshot, revision: int) -> tuple[str, list[dict]]:
    """What an older revision's card becomes once a newer revision has its own card."""
    text = msg("card.superseded", id=draft.id, old=revision, new=draft.revision)
    return text, [
        HeaderBlock(text=msg("card.header", id=draft.id, revision=revision)).to_dict(),
        SectionBlock(text=text).to_dict(),
    ]


def own_request_line(msg: Messages, draft: DraftSnapshot) -> str | None:
    """Separation of duties: who decides a request its author may not, or that it waits."""
    if not draft.author_excluded:
        return None
    if not draft.deciders:
        return msg("card.own_request_waiting")
    return msg("card.own_request", who="、".join(mention(u) for u in draft.deciders))


def revised_line(msg: Messages, draft: DraftSnapshot) -> str:
    return msg("card.revised", revision=draft.revision, who=mention(draft.revised_by))


def decision_line(msg: Messages, draft: DraftSnapshot) -> str:
    return say(msg, decision(draft))


def _scheduled(draft: DraftSnapshot) -> bool:
    return any(p.status == QUEUED and p.due_at > draft.taken_at for p in draft.publications)


def _after_decision_actions(msg: Messages, draft: DraftSnapshot, for_chief=False) -> ActionsBlock:
    value = str(draft.id)
    elements = [button(msg, ids.SHOW_FULL, "button.full_text", value)]
    failed = [p.channel for p in draft.publications if p.status == FAILED]
    if failed:
        elements.insert(0, button(msg, ids.RETRY, "button.retry", f"{value}:{','.join(failed)}"))
    if for_chief and draft.status == APPROVED and _scheduled(draft):
        elements.insert(0, button(msg, ids.CANCEL, "button.cancel", value, "danger"))
    return ActionsBlock(block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}", elements=elements)


# -- messages to the author and the approvers ------------------------------------------------


def _changes(msg: Messages, draft: DraftSnapshot) -> str:
    """The chief's edit in a few lines: which fields changed, and the body's changed lines."""
    if draft.previous is None:
        return ""
    names = [msg(f"field.{'group' if f == 'group_name' else f}") for f in
             changed_fields(draft.previous, draft.content)]  # fmt: skip
    lines = body_diff(draft.previous.body, draft.content.body)
    text = msg("dm.edited_fields", fields="、".join(names))
    if lines:
        text += "\n```" + esc("\n".join(lines))[:2500] + "```"
    return text


def author_message(msg: Messages, draft: DraftSnapshot, kind: str) -> tuple[str, list[dict]]:
    """The author's DM: submitted, rejected, results, edited, expired or cancelled."""
    value = str(draft.id)
    if kind == "submitted":
        text = msg("dm.submitted", id=draft.id)
        if draft.content.publish_at:
            text += "\n" + msg("dm.scheduled_at", when=msg.time(draft.content.publish_at))
        blocks = [SectionBlock(text=text), *previews(msg, draft)]
        blocks.append(
            ActionsBlock(
                block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}",
                elements=[
                    button(msg, ids.WITHDRAW, "button.withdraw", value, "danger"),
                    button(msg, ids.SHOW_FULL, "button.full_text", value),
                ],
            )
        )
    elif kind == "rejected":
        text = msg(
            "dm.rejected",
            id=draft.id,
            who=mention(draft.decided_by),
            reason=esc(draft.reject_reason or ""),
        )
        blocks = [
            SectionBlock(text=text),
            ActionsBlock(
                block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}",
                elements=[button(msg, ids.RESUBMIT, "button.resubmit", value, "primary")],
            ),
        ]
    elif kind == "sent_back":  # by a reviewer on the route: the comment, and resubmit
        text = msg("dm.sent_back", id=draft.id, who=mention(draft.decided_by),
                   comment=esc(draft.reject_reason or ""))  # fmt: skip
        blocks = [
            SectionBlock(text=text[:2900]),
            ActionsBlock(
                block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}",
                elements=[button(msg, ids.RESUBMIT, "button.resubmit", value, "primary")],
            ),
        ]
    elif kind == "commented":
        last = draft.route.comments[-1]
        text = msg("dm.commented", id=draft.id, revision=last.revision, who=mention(last.author),
                   text=esc(last.text))  # fmt: skip
        blocks = [SectionBlock(text=text[:2900])]
    elif kind == "edited":
        text = msg("dm.edited", id=draft.id, who=mention(draft.revised_by))
        blocks = [SectionBlock(text=text + "\n" + _changes(msg, draft))]
    elif kind == "expired":
        when = msg.time(draft.content.publish_at) if draft.content.publish_at else ""
        text = msg("dm.expired", id=draft.id, when=when)
        blocks = [SectionBlock(text=text)]
    elif kind == "cancelled":
        text = msg("dm.cancelled", id=draft.id, who=mention(draft.decided_by))
        blocks = [SectionBlock(text=text + "\n" + publication_lines(msg, draft))]
    else:
        text = msg("dm.results", id=draft.id) + "\n" + publication_lines(msg, draft)
        blocks = [SectionBlock(text=text)]
        if any(p.status == FAILED for p in draft.publications):
            blocks.append(
                ContextBlock(elements=[MarkdownTextObject(text=msg("dm.results_partial"))])
            )
            blocks.append(_after_decision_actions(msg, draft))
        blocks.extend(cross_post_blocks(msg, draft))  # policy §5(3)
    return text, [b.to_dict() for b in blocks]


def approver_message(msg: Messages, draft: DraftSnapshot, kind: str) -> tuple[str, list[dict]]:
    """A DM to the approvers about one draft (kind `expired`)."""
    when = msg.time(draft.content.publish_at) if draft.content.publish_at else ""
    text = msg("dm.expired_chief", id=draft.id, when=when, author=mention(draft.author_id))
    return text, [SectionBlock(text=text).to_dict()]


def reminder_message(msg: Messages, waiting: list[DraftSnapshot]) -> tuple[str, list[dict]]:
    """The business-day reminder: drafts waiting for a decision, oldest first, with buttons."""
    text = msg("reminder.header", count=len(waiting))
    blocks: list = [SectionBlock(text=text)]
    for draft in waiting[:REMINDER_LIMIT]:
        excerpt = esc(shorten(draft.content.body.replace("\n", " "), 120, msg))
        since = msg.time(draft.created_at)
        blocks.append(
            SectionBlock(
                text=msg(
                    "reminder.line",
                    id=draft.id,
                    author=mention(draft.author_id),
                    since=since,
                    excerpt=excerpt,
                ),  # fmt: skip
                accessory=button(msg, ids.SHOW_FULL, "button.full_text", str(draft.id)),
            )
        )
    if len(waiting) > REMINDER_LIMIT:
        more = msg("home.more", count=len(waiting) - REMINDER_LIMIT)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return text, [b.to_dict() for b in blocks]
