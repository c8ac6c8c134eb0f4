"""`/sns search <words>`: parse, run the core search, answer with an ephemeral list."""

from __future__ import annotations

from bot.features import search
from bot.messages import Messages
from bot.services import Services
from handlers.slack.blocks import esc
from handlers.slack.search_blocks import search_blocks

COMMAND = "/sns search"


def search_reply(services: Services, session, user_id: str, text: str) -> tuple[str, list]:
    """(text, blocks) answering a staff member's search; the usage when nothing is asked."""
    msg = services.msg
    try:
        query = search.parse(text, user_id)
    except search.QueryError as error:
        return error_text(msg, error), []
    if query.empty:
        return usage(msg), []
    return search_blocks(msg, search.search(session, query, "slack"))


def error_text(msg: Messages, error: search.QueryError) -> str:
    """What is wrong with the search (the person's words escaped), then how to search."""
    words = {name: esc(str(value)) for name, value in error.words.items()}
    return msg(error.key, **words) + "\n" + usage(msg)


def usage(msg: Messages) -> str:
    return msg("search.usage", command=COMMAND, limit=search.RESULT_LIMIT)
