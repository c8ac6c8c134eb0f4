"""The approval card for Teams (user-specific while pending), its superseded form, the full text."""

from __future__ import annotations

from bot.approval import wording
from bot.approval.drafts import X_MAX_WEIGHT
from bot.approval.snapshot import DraftSnapshot
from bot.approval.wording import decision, publication
from bot.messages import Messages
from bot.models import APPROVED, FAILED, PENDING, QUEUED
from handlers.teams import ids
from handlers.teams.cards import (
    PREVIEW_CHARS,
    NameOf,
    card,
    dialog_button,
    execute,
    literal,
    shorten,
    text,
)
from handlers.teams.text import card_markdown, rich, rich_say


def facts(msg: Messages, draft: DraftSnapshot, name_of: NameOf) -> list[dict]:
    """The catalogue's facts in a FactSet; the people's (who, URL, group) as TextRuns, since a
    FactSet's values are read as markdown."""
    c = draft.content
    facts = [
        (msg("card.source"), msg("source." + c.source)),
        (msg("card.category"), msg("category." + c.category)),
        (msg("card.publish_at"), msg.time(c.publish_at) if c.publish_at else msg("card.publish_now")),
    ]  # fmt: skip
    if c.images:
        facts.append((msg("card.images"), msg("card.images_count", count=len(c.images))))
    theirs = [(msg("card.author"), name_of(draft.author_id)),
              (msg("card.url"), c.url[:300] if c.url else msg("card.no_url"))]  # fmt: skip
    if c.group_name:
        theirs.append((msg("card.group"), c.group_name[:200]))
    if c.group_date:
        theirs.append((msg("card.group_date"), c.group_date))
    lines = [
        run
        for i, (title, value) in enumerate(theirs)
        for run in (
            {"type": "TextRun", "text": ("\n" if i else "") + title + "  ", "weight": "bolder"},
            {"type": "TextRun", "text": value},
        )
    ]
    return [
        {"type": "RichTextBlock", "inlines": lines},
        {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]},
    ]


def previews(msg: Messages, draft: DraftSnapshot) -> list[dict]:
    c, blocks = draft.content, []

    def preview(key: str, value: str, **words) -> None:
        blocks.append(rich(msg, key, words, {"weight": "bolder"}, spacing="medium"))
        blocks.append(literal(shorten(value, PREVIEW_CHARS, msg)))

    if "x" in c.channels:
        preview("card.preview_x", draft.x_text, weight=draft.x_weight, max=X_MAX_WEIGHT)
    if "facebook" in c.channels:
        preview("card.preview_facebook", c.body)
    if "blog" in c.channels:
        preview("card.preview_blog", c.body, title=shorten(draft.blog_title, 150, msg))
    if c.group_draft:
        preview("card.group_draft", c.group_draft)
    for number, image in enumerate(c.images, 1):  # Slack's files: their alt texts, as TextRuns
        alt = str(image.get("alt") or image.get("name") or "")[:2000]
        blocks.append(
            rich(msg, "card.image_alt", {"number": number, "alt": alt}, {"isSubtle": True})
        )
    dry = [ch for ch in c.channels if ch in draft.dry_run_channels]
    if dry and draft.status == PENDING:
        names = "、".join(msg(f"channel.{ch}") for ch in dry)
        blocks.append(text(f"{msg('card.dry_run')}: {names}", isSubtle=True, size="small"))
    return blocks


def publication_lines(msg: Messages, draft: DraftSnapshot) -> list[dict]:
    return [rich_say(msg, publication(p, draft), spacing="small") for p in draft.publications]


def _decided(msg: Messages, draft: DraftSnapshot, name_of: NameOf) -> list[dict]:
    return [
        rich_say(msg, decision(draft), name_of, separator=True),
        *publication_lines(msg, draft),
    ]


