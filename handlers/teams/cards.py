"""Adaptive Cards (1.5) for Teams: the draft form, the approval card, the author's messages.

Pure functions from plain values to card dicts; words come from the shared ja/en catalogue.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.config import CHANNELS
from bot.drafts import CATEGORIES, SOURCES, X_MAX_WEIGHT, DraftInput
from bot.messages import JST, Messages
from bot.models import FAILED, PENDING
from bot.oversight import ReviewItem, RotationItem
from bot.snapshot import DraftSnapshot
from bot.wording import decision, publication
from handlers.teams import ids
from handlers.teams.text import card_markdown, say

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
PREVIEW_CHARS = 900  # per channel on the card; the whole text is one click away
LIST_LIMIT = 20  # drafts or tasks listed in one message; the rest are counted

NameOf = Callable[[str], str]


def card(body: list, actions: list | None = None, refresh: dict | None = None) -> dict:
    content = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body}
    if actions:
        content["actions"] = actions
    if refresh:
        content["refresh"] = refresh
    return content


def attachment(content: dict) -> dict:
    return {"contentType": CARD_TYPE, "content": content}


def text(value: str, **style) -> dict:
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def literal(value: str, **style) -> dict:
    """People's own text, shown exactly: a TextRun is never read as markdown (a TextBlock is,
    and Teams clients disagree on backslash escapes)."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": value, **style}]}


def error_text(value: str) -> dict:
    return text(value, color="attention", size="small", spacing="none")


def execute(msg: Messages, label: str, verb: str, data: dict, style: str | None = None) -> dict:
    """An Action.Execute button (falls back to Action.Submit on clients before 1.4)."""
    action = {"type": "Action.Execute", "title": msg(label), "verb": verb, "data": data}
    if style:
        action["style"] = style
    action["fallback"] = {
        "type": "Action.Submit",
        "title": msg(label),
        "data": {**data, "verb": verb},
    }
    return action


def dialog_button(msg: Messages, label: str, verb: str, data: dict) -> dict:
    """A button that opens a dialog (task/fetch) handled under `verb`."""
    return {
        "type": "Action.Submit",
        "title": msg(label),
        "data": {"msteams": {"type": "task/fetch"}, "verb": verb, **data},
    }


def dialog(title: str, content: dict) -> dict:
    """The task-module answer that shows `content` in a dialog."""
    return {
        "task": {
            "type": "continue",
            "value": {"title": title[:64], "width": "large", "height": "large",
                      "card": attachment(content)},
        }
    }  # fmt: skip


def close_dialog(message: str) -> dict:
    return {"task": {"type": "message", "value": message}}


def shorten(value: str, limit: int, msg: Messages) -> str:
    return value if len(value) <= limit else value[:limit] + msg("card.truncated")


# -- the draft form ------------------------------------------------------------------------------


def launcher(msg: Messages) -> dict:
    """The answer to the `sns` command: a button that opens the draft form."""
    return card(
        [text(msg("teams.launcher"))],
        [dialog_button(msg, "teams.open_form", ids.OPEN_DRAFT, {})],
    )


