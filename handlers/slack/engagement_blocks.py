"""Block Kit for engagements (policy §7, §8): the request form, the chief's card, DMs, allow-list."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.approval.engagement import DONE, AllowedTarget
from bot.approval.engagement_view import EngagementView
from bot.features.engagement_targets import (
    CATEGORIES,
    NETWORK_OF,
    URL_MAX_CHARS,
    Target,
    clean,
    parse,
)
from bot.messages import Messages
from bot.models import APPROVED, FAILED, PENDING, REJECTED
from handlers.slack.blocks import button, esc, link_target, mention, metadata

# Slack ids of the engagement form and card (each input's block_id = its action_id).
SUBMIT = "engagement_submit"
APPROVE = "engagement_approve"
REJECT = "engagement_reject"
TARGET = "engagement_target"
CATEGORY = "engagement_category"
OFFICIAL = "engagement_official"
OFFICIAL_VALUE = "official"
ACTIONS_BLOCK = "engagement_actions"
ALLOW_LIST_LIMIT = 60  # accounts shown in App Home; the rest are counted
SECTION_CHARS = 2900


@dataclass(frozen=True)
class Form:
    """The engagement form as submitted and checked."""

    target: Target | None
    category: str
    official_confirmed: bool


def _kind(msg: Messages, kind: str) -> str:
    return msg(f"engage.kind.{kind}")


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def engagement_modal(msg: Messages, kind: str, text: str = "", dry_run: bool = False) -> dict:
    """The small form `/sns follow|retweet|like|share` opens (callback `engagement_submit`)."""
    network, kind_label = NETWORK_OF[kind], _kind(msg, kind)
    categories = [Option(value=c, text=msg(f"engage.category.{c}")) for c in CATEGORIES]
    blocks = [
        SectionBlock(text=msg(f"engage.modal.intro.{network}", kind=kind_label)),
        InputBlock(
            block_id=TARGET,
            label=msg(f"engage.field.target.{kind}"),
            element=PlainTextInputElement(
                action_id=TARGET,
                initial_value=clean(text)[:URL_MAX_CHARS] or None,
                max_length=URL_MAX_CHARS,
            ),
        ),
        InputBlock(
            block_id=CATEGORY,
            label=msg("engage.field.category"),
            element=RadioButtonsElement(action_id=CATEGORY, options=categories),
        ),
        InputBlock(
            block_id=OFFICIAL,
            label=msg("engage.field.official"),
            element=CheckboxesElement(
                action_id=OFFICIAL,
                options=[Option(value=OFFICIAL_VALUE, text=msg("engage.official"))],
            ),
        ),
        _context(msg(f"engage.rule.{network}")),
    ]
    if kind == "like":  # §8's Facebook likes cannot be done through the API: said, not hidden
        blocks.append(_context(msg("engage.note.facebook_like")))
    if dry_run:
        blocks.append(_context(msg("engage.dry_run", kind=kind_label)))
    return View(
        type="modal",
        callback_id=SUBMIT,
        title=msg("engage.modal.title", kind=kind_label)[:24],
        submit=msg("modal.submit"),
        close=msg("modal.close"),
        private_metadata=metadata(kind=kind),
        blocks=blocks,
    ).to_dict()


def read_form(kind: str, values: dict) -> tuple[Form, dict[str, str]]:
    """The form's values, and the problems as {block id: message key} (empty: all good)."""

    def element(block_id: str) -> dict:
        """One input's state; anything not shaped as Slack sends it reads as empty."""
        block = values.get(block_id) if isinstance(values, dict) else None
        state = block.get(block_id) if isinstance(block, dict) else None
        return state if isinstance(state, dict) else {}

    raw = element(TARGET).get("value")
    target, problem = parse(kind, raw if isinstance(raw, str) else "")
    option = element(CATEGORY).get("selected_option")
    category = str(option.get("value") or "") if isinstance(option, dict) else ""
    checked = element(OFFICIAL).get("selected_options")
    checked = checked if isinstance(checked, list) else []
    official = any(isinstance(o, dict) and o.get("value") == OFFICIAL_VALUE for o in checked)
    errors = {}
    if problem:
        errors[TARGET] = problem
    if category not in CATEGORIES:
        errors[CATEGORY] = "engage.error.category_required"
    if not official:
        errors[OFFICIAL] = "engage.error.official_required"
    return Form(target, category, official), errors


def link(url: str | None, label: str) -> str:
    """A mrkdwn link, or the escaped label alone when the URL cannot be put in one."""
    if not url or any(c in url for c in "<>| \n"):
        return esc(label)
    return f"<{link_target(url)}|{esc(label)}>"


def target_label(item: EngagementView) -> str:
    return f"@{item.target}" if item.kind == "follow" else item.target_url