def approval_card(
    msg: Messages,
    draft: DraftSnapshot,
    name_of: NameOf,
    *,
    approver_mris: tuple[str, ...] = (),
    for_approver: bool = False,
) -> dict:
    """The chief's card. While pending, only approvers see Approve / Reject: everyone else's
    view has none, and the approvers' Teams fetch their own view (`refresh`, user-specific)."""
    data = {"draft": draft.id, "revision": draft.revision}
    body = [
        text(msg("card.header", id=draft.id, revision=draft.revision), size="large",
             weight="bolder"),
        *facts(msg, draft, name_of),
        text(card_markdown(msg("source_rule." + draft.content.source)), isSubtle=True,
             size="small"),
        *previews(msg, draft),
        *route_lines(msg, draft, name_of),  # the route's trail and comments (none by default)
    ]  # fmt: skip
    if draft.revision > 1:
        who = name_of(draft.revised_by)
        body.insert(1, rich(msg, "card.revised", {"revision": draft.revision, "who": who}))
    actions = [dialog_button(msg, "button.full_text", ids.SHOW_FULL, data)]
    if draft.status != PENDING:
        body.extend(_decided(msg, draft, name_of))
        failed = [p.channel for p in draft.publications if p.status == FAILED]
        if failed:
            actions.insert(0, execute(msg, "button.retry", ids.RETRY, data))
        if draft.status == APPROVED and scheduled(draft):  # the approvers' chats: the chief's
            actions.insert(0, execute(msg, "button.cancel", ids.CANCEL, data, "destructive"))
        return card(body, actions)  # no refresh: the decided card is the same for everyone
    if draft.author_excluded:  # separation of duties: who decides instead, or that it waits
        who = "、".join(name_of(u) for u in draft.deciders)  # people's names: TextRuns only
        if who:
            body.append(rich(msg, "card.own_request", {"who": who}, {"isSubtle": True}))
        else:
            body.append(text(card_markdown(msg("card.own_request_waiting")), isSubtle=True))
    refresh = {
        "action": {"type": "Action.Execute", "verb": ids.REFRESH, "data": data},
        "userIds": list(approver_mris),
    }
    if not for_approver:
        body.append(text(msg("teams.card_for_approvers"), isSubtle=True, size="small"))
        return card(body, [*actions, execute(msg, "teams.refresh", ids.REFRESH, data)], refresh)
    inputs = [{"type": "Input.Text", "id": ids.REASON, "label": msg("reject.reason"),
               "isMultiline": True, "maxLength": 2000, "isRequired": True,
               "errorMessage": msg("error.reason_required")}]  # fmt: skip
    if draft.content.source == "group_request":  # the group may read why (policy §5(4))
        inputs.append({"type": "Input.Toggle", "id": ids.SHARE_REASON, "value": "false",
                       "title": msg("reject.share_option"), "label": msg("reject.share")})  # fmt: skip
    reject = card(inputs, [execute(msg, "reject.submit", ids.REJECT, data, "destructive")])
    approve = execute(msg, "button.approve", ids.APPROVE, data, "positive")
    approve["associatedInputs"] = "none"
    show_reject = {"type": "Action.ShowCard", "title": msg("button.reject"), "card": reject}
    edit = dialog_button(msg, "button.edit", ids.EDIT, data)  # 修正して承認へ
    said = [comment_action(msg, draft)] if draft.route.route else []  # on a routed draft
    return card(body, [approve, show_reject, edit, *actions, *said], refresh)


def scheduled(draft: DraftSnapshot) -> bool:
    """Approved with a channel still waiting for its time: the post can still be stopped."""
    return any(p.status == QUEUED and p.due_at > draft.taken_at for p in draft.publications)


def route_lines(msg: Messages, draft: DraftSnapshot, name_of: NameOf) -> list[dict]:
    """The trail of the route's steps, then the latest comments (each with its revision)."""
    lines: list[dict] = []
    steps = wording.trail(draft)
    if steps:
        lines.append(text(msg("card.route").strip("*"), weight="bolder", separator=True))
    for step, states in steps:
        lines.append(rich_say(msg, step, name_of, spacing="small"))
        lines += [rich_say(msg, state, name_of, spacing="none") for state in states]
    said = wording.comments(draft)
    if said:
        lines.append(text(msg("card.comments").strip("*"), weight="bolder", separator=True))
        lines += [rich_say(msg, c, name_of, spacing="small") for c in said]
    return lines


def comment_action(msg: Messages, draft: DraftSnapshot) -> dict:
    """コメント: a text box and a button, on any card of the draft (a comment decides nothing)."""
    data = {"draft": draft.id, "revision": draft.revision}
    box = {"type": "Input.Text", "id": ids.COMMENT, "label": msg("comment.label"),
           "isMultiline": True, "maxLength": 2000, "isRequired": True,
           "errorMessage": msg("error.comment_required")}  # fmt: skip
    form = card([box], [execute(msg, "comment.submit", ids.COMMENT, data)])
    return {"type": "Action.ShowCard", "title": msg("button.comment"), "card": form}


def with_error(content: dict, message: str) -> dict:
    """The same card with a warning line at the top (e.g. a reject without its reason); the
    message as plain text, since it may name people."""
    warning = literal(message, color="attention", size="small")
    return {**content, "body": [warning, *content["body"]]}


def superseded_card(msg: Messages, draft: DraftSnapshot, revision: int) -> dict:
    return card(
        [
            text(msg("card.header", id=draft.id, revision=revision), size="large", weight="bolder"),
            text(msg("card.superseded", id=draft.id, old=revision, new=draft.revision)),
        ]
    )


def full_text_card(msg: Messages, draft: DraftSnapshot) -> dict:
    c = draft.content
    parts = [(msg("field.body"), c.body), (msg("field.x_text"), draft.x_text if "x" in c.channels else ""),
             (msg("field.blog_title"), draft.blog_title if "blog" in c.channels else ""),
             (msg("field.url"), c.url), (msg("field.group_draft"), c.group_draft)]  # fmt: skip
    body = [text(msg("full.title", id=draft.id), size="large", weight="bolder")]
    for label, value in parts:
        if value:
            body += [text(label, weight="bolder"), literal(value)]
    return card(body)