def draft_form(
    msg: Messages,
    *,
    initial: DraftInput | None = None,
    dry_run: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    errors: dict[str, str] | None = None,
    meta: dict | None = None,
) -> dict:
    """The draft form: the same fields and names as Slack's modal; `errors` under their fields."""
    d = initial or DraftInput(body="", channels=CHANNELS)
    errors = errors or {}
    body: list = []

    def field(element: dict, name: str, label: str, hint: str | None = None) -> None:
        body.append({**element, "id": name, "label": msg(label)})
        if hint:
            body.append(text(msg(hint), isSubtle=True, size="small", spacing="none"))
        if name in errors:
            body.append(error_text(errors[name]))

    def text_input(name, label, hint=None, value="", multiline=False, max_length=None, **more):
        element = {"type": "Input.Text", "value": value, "isMultiline": multiline, **more}
        if max_length:
            element["maxLength"] = max_length
        field(element, name, label, hint)

    def choices(values, label_key, suffix=None) -> list[dict]:
        return [{"title": msg(f"{label_key}.{v}") + (suffix or {}).get(v, ""), "value": v}
                for v in values]  # fmt: skip

    local = d.publish_at.astimezone(JST) if d.publish_at else None
    text_input(ids.BODY, "field.body", "field.body_hint", d.body, True, 10000,
               isRequired=True, errorMessage=msg("error.body_required"))  # fmt: skip
    text_input(ids.X_TEXT, "field.x_text", "field.x_text_hint", d.x_text, True)
    text_input(ids.BLOG_TITLE, "field.blog_title", "field.blog_title_hint", d.blog_title)
    text_input(ids.URL, "field.url", "field.url_hint", d.url, style="Url")
    dry = {c: msg("channel.dry_run_suffix") for c in dry_run}
    field({"type": "Input.ChoiceSet", "isMultiSelect": True, "style": "expanded",
           "choices": choices(CHANNELS, "channel", dry), "value": ",".join(d.channels),
           "isRequired": True, "errorMessage": msg("error.channels_required")},
          ids.CHANNELS, "field.channels")  # fmt: skip
    field({"type": "Input.ChoiceSet", "style": "compact", "choices": choices(SOURCES, "source"),
           "value": d.source}, ids.SOURCE, "field.source")  # fmt: skip
    field({"type": "Input.ChoiceSet", "style": "expanded",
           "choices": choices(CATEGORIES, "category"), "value": d.category},
          ids.CATEGORY, "field.category")  # fmt: skip
    if groups:
        field({"type": "Input.ChoiceSet", "style": "compact", "value": d.group_name,
               "choices": [{"title": g, "value": g} for g in groups]},
              ids.GROUP, "field.group", "field.group_hint")  # fmt: skip
    else:
        text_input(ids.GROUP, "field.group", "field.group_hint_unregistered", d.group_name)
    field({"type": "Input.Date", "value": d.group_date}, ids.GROUP_DATE, "field.group_date")
    text_input(ids.GROUP_DRAFT, "field.group_draft", "field.group_draft_hint", d.group_draft,
               True, 10000)  # fmt: skip
    field({"type": "Input.Date", "value": local.strftime("%Y-%m-%d") if local else ""},
          ids.PUBLISH_DATE, "field.publish_at", "teams.publish_at_hint")  # fmt: skip
    field({"type": "Input.Time", "value": local.strftime("%H:%M") if local else ""},
          ids.PUBLISH_TIME, "teams.publish_time")  # fmt: skip
    if "publish_at" in errors:
        body.append(error_text(errors["publish_at"]))
    body.append(text(msg("teams.no_images"), isSubtle=True, size="small"))
    submit = {"type": "Action.Submit", "title": msg("modal.submit"), "style": "positive",
              "data": {"verb": ids.DRAFT_SUBMIT, **(meta or {})}}  # fmt: skip
    return card(body, [submit])


def form_title(msg: Messages, mode: str | None) -> str:
    return msg("modal.title_resubmit" if mode == ids.RESUBMIT else "modal.title")


# -- the approval card ---------------------------------------------------------------------------


def _facts(msg: Messages, draft: DraftSnapshot, name_of: NameOf) -> dict:
    c = draft.content
    facts = [
        (msg("card.author"), name_of(draft.author_id)),
        (msg("card.source"), msg("source." + c.source)),
        (msg("card.category"), msg("category." + c.category)),
        (msg("card.url"), c.url[:300] if c.url else msg("card.no_url")),
        (msg("card.publish_at"), msg.time(c.publish_at) if c.publish_at else msg("card.publish_now")),
    ]  # fmt: skip
    if c.group_name:
        facts.append((msg("card.group"), c.group_name[:200]))
    if c.group_date:
        facts.append((msg("card.group_date"), c.group_date))
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]}


