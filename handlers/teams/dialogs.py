"""Dialogs: the draft form (bot button or message extension), its submission, the full text."""

from __future__ import annotations

import logging
import re
import uuid

from bot.approval import deciding, drafts, forms
from bot.approval.snapshot import content_of, take
from bot.config import CHANNELS
from bot.features import crosspost, feed
from bot.models import PENDING, Draft
from bot.people import groups, roles
from bot.services import Services
from handlers.teams import approval_card, cards, form_card, ids, people
from handlers.teams.forms import draft_from_data, whole_number
from handlers.teams.ids import FRONT_END
from handlers.teams.text import messages_for, plain, plain_say

log = logging.getLogger(__name__)

TAG = re.compile(r"<[^>]+>")


def not_operator(services: Services, session, msg) -> str:
    chief = roles.chief_id(session, FRONT_END)
    if not chief:
        return msg("refuse.no_chief")
    return plain(msg, "teams.not_operator", {"chief": people.name_of(session, chief)})


def _draft_id(data: dict) -> int | None:
    value = data.get("draft")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def open_form(services: Services, activity, data: dict, prefill: str = "") -> dict:
    """task/fetch (and the message extension's fetchTask): the form, the full text, or why not."""
    verb = data.get("verb")
    with services.session_factory.begin() as session:
        user = people.identify(session, activity)
        people.remember(session, user, activity, services.clock())
        msg = messages_for(user.locale, services.settings.locale)
        if roles.role_of(session, user.id, FRONT_END) is None:
            return cards.close_dialog(not_operator(services, session, msg))
        draft_id = _draft_id(data)
        draft = session.get(Draft, draft_id) if draft_id is not None else None
        if verb in (ids.SHOW_FULL, ids.RESUBMIT, ids.EDIT, ids.CROSS_POST) and draft is None:
            return cards.close_dialog(msg("refuse.not_found", id=draft_id))
        if verb == ids.SHOW_FULL:
            snapshot = take(session, draft, services.dry_run_channels, services.clock())
            return cards.dialog(
                msg("full.title", id=draft.id), approval_card.full_text_card(msg, snapshot)
            )
        if verb == ids.OPEN_DRAFT and isinstance(data.get(ids.PREFILL), str):
            prefill = prefill or data[ids.PREFILL]  # `sns <text>`: the launcher carries it
        initial = drafts.DraftInput(body=drafts.clean_input(prefill)[:10000], channels=CHANNELS)
        meta = {"nonce": uuid.uuid4().hex}
        if verb == ids.FEED_DRAFT:  # an HP update's 下書きを作成: its title and link filled in
            entry = _feed_entry(session, data)
            if entry is None:
                return cards.close_dialog(msg("feed.not_found"))
            initial = drafts.DraftInput(body=entry.title, channels=CHANNELS, source="hp_update",
                                        url=entry.link)  # fmt: skip
        if verb == ids.CROSS_POST:  # §5(3): the published post, for the networks it did not use
            offered = crosspost.offer(
                take(session, draft, services.dry_run_channels, services.clock())
            )
            if offered is None:
                return cards.close_dialog(msg("crosspost.nothing", id=draft.id))
            initial = offered
        if verb == ids.RESUBMIT:
            if draft.author_id != user.id:
                return cards.close_dialog(msg("refuse.not_author"))
            initial, meta = (
                content_of(draft.current),
                {**meta, "mode": ids.RESUBMIT, "draft": draft.id},
            )
        if verb == ids.EDIT:  # the chief's edit: the core decides who may, and records refusals
            refused = _edit_refused(services, session, user, msg, draft)
            if refused:
                return cards.close_dialog(refused)
            initial = content_of(draft.current)
            meta = {**meta, "mode": ids.EDIT, "draft": draft.id}
        form = form_card.draft_form(msg, initial=initial, dry_run=services.dry_run_channels,
                                groups=groups.names(session), meta=meta)  # fmt: skip
        return cards.dialog(form_card.form_title(msg, meta.get("mode")), form)


def _edit_refused(services: Services, session, user, msg, draft: Draft) -> str:
    """Why `user` may not open the chief's edit of `draft` now ("" when they may)."""
    if not deciding.may_edit(session, user.id, draft):
        deciding.refuse(session, draft_id=draft.id, actor=user.id, attempted=ids.EDIT,
                        now=services.clock())  # fmt: skip
        return msg("refuse.not_chief")
    if draft.status != PENDING:
        return msg("refuse.not_pending", id=draft.id)
    return ""


def _feed_entry(session, data: dict):
    entry_id = whole_number(data.get("entry"))
    return feed.item(session, entry_id) if entry_id is not None else None


def message_text(value: dict) -> str:
    """The text of the message a message-extension command was started from, if any."""
    payload = value.get("messagePayload") if isinstance(value, dict) else None
    body = (payload or {}).get("body") or {}
    content = body.get("content") if isinstance(body, dict) else ""
    return TAG.sub("", content).replace("&nbsp;", " ") if isinstance(content, str) else ""


def submit_form(services: Services, activity, data: dict) -> dict:
    """task/submit of the draft form: store it, or show the form again with the problems."""
    content, problems = draft_from_data(data)
    meta = {k: data[k] for k in ("nonce", "mode", "draft") if k in data}
    with services.session_factory() as session:
        user = people.identify(session, activity)
    msg = messages_for(user.locale, services.settings.locale)
    result = forms.submit_form(
        services.session_factory,
        services.clock,
        front_end=FRONT_END,
        user_id=user.id,
        content=content,
        submission_key=f"teams:{str(meta.get('nonce') or uuid.uuid4().hex)[:64]}",
        mode=meta.get("mode"),
        draft_id=meta.get("draft"),
        parse_errors=problems,
        schedule_lead=services.settings.schedule_lead,
    )
    if result.errors:
        shown = {field: msg(key, **values) for field, (key, values) in result.errors.items()}
        return _form_again(services, msg, content, result.groups, shown, meta)
    if result.problem:
        return cards.close_dialog(_problem_text(services, msg, result.problem))
    if result.stored:
        services.wake()
    return cards.close_dialog(msg("teams.sent"))


def _problem_text(services: Services, msg, problem: tuple[str, dict]) -> str:
    if problem[0] == forms.NOT_OPERATOR:
        with services.session_factory() as session:
            return not_operator(services, session, msg)
    return plain_say(msg, problem)


def _form_again(services, msg, content, registered, errors: dict, meta: dict) -> dict:
    form = form_card.draft_form(msg, initial=content, dry_run=services.dry_run_channels,
                            groups=registered, errors=errors, meta=meta)  # fmt: skip
    return cards.dialog(form_card.form_title(msg, meta.get("mode")), form)