def result_line(msg: Messages, item: EngagementView) -> str:
    """Where an approved engagement stands: waiting, retrying, done (or test) or failed."""
    kind = _kind(msg, item.kind)
    if item.status == DONE and item.dry_run:
        return msg("engage.result.dry_run", kind=kind)
    if item.status == DONE:
        url = item.result_url or item.target_url
        return msg("engage.result.done", kind=kind, link=link(url, target_label(item)))
    if item.status == FAILED:
        return msg("engage.result.failed", error=esc(item.error or msg("pub.error.unknown")))
    if item.status == APPROVED and item.error and item.due_at:
        return msg("engage.result.retrying", error=esc(item.error), when=msg.time(item.due_at))
    return msg("engage.result.waiting")


def engagement_card(
    msg: Messages, item: EngagementView, dry_run: tuple[str, ...] = ()
) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of the chief's card; buttons only while the request is pending."""
    kind, network = _kind(msg, item.kind), msg(f"channel.{item.network}")
    fields = [
        f"*{msg('engage.card.requester')}*\n{mention(item.requester_id)}",
        f"*{msg('engage.card.action')}*\n"
        + msg("engage.card.action_value", network=network, kind=kind),
        f"*{msg('engage.card.target')}*\n{link(item.target_url, target_label(item))[:1900]}",
        f"*{msg('engage.card.category')}*\n{msg('engage.category.' + item.category)}",
        f"*{msg('engage.card.official')}*\n{msg('engage.card.official_yes')}",
    ]
    blocks: list = [
        HeaderBlock(text=msg("engage.card.header", kind=kind, id=item.id)),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]),
        _context(msg(f"engage.rule.{item.network}")),
    ]
    value = str(item.id)
    if item.status == PENDING:
        if item.network in dry_run:
            blocks.append(_context(msg("engage.dry_run", kind=kind)))
        if line := own_request_line(msg, item):
            blocks.append(_context(line))
        blocks.append(
            ActionsBlock(
                block_id=ACTIONS_BLOCK,
                elements=[
                    button(msg, APPROVE, "button.approve", value, "primary"),
                    button(msg, REJECT, "engage.button.reject", value, "danger"),
                ],
            )
        )
    else:
        who = decider(msg, item)
        when = msg.time(item.decided_at) if item.decided_at else ""
        key = "engage.card.rejected" if item.status == REJECTED else "engage.card.approved"
        blocks += [DividerBlock(), SectionBlock(text=msg(key, who=who, when=when))]
        if item.status != REJECTED:
            blocks.append(SectionBlock(text=result_line(msg, item)))
    target = esc(target_label(item)[:200])
    fallback = msg("engage.card.fallback", kind=kind, id=item.id, target=target)
    return fallback, [b.to_dict() for b in blocks]


def own_request_line(msg: Messages, item: EngagementView) -> str | None:
    """Separation of duties: who decides a request its requester may not, or that it waits."""
    if not item.requester_excluded:
        return None
    if not item.deciders:
        return msg("engage.card.own_request_waiting")
    return msg("engage.card.own_request", who="、".join(mention(u) for u in item.deciders))


def decider(msg: Messages, item: EngagementView) -> str:
    """Who decided, marked （代決） when the deputy decided for the chief."""
    return mention(item.decided_by or "") + (msg("card.acting") if item.acting else "")


def requester_message(msg: Messages, item: EngagementView, kind: str) -> str:
    """The requester's DM: the receipt, or the result (rejected, done or failed)."""
    values = {"kind": _kind(msg, item.kind), "id": item.id, "target": esc(target_label(item))}
    if kind == "requested":
        return msg("engage.dm.requested", **values)
    if item.status == REJECTED:
        return msg("engage.dm.rejected", who=decider(msg, item), **values)
    acting = (
        "\n" + msg("engage.dm.acting", who=mention(item.decided_by or "")) if item.acting else ""
    )
    if item.status == DONE:
        head = msg("engage.dm.dry_run" if item.dry_run else "engage.dm.done", **values)
        return head + "\n" + result_line(msg, item) + acting
    if item.status == FAILED:
        return msg("engage.dm.failed", error=esc(item.error or ""), **values) + acting
    return result_line(msg, item)


def allow_list_blocks(msg: Messages, items: list[AllowedTarget]) -> list[dict]:
    """The App Home section listing the approved accounts (policy §7, §8)."""
    blocks: list = [SectionBlock(text=f"*{msg('engage.allow.title')}*")]
    lines = [
        msg(
            "engage.allow.line",
            network=msg(f"channel.{a.network}"),
            account=link(a.url, a.account[:300]),
            category=msg(f"engage.category.{a.category}"),
            kinds="、".join(_kind(msg, k) for k in a.kinds),
            when=msg.time(a.approved_at),
        )
        for a in items[:ALLOW_LIST_LIMIT]
    ]
    text = ""
    for line in lines:
        if text and len(text) + len(line) + 1 > SECTION_CHARS:
            blocks.append(SectionBlock(text=text))
            text = ""
        text = f"{text}\n{line}" if text else line
    blocks.append(SectionBlock(text=text) if text else _context(msg("home.none")))
    if len(items) > ALLOW_LIST_LIMIT:
        blocks.append(_context(msg("home.more", count=len(items) - ALLOW_LIST_LIMIT)))
    return [b.to_dict() for b in blocks]
