"""Modal views: the draft form with its live X counter, the reject reason, the full text."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
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

from bot.drafts import (
    CATEGORIES,
    MAX_IMAGES,
    SOURCES,
    X_MAX_WEIGHT,
    DraftInput,
    compose_x_text,
    x_weight,
)
from bot.messages import Messages
from bot.snapshot import DraftSnapshot
from handlers.slack import ids
from handlers.slack.blocks import (
    chunks,
    esc,
    metadata,
    options,
)

# The draft form's modes (in its private_metadata): a new draft unless one of these.
RESUBMIT, EDIT = "resubmit", "edit"

# -- draft modal ------------------------------------------------------------------------------


def x_counter_text(msg: Messages, draft: DraftInput) -> str:
    """ "X: 231 / 280（残り 49）": the weighted length of what X will get, URL included."""
    weight = x_weight(compose_x_text(draft))
    if weight > X_MAX_WEIGHT:
        return msg("counter.over", weight=weight, max=X_MAX_WEIGHT, over=weight - X_MAX_WEIGHT)
    return msg("counter.ok", weight=weight, max=X_MAX_WEIGHT, left=X_MAX_WEIGHT - weight)


def group_input(msg: Messages, groups: tuple[str, ...], chosen: str) -> InputBlock:
    """The requesting group: a choice among the registered groups, or typed when none are."""
    if not groups:
        element = PlainTextInputElement(action_id=ids.GROUP, initial_value=chosen or None)
        return InputBlock(block_id=ids.GROUP, label=msg("field.group"), optional=True,
                          hint=msg("field.group_hint_unregistered"), element=element)  # fmt: skip
    choices = [Option(value=name[:150], text=name[:75]) for name in groups[:100]]
    element = StaticSelectElement(
        action_id=ids.GROUP,
        options=choices,
        initial_option=next((o for o in choices if o.value == chosen), None),
    )
    return InputBlock(block_id=ids.GROUP, label=msg("field.group"), optional=True,
                      hint=msg("field.group_hint"), element=element)  # fmt: skip


def draft_modal(
    msg: Messages,
    *,
    offered: tuple[str, ...],
    dry_run: tuple[str, ...],
    initial: DraftInput | None = None,
    mode: str = "",
    draft_id: int | None = None,
    groups: tuple[str, ...] = (),
) -> dict:
    """The draft form (callback `draft_submit`), each input's block_id = its action_id.

    With registered groups, the group is chosen from them; without, it is typed.
    """
    d = initial or DraftInput(body="", channels=offered)
    suffix = {c: msg("channel.dry_run_suffix") for c in dry_run}
    channel_options = options(offered, "channel", msg, suffix)
    source_options = options(SOURCES, "source", msg)
    category_options = options(CATEGORIES, "category", msg)

    def text_input(
        block_id, label, hint=None, value="", multiline=False, optional=True, max_length=None
    ):
        live = block_id in ids.COUNTED_FIELDS  # each keystroke updates the X counter
        return InputBlock(
            block_id=block_id,
            label=msg(label),
            hint=msg(hint) if hint else None,
            optional=optional,
            dispatch_action=live or None,
            element=PlainTextInputElement(
                action_id=block_id,
                initial_value=value or None,
                multiline=multiline,
                max_length=max_length,
                dispatch_action_config=(
                    {"trigger_actions_on": ["on_character_entered"]} if live else None
                ),
            ),
        )

    blocks = [
        text_input(ids.BODY, "field.body", "field.body_hint", d.body, True, False, 10000),
        text_input(ids.X_TEXT, "field.x_text", "field.x_text_hint", d.x_text, True),
        ContextBlock(
            block_id=ids.X_COUNTER, elements=[MarkdownTextObject(text=x_counter_text(msg, d))]
        ),
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
        group_input(msg, groups, d.group_name),
        InputBlock(
            block_id=ids.GROUP_DATE,
            label=msg("field.group_date"),
            optional=True,
            element=DatePickerElement(action_id=ids.GROUP_DATE, initial_date=d.group_date or None),
        ),
        text_input(
            ids.GROUP_DRAFT,
            "field.group_draft",
            "field.group_draft_hint",
            d.group_draft,
            True,
            True,
            10000,
        ),  # fmt: skip
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
        title=msg(
            {RESUBMIT: "modal.title_resubmit", EDIT: "modal.title_edit"}.get(mode, "modal.title")
        ),
        submit=msg("modal.submit"),
        close=msg("modal.close"),
        private_metadata=metadata(mode=mode, draft=draft_id) if mode else "",
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
