"""Short replies to one person: ephemeral via response_url, or a DM when there is none."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.approval import deciding
from bot.approval.wording import refusal
from bot.messages import Messages
from bot.people import roles
from handlers.slack.blocks import mention, say
from handlers.slack.wiring import AFTER_ACK, SERVICES

log = logging.getLogger(__name__)

# Decisions queue on one database lock (the register's head row) whatever the thread count.
AFTER_ACK_THREADS = 2


def after_ack_runner(
    msg: Messages, give_way: Callable[[], None] = lambda: None
) -> Callable[..., None]:
    """`run(work, **arguments)`: `work(**arguments)` later, on a few threads of its own.

    For the work a click causes after its ack (decide, retry, withdraw…). Bolt's listener pool
    then only acks, so a burst of approvals cannot fill it and make the next acks wait behind
    decisions. Each piece of work first lets the acks in hand go (`give_way`). The work itself
    is unchanged: each click is still decided exactly once (one transaction, one Decision row);
    a failure is logged and told to the clicker.
    """
    pool = ThreadPoolExecutor(max_workers=AFTER_ACK_THREADS, thread_name_prefix="after-ack")
    guarded = answer_failures(msg)

    def after_giving_way(work: Callable[..., object], **arguments) -> None:
        give_way()
        guarded(work)(**arguments)

    def run(work: Callable[..., object], **arguments) -> None:
        pool.submit(after_giving_way, work, **arguments)

    return run


def tell(body: dict, client: WebClient, respond, text: str) -> None:
    """Tell the person who clicked, privately, without touching the message they clicked on."""
    try:
        if body.get("response_url") and respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=body["user"]["id"], text=text)
    except Exception:
        log.exception("could not tell %s: %s", body.get("user", {}).get("id"), text)


def outcome_text(msg: Messages, outcome: deciding.Outcome) -> str | None:
    """What the clicker should read about an attempt that did not go through (None: nothing)."""
    problem = refusal(outcome)
    return say(msg, problem) if problem else None


DRAFT_ID = re.compile(r"([0-9]{1,12})(?::.*)?", re.DOTALL)  # ASCII digits only


def draft_id_of(action: dict) -> int | None:
    """The draft id a button carries in its value (`12`, or `12:x,blog` for retry)."""
    match = DRAFT_ID.fullmatch(str(action.get("value") or ""))
    return int(match.group(1)) if match else None


def act_on_draft(services, body, action, client, respond, change, texts: dict[str, str]) -> None:
    """Run `change(session, draft_id=, actor=, now=)` for a click and tell the clicker the outcome.

    `texts` maps an outcome (deciding.DONE, NOTHING_TO_DO, REFUSED…) to a message key; other
    outcomes get the usual wording.
    """
    msg = services.msg
    draft_id = draft_id_of(action)
    if draft_id is None:
        return tell(body, client, respond, msg("error.internal"))
    with services.session_factory.begin() as session:
        outcome = change(session, draft_id=draft_id, actor=body["user"]["id"], now=services.clock())
    key = texts.get(outcome.result)
    channels = "、".join(msg(f"channel.{c}") for c in outcome.channels)
    text = msg(key, id=draft_id, channels=channels) if key else outcome_text(msg, outcome)
    tell(body, client, respond, text)
    if outcome.result == deciding.DONE:
        services.wake()


def not_operator_text(services, session) -> str:
    """Why someone who is not on the roster cannot do this, and whom to ask."""
    chief = roles.chief_id(session)
    if not chief:
        return services.msg("refuse.no_chief")
    return services.msg("refuse.not_operator", chief=mention(chief))


def _guard(listener, msg_of: Callable[[dict], Messages]):
    """`listener`, but any failure is logged and told to the clicker in `msg_of(kwargs)`."""

    @functools.wraps(listener)  # Bolt reads the wrapped listener's argument names
    def run(**kwargs):
        try:
            return listener(**kwargs)
        except Exception as error:
            log.exception("%s failed", listener.__name__)
            key = "error.db_busy" if isinstance(error, SQLAlchemyError) else "error.internal"
            msg = msg_of(kwargs)
            tell(kwargs.get("body") or {}, kwargs.get("client"), kwargs.get("respond"), msg(key))
            return None

    return run


def answer_failures(msg: Messages):
    """Decorate a button listener (after its ack) so that any failure is logged and the clicker
    is told in plain words: try again later (database) or an internal error (anything else)."""
    return lambda listener: _guard(listener, lambda kwargs: msg)


def guarded(listener):
    """`answer_failures` for a listener that takes `context`: the messages come from there."""
    return _guard(listener, lambda kwargs: kwargs["context"][SERVICES].msg)


def act_after_ack(context, change, texts: dict[str, str], **click) -> None:
    """`act_on_draft` for this click, once acked, on the after-ack threads."""
    context[AFTER_ACK](
        act_on_draft, services=context[SERVICES], change=change, texts=texts, **click
    )
