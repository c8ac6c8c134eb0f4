"""Pure Block Kit builders: draft and reject modals, approval card, author messages, App Home."""

from __future__ import annotations

import json
import re

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.drafts import CATEGORIES, MAX_IMAGES, SOURCES, X_MAX_WEIGHT, DraftInput
from bot.messages import Messages
from bot.models import APPROVED, FAILED, PENDING, PUBLISHED, QUEUED, REJECTED, SENDING
from bot.snapshot import DraftSnapshot, PublicationView
from handlers.slack import ids

PREVIEW_CHARS = 900  # per channel on the card, escaped; the full text is behind "全文を見る"
URL_DISPLAY_CHARS = 300
SECTION_CHARS = 2900  # Slack allows 3000 per section text
HOME_PENDING_LIMIT = 15
HOME_MINE_LIMIT = 20


def esc(text: str) -> str:
    """Escape user text for mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int, msg: Messages) -> str:
    return text if len(text) <= limit else text[:limit] + msg("card.truncated")


def quote(text: str) -> str:
    return "\n".join("> " + line for line in esc(text).splitlines() or [""])


def preview(text: str, msg: Messages, limit: int = PREVIEW_CHARS) -> str:
    """User text as an escaped, quoted preview of at most `limit` characters (plus a marker)."""
    quoted = quote(text)
    if len(quoted) <= limit:
        return quoted
    return re.sub(r"&[a-z]*$", "", quoted[:limit]) + msg("card.truncated")  # never split "&amp;"


def chunks(text: str, size: int = SECTION_CHARS) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _options(values, label_key: str, msg: Messages, suffix: dict | None = None) -> list[Option]:
    return [
        Option(value=v, text=msg(f"{label_key}.{v}") + (suffix or {}).get(v, "")) for v in values
    ]


# -- draft modal ------------------------------------------------------------------------------


def draft_modal(
    msg: Messages,
    *,
    offered: tuple[str, ...],
    dry_run: tuple[str, ...],
    initial: DraftInput | None = None,
    private_metadata: str = "",
) -> dict:
    """The draft form (callback `draft_submit`), each input's block_id = its action_id."""
    d = initial or DraftInput(body="", channels=offered)
    suffix = {c: msg("channel.dry_run_suffix") for c in dry_run}
    channel_options = _options(offered, "channel", msg, suffix)
    source_options = _options(SOURCES, "source", msg)
    category_options = _options(CATEGORIES, "category", msg)

    def text_input(
        block_id, label, hint=None, value="", multiline=False, optional=True, max_length=None
    ):
        return InputBlock(
            block_id=block_id,
            label=msg(label),
            hint=msg(hint) if hint else None,
            optional=optional,
            element=PlainTextInputElement(
                action_id=block_id,
                initial_value=value or None,
                multiline=multiline,
                max_length=max_length,
            ),
        )

    blocks = [
        text_input(ids.BODY, "field.body", "field.body_hint", d.body, True, False, 10000),
        text_input(ids.X_TEXT, "field.x_text", "field.x_text_hint", d.x_text, True),
        text_input(ids.BLOG_TITLE, "field.blog_title", "field.blog_title_hint", d.blog_title),
        text_input(ids.URL, "field.url", "field.url_hint", d.url),
        InputBlock(
            block_id=ids.CHANNELS,
            label=msg("field.channels"),
            element=CheckboxesElement(
                action_id=ids.CHANNELS,
                options=channel_options,
                initial_options=[o for o in channel_options if o.value in d.channels] or None,
            ),
        ),
        InputBlock(
            block_id=ids.SOURCE,
            label=msg("field.source"),
            element=StaticSelectElement(
                action_id=ids.SOURCE,
                options=source_options,
                initial_option=next(o for o in source_options if o.value == d.source),
            ),
        ),
        InputBlock(
            block_id=ids.CATEGORY,
            label=msg("field.category"),
            element=RadioButtonsElement(
                action_id=ids.CATEGORY,
                options=category_options,
                initial_option=next(o for o in category_options if o.value == d.category),
            ),
        ),
        text_input(ids.GROUP, "field.group", "field.group_hint", d.group_name),
        InputBlock(
            block_id=ids.PUBLISH_AT,
            label=msg("field.publish_at"),
            hint=msg("field.publish_at_hint"),
            optional=True,
            element=DateTimePickerElement(
                action_id=ids.PUBLISH_AT,
                initial_date_time=int(d.publish_at.timestamp()) if d.publish_at else None,
            ),
        ),
        InputBlock(
            block_id=ids.IMAGES,
            label=msg("field.images"),
            optional=True,
            element={
                "type": "file_input",
                "action_id": ids.IMAGES,
                "filetypes": ["jpg", "jpeg", "png", "webp"],
                "max_files": MAX_IMAGES,
            },
        ),
    ]
    view = View(
        type="modal",
        callback_id=ids.DRAFT_SUBMIT,
        title=msg("modal.title"),
        submit=msg("modal.submit"),
        close=msg("modal.close"),
        private_metadata=private_metadata,
        blocks=blocks,
    )
    return view.to_dict()


