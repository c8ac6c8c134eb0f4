"""Modal views: the draft form with its live X counter, the reject reason, the full text.

Built as plain dicts in Slack's JSON shape: `/sns` opens the draft form on every call, and
slack_sdk's model objects (validation and `to_dict` on every element) cost several times more.
"""

from __future__ import annotations

from bot.approval.drafts import (
    CATEGORIES,
    IMAGE_ALT_MAX_CHARS,
    MAX_IMAGES,
    SOURCES,
    DraftInput,
)
from bot.approval.snapshot import DraftSnapshot
from bot.approval.wording import x_counter
from bot.messages import Messages
from handlers.slack import ids
from handlers.slack.blocks import (
    chunks,
    esc,
    metadata,
    option,
    options,
    plain_text,
)

# The draft form's modes (in its private_metadata): a new draft unless one of these.
RESUBMIT, EDIT = "resubmit", "edit"

LIVE = {"trigger_actions_on": ["on_character_entered"]}  # typing updates the X counter
IMAGE_TYPES = ["jpg", "jpeg", "png", "webp"]


def _without_empty(values: dict) -> dict:
    """Slack's JSON leaves out what is not set."""
    return {key: value for key, value in values.items() if value not in (None, "", [])}


def input_block(block_id: str, label: str, element: dict, *, hint=None, optional=None, **more):
    """An input block whose element's action_id is its block_id (the form's contract)."""
    return _without_empty(
        {
            "type": "input",
            "block_id": block_id,
            "label": plain_text(label),
            "hint": plain_text(hint) if hint else None,
            "optional": optional,
            "element": _without_empty({**element, "action_id": block_id}),
            **more,
        }
    )


def modal(title: str, blocks: list, *, close: str, submit=None, callback_id=None, **more) -> dict:
    return _without_empty(
        {
            "type": "modal",
            "callback_id": callback_id,
            "title": plain_text(title),
            "submit": plain_text(submit) if submit else None,
            "close": plain_text(close),
            "blocks": blocks,
            **more,
        }
    )


# -- draft modal ------------------------------------------------------------------------------


def x_counter_text(msg: Messages, draft: DraftInput) -> str:
    """ "X: 231 / 280（残り 49）": the weighted length of what X will get, URL included."""
    key, values = x_counter(draft)
    return msg(key, **values)


def group_input(msg: Messages, groups: tuple[str, ...], chosen: str) -> dict:
    """The requesting group: a choice among the registered groups, or typed when none are."""
    if not groups:
        element = {"type": "plain_text_input", "initial_value": chosen}
        return input_block(ids.GROUP, msg("field.group"), element, optional=True,
                           hint=msg("field.group_hint_unregistered"))  # fmt: skip
    choices = [option(name[:150], name[:75]) for name in groups[:100]]
    element = {
        "type": "static_select",
        "options": choices,
        "initial_option": next((o for o in choices if o["value"] == chosen), None),
    }
    return input_block(ids.GROUP, msg("field.group"), element, optional=True,
                       hint=msg("field.group_hint"))  # fmt: skip


def on_internet_input(msg: Messages, answer: bool | None) -> dict:
    """Policy §4's question: is the information already on the internet? (yes: URL required)"""
    answers = options(ids.ANSWERS, "on_internet", msg)
    chosen = None if answer is None else answers[0 if answer else 1]
    return input_block(ids.ON_INTERNET, msg("field.on_internet"),
                       {"type": "radio_buttons", "options": answers, "initial_option": chosen},
                       hint=msg("field.on_internet_hint"), optional=True)  # fmt: skip


