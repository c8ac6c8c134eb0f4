"""Pure Adaptive Card builder of the `search` command's results, links to the posts."""

from __future__ import annotations

from bot.features import search
from bot.features.search import RESULT_LIMIT, Found, Hit
from bot.messages import Messages
from bot.people import roles
from handlers.teams.cards import NameOf, card, literal, run, runs, shorten, text
from handlers.teams.ids import FRONT_END, SEARCH
from handlers.teams.text import card_markdown, plain, rich

EXCERPT_CHARS = 150


def usage(msg: Messages) -> str:
    """How to search, as card markdown."""
    return card_markdown(msg("search.usage", command=SEARCH, limit=RESULT_LIMIT))


def search_card(msg: Messages, found: Found, name_of: NameOf) -> dict:
    """One block per draft: number, state, author and day, an excerpt, its live posts' links."""
    if not found.hits:
        return card([text(msg("search.none"))])
    body = [rich(msg, "search.header", {"count": len(found.hits)})]
    for hit in found.hits:
        body.extend(hit_blocks(msg, hit, name_of))
    if found.more:
        body.append(text(msg("search.more", limit=RESULT_LIMIT), isSubtle=True, separator=True))
    return card(body)


def hit_blocks(msg: Messages, hit: Hit, name_of: NameOf) -> list[dict]:
    words = {"id": hit.draft_id, "state": msg(f"state.{hit.status}"),
             "author": name_of(hit.author_id), "date": msg.time(hit.submitted_at)}  # fmt: skip
    blocks = [
        rich(msg, "search.line", words, separator=True),
        literal(shorten(hit.body.replace("\n", " "), EXCERPT_CHARS, msg)),
    ]
    for network, url in hit.links:
        label = msg("search.open", network=msg(f"channel.{network}"))
        blocks.append(runs(run(label, url=url, color="accent")))
    if hit.failed:
        names = "、".join(msg(f"channel.{n}") for n in hit.failed)
        blocks.append(text(msg("search.failed", networks=names), color="attention"))
    return blocks


def answer(msg: Messages, session, asker: str, words: str, name_of: NameOf) -> tuple[str, dict]:
    """("plain", text) for an error (it quotes the person's words), ("text", markdown) for the
    usage, or ("card", content) for the results."""
    resolve = roster_resolver(session, name_of)
    try:
        query = search.parse(words, asker, resolve)
    except search.QueryError as error:
        return "plain", plain(msg, error.key, error.words)
    if query.empty:
        return "text", usage(msg)
    return "card", search_card(msg, search.search(session, query, FRONT_END), name_of)


def roster_resolver(session, name_of: NameOf):
    """`from:` in Teams: a roster member's id, or their Teams name as the bot knows it."""
    members = [member.user_id for member in roles.members(session, FRONT_END)]

    def resolve(name: str) -> str | None:
        if name in members:
            return name
        return next((m for m in members if search.same_name(name, name_of(m))), None)

    return resolve