# -- reject and full-text modals --------------------------------------------------------------


def reject_modal(msg: Messages, draft_id: int, private_metadata: str) -> dict:
    return View(
        type="modal",
        callback_id=ids.REJECT_SUBMIT,
        title=msg("reject.title"),
        submit=msg("reject.submit"),
        close=msg("reject.close"),
        private_metadata=private_metadata,
        blocks=[
            SectionBlock(text=msg("reject.intro", id=draft_id)),
            InputBlock(
                block_id=ids.REASON,
                label=msg("reject.reason"),
                element=PlainTextInputElement(
                    action_id=ids.REASON, multiline=True, max_length=2000
                ),
            ),
        ],
    ).to_dict()


def full_text_modal(msg: Messages, draft: DraftSnapshot) -> dict:
    c = draft.content
    blocks: list = []
    for label, text in (
        (msg("field.body"), c.body),
        ("X", draft.x_text if "x" in c.channels else ""),
        (msg("field.blog_title"), draft.blog_title if "blog" in c.channels else ""),
    ):
        if not text:
            continue
        blocks.append(SectionBlock(text=f"*{esc(label)}*"))
        blocks.extend(SectionBlock(text=PlainTextObject(text=part)) for part in chunks(text))
    return View(
        type="modal",
        title=msg("full.title", id=draft.id)[:24],
        close=msg("full.close"),
        blocks=blocks[:100],
    ).to_dict()


# -- approval card --------------------------------------------------------------------------


def _publication_line(msg: Messages, p: PublicationView, draft: DraftSnapshot) -> str:
    channel = msg(f"channel.{p.channel}")
    if p.status == PUBLISHED:
        if p.dry_run:
            return msg("pub.dry_run", channel=channel)
        if p.url:
            return msg("pub.published", channel=channel, url=p.url)
        return msg("pub.published_no_url", channel=channel)
    if p.status == FAILED:
        return msg("pub.failed", channel=channel, error=esc(p.error or msg("pub.error.unknown")))
    if p.status == SENDING:
        return msg("pub.sending", channel=channel)
    if p.status == QUEUED and p.error:
        return msg("pub.retrying", channel=channel, when=msg.time(p.due_at), error=esc(p.error))
    if p.status == QUEUED and p.due_at > draft.taken_at:
        return msg("pub.scheduled", channel=channel, when=msg.time(p.due_at))
    return msg("pub.queued", channel=channel)


def publication_lines(msg: Messages, draft: DraftSnapshot) -> str:
    return "\n".join(_publication_line(msg, p, draft) for p in draft.publications)


