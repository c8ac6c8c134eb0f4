"""Dialogs: the draft form (bot button or message extension), its submission, the full text."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import replace

from bot.approval import deciding, drafts, forms
from bot.approval.snapshot import content_of, take
from bot.config import CHANNELS
from bot.features import crosspost, feed
from bot.intake import status as intake
from bot.messages import messages_for
from bot.models import PENDING, Draft
from bot.people import groups, roles
from bot.services import Services
from handlers.teams import (
    approval_card,
    cards,
    form_card,
    ids,
    images,
    images_card,
    people,
    preview,
)
from handlers.teams.forms import draft_from_data, whole_number
from handlers.teams.ids import FRONT_END
from handlers.teams.text import plain, plain_say

log = logging.getLogger(__name__)

TAG = re.compile(r"<[^>]+>")
Lookup = Callable[[str], str]  # a Teams user id → their display name ("" when unknown)


def not_operator(services: Services, msg, lookup: Lookup | None = None) -> str:
    """Why someone cannot draft, naming the chief as Teams does (never by an id): the name
    remembered, else learned by `lookup` (the chief's chat opened and its member looked up).
    Called outside any transaction: the lookup writes what it learns."""
    with services.session_factory() as session:
        chief = roles.chief_id(session, FRONT_END)
        name = people.known_name(session, chief) if chief else ""
    if not chief:
        return msg("refuse.no_chief")
    name = name or (lookup(chief) if lookup else "")
    if not name:
        return msg("teams.not_operator_unnamed")
    return plain(msg, "teams.not_operator", {"chief": name})


def _refusal(services: Services, session, msg) -> str:
    """not_operator for callers inside a transaction (the chief's name only if remembered)."""
    return not_operator(services, msg)


def _draft_id(data: dict) -> int | None:
    value = data.get("draft")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def open_form(
    services: Services, activity, data: dict, prefill: str = "", lookup: Lookup | None = None
) -> dict:
    """task/fetch (and the message extension's fetchTask): the form, the full text, or why not."""
    with services.session_factory.begin() as session:
        user = people.identify(session, activity)
        people.remember(session, user, activity, services.clock())
        msg = messages_for(user.locale, services.settings.locale)
        operator = roles.role_of(session, user.id, FRONT_END) is not None
    if not operator:
        return cards.close_dialog(not_operator(services, msg, lookup))
    return _form_or_text(services, user, msg, data, prefill)


def _form_or_text(services: Services, user, msg, data: dict, prefill: str) -> dict:
    verb = data.get("verb")
    with services.session_factory.begin() as session:  # a refused edit is recorded
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
        if verb == ids.GROUP_REQUEST_DRAFT:  # a registered group's request (policy §5(4))
            request = _group_request(session, data)
            if request is None or request.draft_id is not None:
                key = "intake.not_found" if request is None else "intake.already_drafted"
                return cards.close_dialog(msg(key))
            initial = intake.draft_input(request)
            meta = {**meta, "mode": ids.GROUP_REQUEST, "request": request.id,
                    "reference": request.reference}  # fmt: skip
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
        attached = images.for_form(session, user.id)[0]
        if not attached and verb in (ids.RESUBMIT, ids.EDIT):  # the draft's own pictures, kept
            attached = images.of_draft(session, draft.id)
        pictures = images_card.form_lines(msg, attached)
        form = form_card.draft_form(msg, initial=initial, dry_run=services.dry_run_channels,
                                groups=groups.names(session), meta=meta, pictures=pictures)  # fmt: skip
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


def _group_request(session, data: dict):
    request_id = whole_number(data.get("request"))
    return intake.view(session, request_id) if request_id is not None else None


def message_text(value: dict) -> str:
    """The text of the message a message-extension command was started from, if any."""
    payload = value.get("messagePayload") if isinstance(value, dict) else None
    body = (payload or {}).get("body") or {}
    content = body.get("content") if isinstance(body, dict) else ""
    return TAG.sub("", content).replace("&nbsp;", " ") if isinstance(content, str) else ""


def submit_form(services: Services, activity, data: dict, lookup: Lookup | None = None) -> dict:
    """task/submit of the draft form: store it, or show the form again with the problems."""
    if data.get("verb") == ids.DRAFT_PREVIEW:
        return preview.show(services, activity, data, _refusal)
    content, problems = draft_from_data(data)
    meta = {k: data[k] for k in ("nonce", "mode", "draft", "request", "reference") if k in data}
    with services.session_factory() as session:
        user = people.identify(session, activity)
        attached, missing_alt = images.for_form(session, user.id)  # pictures sent to the bot
        if not attached and meta.get("mode"):  # a resubmission keeps the draft's pictures
            attached = images.of_draft(session, meta.get("draft"))
    content = replace(content, images=attached)
    problems.update(missing_alt)
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
        route_=services.route,
        group_request=meta.get("request") if meta.get("mode") == ids.GROUP_REQUEST else None,
    )
    if result.errors:
        shown = {field: msg(key, **values) for field, (key, values) in result.errors.items()}
        return _form_again(services, msg, content, result.groups, shown, meta, attached)
    if result.problem:
        return cards.close_dialog(_problem_text(services, msg, result.problem, lookup))
    if result.stored:
        images.mark_used(services, attached)
        services.wake()
    if result.draft_id is None:  # stored before, by a delivery that did not say which draft
        return cards.close_dialog(msg("teams.sent_again"))
    sent = "teams.sent_route" if services.settings.route else "teams.sent"
    return cards.close_dialog(msg(sent, id=result.draft_id))


def _problem_text(services: Services, msg, problem: tuple[str, dict], lookup=None) -> str:
    if problem[0] == forms.NOT_OPERATOR:
        return not_operator(services, msg, lookup)
    return plain_say(msg, problem)


def _form_again(services, msg, content, registered, errors: dict, meta: dict, attached) -> dict:
    form = form_card.draft_form(msg, initial=content, dry_run=services.dry_run_channels,
                            groups=registered, errors=errors, meta=meta,
                            pictures=images_card.form_lines(msg, attached))  # fmt: skip
    return cards.dialog(form_card.form_title(msg, meta.get("mode")), form)
