"""The moderation card for Teams (policy §11): the item, the 15 categories, the chief's actions."""

from __future__ import annotations

from bot.approval import moderation
from bot.approval.deciding import Outcome
from bot.approval.moderation import ACTING, CATEGORIES, DECIDED, ItemView, category_text
from bot.messages import Messages
from bot.ports import BLOCK, DELETE, DISMISS
from handlers.teams import ids
from handlers.teams.cards import NameOf, card, execute, literal, run, runs, shorten, text
from handlers.teams.text import plain, rich

TEXT_CHARS = 2500  # of the item's text on the card; the rest is one click away (元の投稿を開く)
STYLES = {DISMISS: "positive", DELETE: "destructive", BLOCK: "destructive"}
CONFIRMED = (DELETE, BLOCK)  # asked again before they are done, as in Slack


def category_label(number: int) -> str:
    """ "(5) 広告、宣伝、…": the policy's own numbering and words."""
    return f"({number}) {CATEGORIES[number - 1]}"


def moderation_card(msg: Messages, item: ItemView, name_of: NameOf) -> dict:
    """The chief's card: the category choice and buttons only while undecided; once decided,
    the decision (実行中… while the network is being asked)."""
    network, kind = msg(f"channel.{item.network}"), msg(f"moderation.kind.{item.kind}")
    bold = {"weight": "bolder"}
    body = [
        text(msg("moderation.header", network=network, kind=kind), size="medium", **bold),
        runs(
            run(msg("moderation.author") + "  ", **bold),
            run(shorten(item.author, 200, msg)),
            run("\n" + msg("moderation.posted_at") + "  ", **bold),
            run(msg.time(item.posted_at)),
        ),
        literal(shorten(item.text, TEXT_CHARS, msg) or msg("moderation.empty_text")),
    ]
    if item.url:
        body.append(runs(run(msg("moderation.link"), item.url) if _is_link(item.url)
                         else run(item.url)))  # fmt: skip
    if item.status in (DECIDED, ACTING):
        body.append(decided_line(msg, item, name_of))
        return card(body)
    if any(action != DISMISS for action in item.actions):
        choices = [{"title": category_label(n), "value": str(n)}
                   for n in range(1, len(CATEGORIES) + 1)]  # fmt: skip
        body.append({"type": "Input.ChoiceSet", "id": ids.MODERATION_CATEGORY,
                     "label": msg("moderation.category"), "style": "compact", "wrap": True,
                     "placeholder": msg("moderation.category_placeholder"), "choices": choices})  # fmt: skip
    body.append(text(msg("moderation.rule"), isSubtle=True, size="small"))
    return card(body, [_button(msg, item, a) for a in item.actions if a in ids.MODERATION_VERBS])


def _is_link(url: str) -> bool:
    return "selectAction" in run("", url)


def _button(msg: Messages, item: ItemView, action: str) -> dict:
    label = f"moderation.action.{action}"
    button = execute(msg, label, ids.MODERATION_VERBS[action], {"item": item.id},
                     STYLES.get(action))  # fmt: skip
    if action not in CONFIRMED:
        return button
    yes = execute(msg, "moderation.confirm.yes", ids.MODERATION_VERBS[action], {"item": item.id},
                  "destructive")  # fmt: skip
    ask = card([text(msg(f"moderation.confirm.{action}"))], [yes])
    return {"type": "Action.ShowCard", "title": msg(label), "card": ask}


def decided_line(msg: Messages, item: ItemView, name_of: NameOf) -> dict:
    key = "moderation.acting" if item.status == ACTING else "moderation.decided"
    words = {
        "label": msg(f"moderation.action.{item.action}"),
        "who": name_of(item.decided_by or "?") + (msg("card.acting") if item.by_deputy else ""),
        "when": msg.time(item.decided_at) if item.decided_at else "",
    }
    if item.category:
        words["category"] = category_label(item.category)
        return rich(msg, f"{key}_category", words, separator=True)
    return rich(msg, key, words, separator=True)


def failure_card(msg: Messages, item: ItemView) -> dict:
    """The decider's message when the network did not carry out the action."""
    words = {"network": msg(f"channel.{item.network}"),
             "label": msg(f"moderation.action.{item.failed_action}"), "detail": item.error or ""}  # fmt: skip
    return card([rich(msg, "moderation.failed", words)])


def chosen_category(data: dict) -> int | None:
    """The category picked on the card (the Input.ChoiceSet's value sent with the click)."""
    value = data.get(ids.MODERATION_CATEGORY)
    value = value if isinstance(value, str) else ""
    if value.isascii() and value.isdigit() and len(value) <= 2 and category_text(int(value)):
        return int(value)
    return None


def outcome_text(msg: Messages, outcome: Outcome, action: str, name_of: NameOf) -> str | None:
    """What the clicker reads when the click did not go through, as plain text (None: done or
    queued: the card shows it)."""
    item, result = outcome.item, outcome.result
    network = msg(f"channel.{item.network}") if item else ""
    if result == moderation.ALREADY_DECIDED:
        when = msg.time(item.decided_at) if item.decided_at else ""
        words = {"who": name_of(item.decided_by or ""), "when": when,
                 "label": msg(f"moderation.action.{item.action}")}  # fmt: skip
        return plain(msg, "moderation.refuse.already", words)
    keys = {
        moderation.REFUSED: "moderation.refuse.not_chief",
        moderation.NEED_CATEGORY: "moderation.refuse.need_category",
        moderation.NOT_SUPPORTED: "moderation.refuse.not_supported",
        moderation.BUSY: "moderation.refuse.busy",
        moderation.NOT_FOUND: "moderation.refuse.not_found",
        moderation.UNAVAILABLE: "moderation.refuse.unavailable",
    }
    return msg(keys[result], network=network) if result in keys else None