def _facts(msg: Messages, draft: DraftSnapshot) -> list:
    c = draft.content
    fields = [
        f"*{msg('card.author')}*\n<@{draft.author_id}>",
        f"*{msg('card.source')}*\n{msg('source.' + c.source)}",
        f"*{msg('card.category')}*\n{msg('category.' + c.category)}",
        f"*{msg('card.url')}*\n{esc(c.url[:URL_DISPLAY_CHARS]) if c.url else msg('card.no_url')}",
        f"*{msg('card.publish_at')}*\n"
        + (msg.time(c.publish_at) if c.publish_at else msg("card.publish_now")),
    ]
    if c.group_name:
        fields.append(f"*{msg('card.group')}*\n{esc(c.group_name)}")
    if c.images:
        fields.append(f"*{msg('card.images')}*\n{msg('card.images_count', count=len(c.images))}")
    return [
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]),
        ContextBlock(elements=[MarkdownTextObject(text=msg("source_rule." + c.source))]),
    ]


def _previews(msg: Messages, draft: DraftSnapshot) -> list:
    c, blocks = draft.content, []
    if "x" in c.channels:
        head = msg("card.preview_x", weight=draft.x_weight, max=X_MAX_WEIGHT)
        blocks.append(SectionBlock(text=head + "\n" + preview(draft.x_text, msg)))
    if "facebook" in c.channels:
        head = msg("card.preview_facebook")
        blocks.append(SectionBlock(text=head + "\n" + preview(c.body, msg)))
    if "blog" in c.channels:
        head = msg("card.preview_blog", title=esc(shorten(draft.blog_title, 150, msg)))
        blocks.append(SectionBlock(text=head + "\n" + preview(c.body, msg)))
    blocks.extend(
        ImageBlock(
            slack_file={"id": image["id"]}, alt_text=str(image.get("name") or "image")[:2000]
        )
        for image in c.images
        if image.get("id")
    )
    dry = [ch for ch in c.channels if ch in draft.dry_run_channels]
    if dry and draft.status == PENDING:
        names = "、".join(msg(f"channel.{ch}") for ch in dry)
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"{msg('card.dry_run')}: {names}")])
        )
    return blocks


def _button(msg: Messages, action_id: str, label: str, value: str, style: str | None = None):
    return ButtonElement(action_id=action_id, text=msg(label), value=value, style=style)


def approval_card(msg: Messages, draft: DraftSnapshot) -> tuple[str, list[dict]]:
    """(fallback text, blocks) for the chief's card; buttons only while the draft is pending."""
    value = str(draft.id)
    blocks: list = [
        HeaderBlock(text=msg("card.header", id=draft.id, revision=draft.revision)),
        *_facts(msg, draft),
        DividerBlock(),
        *_previews(msg, draft),
    ]
    if draft.status == PENDING:
        blocks.append(
            ActionsBlock(
                block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}",
                elements=[
                    _button(msg, ids.APPROVE, "button.approve", value, "primary"),
                    _button(msg, ids.REJECT, "button.reject", value, "danger"),
                    _button(msg, ids.SHOW_FULL, "button.full_text", value),
                ],
            )
        )
    else:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=decision_line(msg, draft)))
        if draft.publications:
            blocks.append(SectionBlock(text=publication_lines(msg, draft)))
        blocks.append(_after_decision_actions(msg, draft))
    excerpt = shorten(draft.content.body.replace("\n", " "), 80, msg)
    return msg("card.fallback", id=draft.id, excerpt=excerpt), [b.to_dict() for b in blocks]


def decision_line(msg: Messages, draft: DraftSnapshot) -> str:
    who, when = f"<@{draft.decided_by}>", msg.time(draft.decided_at) if draft.decided_at else ""
    if draft.status == APPROVED:
        return msg("card.approved", who=who, when=when)
    if draft.status == REJECTED:
        return msg("card.rejected", who=who, when=when, reason=esc(draft.reject_reason or ""))
    return msg("card.withdrawn")