def _previews(msg: Messages, draft: DraftSnapshot) -> list[dict]:
    c, blocks = draft.content, []

    def preview(head: str, value: str) -> None:
        blocks.append(text(card_markdown(head), weight="bolder", spacing="medium"))
        blocks.append(literal(shorten(value, PREVIEW_CHARS, msg)))

    if "x" in c.channels:
        preview(msg("card.preview_x", weight=draft.x_weight, max=X_MAX_WEIGHT), draft.x_text)
    if "facebook" in c.channels:
        preview(msg("card.preview_facebook"), c.body)
    if "blog" in c.channels:
        preview(msg("card.preview_blog", title=shorten(draft.blog_title, 150, msg)), c.body)
    if c.group_draft:
        preview(msg("card.group_draft"), c.group_draft)
    dry = [ch for ch in c.channels if ch in draft.dry_run_channels]
    if dry and draft.status == PENDING:
        names = "、".join(msg(f"channel.{ch}") for ch in dry)
        blocks.append(text(f"{msg('card.dry_run')}: {names}", isSubtle=True, size="small"))
    return blocks


def publication_lines(msg: Messages, draft: DraftSnapshot) -> list[dict]:
    return [text(say(msg, publication(p, draft)), spacing="small") for p in draft.publications]


def _decided(msg: Messages, draft: DraftSnapshot, name_of: NameOf) -> list[dict]:
    return [
        {**literal(say(msg, decision(draft), name_of)), "separator": True},
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
        _facts(msg, draft, name_of),
        text(card_markdown(msg("source_rule." + draft.content.source)), isSubtle=True,
             size="small"),
        *_previews(msg, draft),
    ]  # fmt: skip
    if draft.revision > 1:
        who = name_of(draft.revised_by)
        body.insert(1, text(card_markdown(msg("card.revised", revision=draft.revision, who=who))))
    actions = [dialog_button(msg, "button.full_text", ids.SHOW_FULL, data)]
    if draft.status != PENDING:
        body.extend(_decided(msg, draft, name_of))
        failed = [p.channel for p in draft.publications if p.status == FAILED]
        if failed:
            actions.insert(0, execute(msg, "button.retry", ids.RETRY, data))
        return card(body, actions)  # no refresh: the decided card is the same for everyone
    refresh = {
        "action": {"type": "Action.Execute", "verb": ids.REFRESH, "data": data},
        "userIds": list(approver_mris),
    }
    if not for_approver:
        body.append(text(msg("teams.card_for_approvers"), isSubtle=True, size="small"))
        return card(body, [*actions, execute(msg, "teams.refresh", ids.REFRESH, data)], refresh)
    reject = card(
        [{"type": "Input.Text", "id": ids.REASON, "label": msg("reject.reason"),
          "isMultiline": True, "maxLength": 2000, "isRequired": True,
          "errorMessage": msg("error.reason_required")}],
        [execute(msg, "reject.submit", ids.REJECT, data, "destructive")],
    )  # fmt: skip
    approve = execute(msg, "button.approve", ids.APPROVE, data, "positive")
    approve["associatedInputs"] = "none"
    show_reject = {"type": "Action.ShowCard", "title": msg("button.reject"), "card": reject}
    return card(body, [approve, show_reject, *actions], refresh)


def with_error(content: dict, message: str) -> dict:
    """The same card with a warning line at the top (e.g. a reject without its reason)."""
    return {**content, "body": [error_text(message), *content["body"]]}


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


# -- messages to the author, the approvers and the chief -----------------------------------------


def author_card(msg: Messages, draft: DraftSnapshot, kind: str, name_of: NameOf) -> dict:
    """The author's message: submitted, rejected, results, edited, expired or cancelled."""
    data = {"draft": draft.id, "revision": draft.revision}
    who = name_of(draft.decided_by or "")
    if kind == "submitted":
        body = [text(card_markdown(msg("dm.submitted", id=draft.id)))]
        if draft.content.publish_at:
            body.append(text(msg("dm.scheduled_at", when=msg.time(draft.content.publish_at))))
        body += _previews(msg, draft)
        actions = [execute(msg, "button.withdraw", ids.WITHDRAW, data, "destructive"),
                   dialog_button(msg, "button.full_text", ids.SHOW_FULL, data)]  # fmt: skip
        return card(body, actions)
    if kind == "rejected":
        reason = draft.reject_reason or ""
        body = [literal(msg("dm.rejected", id=draft.id, who=who, reason=reason))]
        return card(body, [dialog_button(msg, "button.resubmit", ids.RESUBMIT, data)])
    if kind == "edited":
        return card([text(msg("dm.edited", id=draft.id, who=name_of(draft.revised_by)))])
    if kind == "expired":
        when = msg.time(draft.content.publish_at) if draft.content.publish_at else ""
        return card([text(msg("dm.expired", id=draft.id, when=when))])
    if kind == "cancelled":
        body = [text(msg("dm.cancelled", id=draft.id, who=who)), *publication_lines(msg, draft)]
        return card(body)
    body = [text(msg("dm.results", id=draft.id), weight="bolder"), *publication_lines(msg, draft)]
    if any(p.status == FAILED for p in draft.publications):
        body.append(text(msg("dm.results_partial"), isSubtle=True))
        return card(body, [execute(msg, "button.retry", ids.RETRY, data)])
    return card(body)


