"""The request form for a follow, retweet, like or share (§7, §8), as a card in the 1:1 chat."""

from __future__ import annotations

from dataclasses import dataclass

from bot.approval.engagement import AllowedTarget
from bot.features.engagement_targets import CATEGORIES, NETWORK_OF, URL_MAX_CHARS, Target, parse
from bot.messages import Messages
from handlers.teams import ids
from handlers.teams.cards import LIST_LIMIT, card, error_text, execute, literal, text
from handlers.teams.text import card_markdown, rich

OFFICIAL_ON = "true"  # the Input.Toggle's value when checked


@dataclass(frozen=True)
class EngagementForm:
    """The form as clicked: what was typed, and the problems as {input id: message key}."""

    kind: str
    raw_target: str
    target: Target | None
    category: str
    official: bool
    problems: dict[str, str]


def read(kind: str, data: dict) -> EngagementForm:
    """The card's inputs (Action.Execute data), checked with the same rules as Slack's form."""
    raw = data.get(ids.ENGAGEMENT_TARGET)
    raw = raw if isinstance(raw, str) else ""
    target, problem = parse(kind, raw)
    category = str(data.get(ids.ENGAGEMENT_CATEGORY) or "")
    official = data.get(ids.ENGAGEMENT_OFFICIAL) == OFFICIAL_ON
    problems = {ids.ENGAGEMENT_TARGET: problem} if problem else {}
    if category not in CATEGORIES:
        problems[ids.ENGAGEMENT_CATEGORY] = "engage.error.category_required"
    if not official:
        problems[ids.ENGAGEMENT_OFFICIAL] = "engage.error.official_required"
    return EngagementForm(kind, raw, target, category, official, problems)


def form_card(
    msg: Messages,
    kind: str,
    typed: str = "",
    *,
    nonce: str,
    dry_run: bool = False,
    form: EngagementForm | None = None,
    allowed: list[AllowedTarget] = (),
) -> dict:
    """`follow|retweet|like|share <target>`: the target (pre-filled), the kind of account, the
    confirmation that it is official, the policy clause, and 決裁に回す; below, the accounts
    already approved (the allow-list, Slack's App Home section)."""
    network, label = NETWORK_OF[kind], msg(f"engage.kind.{kind}")
    problems = form.problems if form else {}
    body = [
        text(msg("engage.modal.title", kind=label), weight="bolder", size="medium"),
        text(card_markdown(msg(f"engage.modal.intro.{network}", kind=label))),
        {"type": "Input.Text", "id": ids.ENGAGEMENT_TARGET, "maxLength": URL_MAX_CHARS,
         "label": msg(f"engage.field.target.{kind}"),
         "value": (form.raw_target if form else typed)[:URL_MAX_CHARS]},
    ]  # fmt: skip

    def problem(input_id: str) -> None:
        if input_id in problems:
            body.append(error_text(msg(problems[input_id])))

    problem(ids.ENGAGEMENT_TARGET)
    choices = [{"title": msg(f"engage.category.{c}"), "value": c} for c in CATEGORIES]
    body.append({"type": "Input.ChoiceSet", "id": ids.ENGAGEMENT_CATEGORY, "style": "expanded",
                 "label": msg("engage.field.category"), "choices": choices,
                 "value": form.category if form and form.category in CATEGORIES else ""})  # fmt: skip
    problem(ids.ENGAGEMENT_CATEGORY)
    body.append({"type": "Input.Toggle", "id": ids.ENGAGEMENT_OFFICIAL,
                 "label": msg("engage.field.official"), "title": msg("engage.official"),
                 "valueOn": OFFICIAL_ON, "valueOff": "false",
                 "value": OFFICIAL_ON if form and form.official else "false"})  # fmt: skip
    problem(ids.ENGAGEMENT_OFFICIAL)
    body.append(text(card_markdown(msg(f"engage.rule.{network}")), isSubtle=True, size="small"))
    if dry_run:
        body.append(text(msg("engage.dry_run", kind=label), isSubtle=True, size="small"))
    body += allow_list(msg, allowed)
    data = {"kind": kind, "nonce": nonce}
    return card(body, [execute(msg, "modal.submit", ids.ENGAGEMENT_SUBMIT, data, "positive")])


def allow_list(msg: Messages, allowed: list[AllowedTarget]) -> list[dict]:
    """The approved accounts (§7, §8), newest first; people's words as TextRuns."""
    body = [text(msg("engage.allow.title"), weight="bolder", separator=True, spacing="large")]
    for a in allowed[:LIST_LIMIT]:
        words = {"network": msg(f"channel.{a.network}"), "account": a.account[:300],
                 "category": msg(f"engage.category.{a.category}"), "when": msg.time(a.approved_at),
                 "kinds": "、".join(msg(f"engage.kind.{k}") for k in a.kinds)}  # fmt: skip
        body.append(rich(msg, "engage.allow.line", words, spacing="small"))
    if not allowed:
        body.append(text(msg("home.none"), isSubtle=True))
    if len(allowed) > LIST_LIMIT:
        body.append(text(msg("home.more", count=len(allowed) - LIST_LIMIT), isSubtle=True))
    return body


def sent_card(msg: Messages, kind: str, engagement_id: int, target: str) -> dict:
    """The form, once sent: what went to the chief (the result comes in this chat)."""
    label = msg(f"engage.kind.{kind}")
    return card([text(msg("engage.card.header", kind=label, id=engagement_id), weight="bolder"),
                 literal(target), text(msg("teams.engage.sent"), isSubtle=True)])  # fmt: skip