def _after_decision_actions(msg: Messages, draft: DraftSnapshot) -> ActionsBlock:
    elements = [_button(msg, ids.SHOW_FULL, "button.full_text", str(draft.id))]
    failed = [p.channel for p in draft.publications if p.status == FAILED]
    if failed:
        elements.insert(
            0, _button(msg, ids.RETRY, "button.retry", f"{draft.id}:{','.join(failed)}")
        )
    return ActionsBlock(block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}", elements=elements)


# -- messages to the author -----------------------------------------------------------------


def author_message(msg: Messages, draft: DraftSnapshot, kind: str) -> tuple[str, list[dict]]:
    """The author's DM: `submitted`, `rejected` or `results`."""
    if kind == "submitted":
        text = msg("dm.submitted", id=draft.id)
        blocks = [SectionBlock(text=text), *_previews(msg, draft)]
    elif kind == "rejected":
        text = msg(
            "dm.rejected",
            id=draft.id,
            who=f"<@{draft.decided_by}>",
            reason=esc(draft.reject_reason or ""),
        )
        blocks = [SectionBlock(text=text)]
    else:
        text = msg("dm.results", id=draft.id) + "\n" + publication_lines(msg, draft)
        blocks = [SectionBlock(text=text)]
        if any(p.status == FAILED for p in draft.publications):
            blocks.append(
                ContextBlock(elements=[MarkdownTextObject(text=msg("dm.results_partial"))])
            )
            blocks.append(_after_decision_actions(msg, draft))
    return text, [b.to_dict() for b in blocks]


# -- App Home -------------------------------------------------------------------------------


def home_view(
    msg: Messages, pending: list[DraftSnapshot], mine: list[DraftSnapshot], is_chief: bool
) -> dict:
    """The Home tab: the chief's pending approvals with buttons; the user's recent drafts."""
    blocks: list = [
        HeaderBlock(text=msg("home.title")),
        ActionsBlock(elements=[_button(msg, ids.NEW_DRAFT, "home.new_draft", "new", "primary")]),
    ]
    if is_chief:
        blocks.append(SectionBlock(text=f"*{msg('home.pending')}*"))
        for draft in pending[:HOME_PENDING_LIMIT]:
            excerpt = esc(shorten(draft.content.body.replace("\n", " "), 150, msg))
            blocks.append(
                SectionBlock(
                    text=f"*#{draft.id}* <@{draft.author_id}> {msg('source.' + draft.content.source)}\n{excerpt}"
                )
            )
            blocks.append(
                ActionsBlock(
                    block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}:{draft.id}",
                    elements=[
                        _button(msg, ids.APPROVE, "button.approve", str(draft.id), "primary"),
                        _button(msg, ids.REJECT, "button.reject", str(draft.id), "danger"),
                        _button(msg, ids.SHOW_FULL, "button.full_text", str(draft.id)),
                    ],
                )
            )
        if not pending:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=msg("home.none"))]))
        blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=f"*{msg('home.mine')}*"))
    lines = [status_line(msg, d) for d in mine[:HOME_MINE_LIMIT]]
    blocks.append(
        SectionBlock(text="\n".join(lines)[:SECTION_CHARS] if lines else msg("home.none"))
    )
    return View(type="home", blocks=blocks[:100]).to_dict()


def status_line(msg: Messages, draft: DraftSnapshot) -> str:
    excerpt = esc(shorten(draft.content.body.replace("\n", " "), 60, msg))
    line = msg("status.line", id=draft.id, state=msg(f"state.{draft.status}"), excerpt=excerpt)
    if draft.publications:
        line += "\n" + "\n".join(
            "    " + _publication_line(msg, p, draft) for p in draft.publications
        )
    return line


def metadata(**values) -> str:
    """private_metadata for a modal (Slack allows 3000 characters)."""
    return json.dumps(values, separators=(",", ":"))[:3000]
