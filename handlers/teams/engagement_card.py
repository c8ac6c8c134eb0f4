"""Follows, retweets, likes and shares in Teams (policy §7, §8): the approvers' card, the DMs."""

from __future__ import annotations

from bot.approval.engagement import DONE
from bot.approval.engagement_view import EngagementView
from bot.messages import Messages
from bot.models import APPROVED, FAILED, PENDING, REJECTED
from handlers.teams import ids
from handlers.teams.cards import NameOf, card, execute, run, runs, text
from handlers.teams.text import card_markdown, rich


def _kind(msg: Messages, item: EngagementView) -> str:
    return msg(f"engage.kind.{item.kind}")


def target_label(item: EngagementView) -> str:
    return f"@{item.target}" if item.kind == "follow" else item.target_url


def decider(msg: Messages, item: EngagementView, name_of: NameOf) -> str:
    """Who decided, marked （代決） when the deputy decided for the chief."""
    return name_of(item.decided_by or "") + (msg("card.acting") if item.acting else "")


def _linked(block: dict, label: str, url: str | None) -> dict:
    """The block with the run showing `label` opening `url` (when it is a plain web address)."""
    inlines = [run(i["text"], url, **{k: v for k, v in i.items() if k not in ("type", "text")})
               if i["text"] == label else i for i in block["inlines"]]  # fmt: skip
    return {**block, "inlines": inlines}


def result_line(msg: Messages, item: EngagementView, **style) -> dict:
    """Where an approved engagement stands: waiting, retrying, done (or test) or failed."""
    kind = _kind(msg, item)
    if item.status == DONE and item.dry_run:
        return rich(msg, "engage.result.dry_run", {"kind": kind}, **style)
    if item.status == DONE:
        label = target_label(item)
        line = rich(msg, "engage.result.done", {"kind": kind, "link": label}, **style)
        return _linked(line, label, item.result_url or item.target_url)
    if item.status == FAILED:
        error = item.error or msg("pub.error.unknown")
        return rich(msg, "engage.result.failed", {"error": error}, **style)
    if item.status == APPROVED and item.error and item.due_at:
        words = {"error": item.error, "when": msg.time(item.due_at)}
        return rich(msg, "engage.result.retrying", words, **style)
    return rich(msg, "engage.result.waiting", {}, **style)


def _facts(msg: Messages, item: EngagementView, name_of: NameOf) -> list[dict]:
    """The requester and the target as TextRuns (people's words); the catalogue's in a FactSet."""
    kind, network = _kind(msg, item), msg(f"channel.{item.network}")
    bold = {"weight": "bolder"}
    theirs = runs(
        run(msg("engage.card.requester") + "  ", **bold),
        run(name_of(item.requester_id)),
        run("\n" + msg("engage.card.target") + "  ", **bold),
        run(target_label(item)[:1900], item.target_url),
    )
    facts = [
        (msg("engage.card.action"), msg("engage.card.action_value", network=network, kind=kind)),
        (msg("engage.card.category"), msg(f"engage.category.{item.category}")),
        (msg("engage.card.official"), msg("engage.card.official_yes")),
    ]
    return [theirs, {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]}]


def engagement_card(
    msg: Messages, item: EngagementView, name_of: NameOf, dry_run: tuple[str, ...] = ()
) -> dict:
    """The approvers' card: 承認 / 却下 while pending (the core decides who may), then the result."""
    kind = _kind(msg, item)
    body = [
        text(msg("engage.card.header", kind=kind, id=item.id), size="large", weight="bolder"),
        *_facts(msg, item, name_of),
        text(card_markdown(msg(f"engage.rule.{item.network}")), isSubtle=True, size="small"),
    ]
    if item.status != PENDING:
        key = "engage.card.rejected" if item.status == REJECTED else "engage.card.approved"
        when = msg.time(item.decided_at) if item.decided_at else ""
        body.append(rich(msg, key, {"who": decider(msg, item, name_of), "when": when},
                         separator=True))  # fmt: skip
        if item.status != REJECTED:
            body.append(result_line(msg, item))
        return card(body)
    if item.network in dry_run:
        body.append(text(msg("engage.dry_run", kind=kind), isSubtle=True, size="small"))
    if item.requester_excluded:  # separation of duties: who decides instead, or that it waits
        who = "、".join(name_of(u) for u in item.deciders)
        if who:
            body.append(rich(msg, "engage.card.own_request", {"who": who}, {"isSubtle": True}))
        else:
            body.append(text(card_markdown(msg("engage.card.own_request_waiting")), isSubtle=True))
    data = {"engagement": item.id}
    approve = execute(msg, "button.approve", ids.ENGAGEMENT_APPROVE, data, "positive")
    reject = execute(msg, "engage.button.reject", ids.ENGAGEMENT_REJECT, data, "destructive")
    return card(body, [approve, reject])


def with_problem(content: dict, message: str) -> dict:
    """The card with a warning line on top (e.g. decided already by someone else)."""
    warning = runs(run(message, color="attention", size="small"))
    return {**content, "body": [warning, *content["body"]]}


def requester_card(msg: Messages, item: EngagementView, kind: str, name_of: NameOf) -> dict:
    """The requester's message: the receipt (`requested`), or the result."""
    values = {"kind": _kind(msg, item), "id": item.id, "target": target_label(item)}
    if kind == "requested":
        return card([rich(msg, "engage.dm.requested", values)])
    if item.status == REJECTED:
        who = decider(msg, item, name_of)
        return card([rich(msg, "engage.dm.rejected", {**values, "who": who})])
    acting = []
    if item.acting:
        acting = [rich(msg, "engage.dm.acting", {"who": name_of(item.decided_by or "")})]
    if item.status == DONE:
        head = "engage.dm.dry_run" if item.dry_run else "engage.dm.done"
        return card([rich(msg, head, values), result_line(msg, item), *acting])
    if item.status == FAILED:
        error = {"error": item.error or ""}
        return card([rich(msg, "engage.dm.failed", {**values, **error}), *acting])
    return card([result_line(msg, item)])