def approver_card(msg: Messages, draft: DraftSnapshot, kind: str, name_of: NameOf) -> dict:
    """A message to the approvers about one draft (kind `expired`)."""
    when = msg.time(draft.content.publish_at) if draft.content.publish_at else ""
    author = name_of(draft.author_id)
    return card([text(msg("dm.expired_chief", id=draft.id, when=when, author=author))])


def reminder_card(msg: Messages, waiting: list[DraftSnapshot], name_of: NameOf) -> dict:
    body = [text(msg("reminder.header", count=len(waiting)), weight="bolder")]
    for draft in waiting[:LIST_LIMIT]:
        excerpt = shorten(draft.content.body.replace("\n", " "), 120, msg)
        line = msg("reminder.line", id=draft.id, author=name_of(draft.author_id),
                   since=msg.time(draft.created_at), excerpt="")  # fmt: skip
        body += [text(card_markdown(line.strip()), separator=True), literal(excerpt)]
    if len(waiting) > LIST_LIMIT:
        body.append(text(msg("home.more", count=len(waiting) - LIST_LIMIT), isSubtle=True))
    return card(body)


def review_card(msg: Messages, items: list[ReviewItem], name_of: NameOf) -> dict:
    """The deputy's decisions for the chief to confirm (後閲), each with 確認しました."""
    body = [text(msg("review.header", count=len(items)), weight="bolder")]
    for item in items[:LIST_LIMIT]:
        line = msg("review.line", id=item.draft_id, decision=msg(f"decision.{item.outcome}"),
                   who=name_of(item.decided_by), when=msg.time(item.decided_at))  # fmt: skip
        button = execute(msg, "button.review_ack", ids.REVIEW_ACK, {"decision": item.decision_id})
        body.append(_line_with_button(line, button))
    return card(body)


def rotation_card(msg: Messages, items: list[RotationItem]) -> dict:
    """The accounts whose passwords or tokens must change (§6), each with 変更済み."""
    body = [text(msg("rotation.header", count=len(items)), weight="bolder")]
    for item in items[:LIST_LIMIT]:
        line = msg("rotation.line", account=msg(f"account.{item.account}"),
                   reason=item.reason, since=msg.time(item.opened_at))  # fmt: skip
        button = execute(msg, "button.rotation_done", ids.ROTATION_DONE, {"task": item.task_id})
        body.append(_line_with_button(card_markdown(line), button))
    return card(body)


def _line_with_button(line: str, button: dict) -> dict:
    return {
        "type": "ColumnSet",
        "separator": True,
        "columns": [
            {"type": "Column", "width": "stretch", "items": [text(line)]},
            {"type": "Column", "width": "auto",
             "items": [{"type": "ActionSet", "actions": [button]}]},
        ],
    }  # fmt: skip


def status_card(msg: Messages, drafts: list[DraftSnapshot]) -> dict:
    """`status`: the person's open drafts, one line each with every channel's state."""
    body = [text(msg("status.header"), weight="bolder")]
    for d in drafts:
        excerpt = shorten(d.content.body.replace("\n", " "), 60, msg)
        state = msg(f"state.{d.status}")
        line = msg("status.line", id=d.id, state=state, excerpt=excerpt)
        body.append({**literal(line), "separator": True})
        body.extend(publication_lines(msg, d))
    if not drafts:
        body.append(text(msg("status.none")))
    return card(body)
