"""`/sns search <words>`: parse, run the core search, answer with an ephemeral list."""

from __future__ import annotations

import logging
import re

from slack_sdk.errors import SlackApiError

from bot.features import search
from bot.messages import Messages
from bot.people import roles
from bot.services import Services
from handlers.slack.blocks import esc
from handlers.slack.search_blocks import search_blocks

COMMAND = "/sns search"
USER_ID = re.compile(r"[UW][A-Z0-9]{4,}")  # a Slack user id

log = logging.getLogger(__name__)


def search_reply(services: Services, client, session, user_id: str, text: str) -> tuple[str, list]:
    """(text, blocks) answering a staff member's search; the usage when nothing is asked."""
    msg = services.msg
    try:
        query = search.parse(text, user_id, person_resolver(client, session))
    except search.QueryError as error:
        return error_text(msg, error), []
    if query.empty:
        return usage(msg), []
    return search_blocks(msg, search.search(session, query, "slack"))


def person_resolver(client, session):
    """`from:` as staff type it: with the command's text unescaped, Slack sends `@name`, so a
    name is matched against the roster's Slack names (users.info); an id is taken as it is."""
    members = [member.user_id for member in roles.members(session, "slack")]

    def resolve(name: str) -> str | None:
        if name in members or USER_ID.fullmatch(name):
            return name
        for user_id in members:
            try:
                user = client.users_info(user=user_id)["user"]
            except SlackApiError:
                log.warning("users.info failed for a roster member; `from:` not resolved")
                return None
            profile = user.get("profile") or {}
            names = (user.get("name"), user.get("real_name"), profile.get("display_name"),
                     profile.get("real_name"))  # fmt: skip
            if any(search.same_name(name, n) for n in names):
                return user_id
        return None

    return resolve


def error_text(msg: Messages, error: search.QueryError) -> str:
    """What is wrong with the search (the person's words escaped), then how to search."""
    words = {name: esc(str(value)) for name, value in error.words.items()}
    return msg(error.key, **words) + "\n" + usage(msg)


def usage(msg: Messages) -> str:
    return msg("search.usage", command=COMMAND, limit=search.RESULT_LIMIT)