def text_input(msg: Messages, block_id: str, label: str, hint: str | None, value: str, *,
               multiline=False, optional=True, max_length=None) -> dict:  # fmt: skip
    """A text field; typing in the counted ones (body, X text, URL) updates the X counter."""
    live = block_id in ids.COUNTED_FIELDS
    element = {
        "type": "plain_text_input",
        "initial_value": value,
        "multiline": multiline,
        "max_length": max_length,
        "dispatch_action_config": LIVE if live else None,
    }
    return input_block(block_id, msg(label), element, hint=msg(hint) if hint else None,
                       optional=optional, dispatch_action=live or None)  # fmt: skip


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
    counter = {"type": "mrkdwn", "text": x_counter_text(msg, d)}
    blocks = [
        text_input(msg, ids.BODY, "field.body", "field.body_hint", d.body,
                   multiline=True, optional=False, max_length=10000),
        text_input(msg, ids.X_TEXT, "field.x_text", "field.x_text_hint", d.x_text,
                   multiline=True),
        {"type": "context", "block_id": ids.X_COUNTER, "elements": [counter]},
        text_input(msg, ids.BLOG_TITLE, "field.blog_title", "field.blog_title_hint",
                   d.blog_title),
        on_internet_input(msg, d.on_internet),
        text_input(msg, ids.URL, "field.url", "field.url_hint", d.url),
        input_block(ids.CHANNELS, msg("field.channels"), {
            "type": "checkboxes",
            "options": channel_options,
            "initial_options": [o for o in channel_options if o["value"] in d.channels],
        }),
        input_block(ids.SOURCE, msg("field.source"), {
            "type": "static_select",
            "options": source_options,
            "initial_option": next(o for o in source_options if o["value"] == d.source),
        }),
        input_block(ids.CATEGORY, msg("field.category"), {
            "type": "radio_buttons",
            "options": category_options,
            "initial_option": next(o for o in category_options if o["value"] == d.category),
        }),
        group_input(msg, groups, d.group_name),
        input_block(ids.GROUP_DATE, msg("field.group_date"),
                    {"type": "datepicker", "initial_date": d.group_date}, optional=True),
        text_input(msg, ids.GROUP_DRAFT, "field.group_draft", "field.group_draft_hint",
                   d.group_draft, multiline=True, max_length=10000),
        input_block(ids.PUBLISH_AT, msg("field.publish_at"), {
            "type": "datetimepicker",
            "initial_date_time": int(d.publish_at.timestamp()) if d.publish_at else None,
        }, hint=msg("field.publish_at_hint"), optional=True),
        input_block(ids.IMAGES, msg("field.images"), {
            "type": "file_input", "filetypes": IMAGE_TYPES, "max_files": MAX_IMAGES,
        }, optional=True),
        text_input(msg, ids.IMAGE_ALT, "field.image_alt", "field.image_alt_hint",
                   "\n".join(str(i.get("alt") or "") for i in d.images), multiline=True,
                   max_length=MAX_IMAGES * (IMAGE_ALT_MAX_CHARS + 1)),
    ]  # fmt: skip
    title = {RESUBMIT: "modal.title_resubmit", EDIT: "modal.title_edit"}.get(mode, "modal.title")
    return modal(
        msg(title),
        blocks,
        callback_id=ids.DRAFT_SUBMIT,
        submit=msg("modal.submit"),
        close=msg("modal.close"),
        private_metadata=metadata(mode=mode, draft=draft_id) if mode else "",
    )


# -- reject and full-text modals --------------------------------------------------------------


def reject_modal(msg: Messages, draft_id: int, private_metadata: str) -> dict:
    return reason_modal(msg, "reject", ids.REASON, ids.REJECT_SUBMIT, draft_id, private_metadata)


def send_back_modal(msg: Messages, draft_id: int, private_metadata: str) -> dict:
    """A review step's 差し戻し: the comment for the author is required."""
    return reason_modal(
        msg, "send_back", ids.COMMENT, ids.SEND_BACK_SUBMIT, draft_id, private_metadata
    )


def reason_modal(msg: Messages, keys: str, input_id: str, callback_id: str, draft_id: int,
                 private_metadata: str) -> dict:  # fmt: skip
    """A modal asking why (the chief's reject, a reviewer's send-back): `keys` names its texts."""
    reason = {"type": "plain_text_input", "multiline": True, "max_length": 2000}
    label = msg("reject.reason") if keys == "reject" else msg(f"{keys}.comment")
    return modal(
        msg(f"{keys}.title"),
        [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": msg(f"{keys}.intro", id=draft_id)},
            },
            input_block(input_id, label, reason),
        ],
        callback_id=callback_id,
        submit=msg(f"{keys}.submit"),
        close=msg(f"{keys}.close"),
        private_metadata=private_metadata,
    )


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
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{esc(label)}*"}})
        blocks.extend(
            {"type": "section", "text": {"type": "plain_text", "text": part}}
            for part in chunks(text)
        )
    return modal(msg("full.title", id=draft.id)[:24], blocks[:100], close=msg("full.close"))
