"""The draft form for Teams dialogs: the same fields and names as Slack's modal (a pure builder)."""

from __future__ import annotations

from bot.approval.drafts import CATEGORIES, SOURCES, DraftInput
from bot.config import CHANNELS
from bot.messages import JST, Messages
from handlers.teams import ids, images_card
from handlers.teams.cards import (
    PREVIEW_CHARS,
    card,
    dialog_button,
    error_text,
    literal,
    shorten,
    text,
)
from handlers.teams.text import rich


def launcher(msg: Messages, prefill: str = "") -> dict:
    """The answer to the `sns` command: a button that opens the draft form; `sns <text>` (as
    Slack's `/sns draft <text>`) shows the text, and the form opens with it as the body."""
    body = [text(msg("teams.launcher"))]
    if prefill:
        body.append(literal(shorten(prefill, PREVIEW_CHARS, msg), isSubtle=True))
    data = {ids.PREFILL: prefill} if prefill else {}
    return card(body, [dialog_button(msg, "teams.open_form", ids.OPEN_DRAFT, data)])


def welcome(msg: Messages) -> dict:
    """The first message after the app is installed: what the bot does and how to start."""
    return card(
        [text(msg("teams.welcome.title"), size="large", weight="bolder"),
         text(msg("teams.welcome.text"))],
        [dialog_button(msg, "teams.open_form", ids.OPEN_DRAFT, {})],
    )  # fmt: skip


def draft_form(
    msg: Messages,
    *,
    initial: DraftInput | None = None,
    dry_run: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    errors: dict[str, str] | None = None,
    meta: dict | None = None,
    preview: list[dict] | None = None,
    pictures: list[dict] | None = None,
) -> dict:
    """The draft form: the same fields and names as Slack's modal; `errors` under their fields,
    `preview` (プレビュー's X count and the chief's card) above them, `pictures` the note on the
    pictures sent to the bot that the form will take."""
    d = initial or DraftInput(body="", channels=CHANNELS)
    errors = errors or {}
    body: list = list(preview or [])

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
    answer = "" if d.on_internet is None else ids.ANSWERS[0 if d.on_internet else 1]
    field({"type": "Input.ChoiceSet", "style": "expanded", "value": answer,
           "choices": choices(ids.ANSWERS, "on_internet")},
          ids.ON_INTERNET, "field.on_internet", "field.on_internet_hint")  # fmt: skip
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
    if (meta or {}).get("mode") == ids.GROUP_REQUEST:  # fixed by the group's request (§5(4))
        words = {"group": d.group_name, "reference": str(meta.get("reference", ""))}
        body.append(rich(msg, "intake.fixed", words, {"isSubtle": True}))
        body.extend([text(msg("field.group_draft"), weight="bolder"), literal(d.group_draft)])
    elif groups:
        field({"type": "Input.ChoiceSet", "style": "compact", "value": d.group_name,
               "choices": [{"title": g, "value": g} for g in groups]},
              ids.GROUP, "field.group", "field.group_hint")  # fmt: skip
    else:
        text_input(ids.GROUP, "field.group", "field.group_hint_unregistered", d.group_name)
    if (meta or {}).get("mode") != ids.GROUP_REQUEST:
        field({"type": "Input.Date", "value": d.group_date}, ids.GROUP_DATE, "field.group_date")
        text_input(ids.GROUP_DRAFT, "field.group_draft", "field.group_draft_hint",
                   d.group_draft, True, 10000)  # fmt: skip
    field({"type": "Input.Date", "value": local.strftime("%Y-%m-%d") if local else ""},
          ids.PUBLISH_DATE, "field.publish_at", "teams.publish_at_hint")  # fmt: skip
    field({"type": "Input.Time", "value": local.strftime("%H:%M") if local else ""},
          ids.PUBLISH_TIME, "teams.publish_time")  # fmt: skip
    if "publish_at" in errors:
        body.append(error_text(errors["publish_at"]))
    body += pictures or images_card.form_lines(msg, ())
    if "images" in errors:
        body.append(error_text(errors["images"]))
    submit = {"type": "Action.Submit", "title": msg("modal.submit"), "style": "positive",
              "data": {"verb": ids.DRAFT_SUBMIT, **(meta or {})}}  # fmt: skip
    look = {"type": "Action.Submit", "title": msg("teams.preview"),
            "data": {"verb": ids.DRAFT_PREVIEW, **(meta or {})}}  # fmt: skip
    return card(body, [submit, look])


def form_title(msg: Messages, mode: str | None) -> str:
    titles = {ids.RESUBMIT: "modal.title_resubmit", ids.EDIT: "modal.title_edit"}
    return msg(titles.get(mode or "", "modal.title"))
