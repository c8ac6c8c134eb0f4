"""The draft dialog's プレビュー: the form again as typed, with the X count and the chief's card."""

from __future__ import annotations

from dataclasses import replace

from bot.approval import drafts
from bot.approval.drafts import CATEGORIES, SOURCES, DraftInput
from bot.approval.snapshot import unsaved
from bot.approval.wording import x_counter
from bot.config import CHANNELS
from bot.messages import Messages, messages_for
from bot.people import groups, roles
from bot.services import Services
from handlers.teams import approval_card, cards, form_card, images, images_card, people
from handlers.teams.forms import draft_from_data
from handlers.teams.ids import FRONT_END


def section(msg: Messages, content: DraftInput, chief_view: list[dict] | None) -> list[dict]:
    """The preview shown above the form: the weighted X count, then the chief's card (unless a
    choice holds a value the form does not offer: a card is drawn from known values only)."""
    key, values = x_counter(content)
    over = key == "counter.over"
    counter = cards.text(msg(key, **values), weight="bolder", color="attention" if over else None)
    if not over:
        counter.pop("color")
    return [{
        "type": "Container",
        "style": "emphasis",
        "items": [
            cards.text(msg("teams.preview.title"), size="medium", weight="bolder"),
            counter,
            *([cards.text(msg("teams.preview.chief"), isSubtle=True, size="small"),
               {"type": "Container", "style": "default", "items": chief_view}]
              if chief_view else [cards.error_text(msg("teams.preview.fix"))]),
        ],
    }]  # fmt: skip


def show(services: Services, activity, data: dict, refuse) -> dict:
    """task/submit with the preview flag: nothing is stored; the form comes back filled in."""
    content, problems = draft_from_data(data)
    problems = dict(problems)
    meta = {k: data[k] for k in ("nonce", "mode", "draft") if k in data}
    now = services.clock()
    with services.session_factory() as session:
        user = people.identify(session, activity)
        msg = messages_for(user.locale, services.settings.locale)
        if roles.role_of(session, user.id, FRONT_END) is None:
            return cards.close_dialog(refuse(services, session, msg))
        registered = groups.names(session)
        attached, missing_alt = images.for_form(session, user.id)
        content = replace(content, images=attached)
        problems.update(missing_alt)
        errors = drafts.validate(content, CHANNELS, now, services.settings.schedule_lead,
                                 groups=registered)  # fmt: skip
        errors.update(problems)
        drawable = (content.category in CATEGORIES and content.source in SOURCES
                    and set(content.channels) <= set(CHANNELS))  # fmt: skip
        chief_view = _chief_view(services, session, msg, user, content) if drawable else None
    shown = {field: msg(key, **values) for field, (key, values) in errors.items()}
    form = form_card.draft_form(msg, initial=content, dry_run=services.dry_run_channels,
                                groups=registered, errors=shown, meta=meta,
                                preview=section(msg, content, chief_view),
                                pictures=images_card.form_lines(msg, attached))  # fmt: skip
    return cards.dialog(form_card.form_title(msg, meta.get("mode")), form)


def _chief_view(services: Services, session, msg: Messages, user, content) -> list[dict]:
    """The approval card's body as the chief will get it, but for its header (no number yet)."""
    now = services.clock()
    snapshot = unsaved(session, content, user.id, FRONT_END, services.dry_run_channels, now)
    name_of = lambda user_id: people.name_of(session, user_id)  # noqa: E731
    return approval_card.approval_card(msg, snapshot, name_of, for_approver=True)["body"][1:]
