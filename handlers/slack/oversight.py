"""The chief's oversight in Slack: `/sns away`, reviewing deputy decisions, credential rotation."""

from __future__ import annotations

from slack_sdk.models.blocks import SectionBlock

from bot.approval import route
from bot.features import identity
from bot.messages import Messages
from bot.models import CHIEF
from bot.people import oversight, roles
from bot.people.oversight import ReviewItem, RotationItem
from bot.services import Services
from handlers.slack import ids
from handlers.slack.blocks import button, esc, mention
from handlers.slack.replies import guarded, tell
from handlers.slack.wiring import SERVICES

LIST_LIMIT = 40  # items shown in one DM (each is one block)


def review_message(msg: Messages, items: list[ReviewItem]) -> tuple[str, list[dict]]:
    """The deputy's decisions for the chief to confirm (後閲), each with 確認しました."""
    text = msg("review.header", count=len(items))
    blocks = [SectionBlock(text=text)]
    for item in items[:LIST_LIMIT]:
        accessory = button(msg, ids.REVIEW_ACK, "button.review_ack", review_value(item))
        blocks.append(SectionBlock(text=review_line(msg, item), accessory=accessory))
    return text, [b.to_dict() for b in blocks]


def review_line(msg: Messages, item: ReviewItem) -> str:
    """One deputy decision: a draft's, or an engagement's (follow, retweet, like, share)."""
    who, when = mention(item.decided_by), msg.time(item.decided_at)
    if item.subject == oversight.ENGAGEMENT:
        return msg("review.line_engagement", id=item.draft_id, kind=msg(f"engage.kind.{item.kind}"),
                   decision=msg(f"engage.decision.{item.outcome}"), who=who, when=when)  # fmt: skip
    if item.subject == oversight.MODERATION:
        return msg("review.line_moderation", id=item.draft_id, network=msg(f"channel.{item.kind}"),
                   decision=msg(f"moderation.action.{item.outcome}"), who=who, when=when)  # fmt: skip
    return msg("review.line", id=item.draft_id, decision=msg(f"decision.{item.outcome}"),
               who=who, when=when)  # fmt: skip


def review_value(item: ReviewItem) -> str:
    """The 確認しました button's value: `12` for a draft's decision, else `engagement:12` or
    `moderation:12`."""
    if item.subject in (oversight.ENGAGEMENT, oversight.MODERATION):
        return f"{item.subject}:{item.decision_id}"
    return str(item.decision_id)


def reviewed_subject(value: str) -> tuple[str, int]:
    """(subject, id) from a 確認しました value; id 0 when the value is not one."""
    subject, _, number = value.rpartition(":")
    digits = number.isascii() and number.isdigit() and len(number) <= 12
    if subject not in ("", oversight.ENGAGEMENT, oversight.MODERATION) or not digits:
        return oversight.DRAFT, 0
    return subject or oversight.DRAFT, int(number)


def rotation_message(msg: Messages, items: list[RotationItem]) -> tuple[str, list[dict]]:
    """The accounts whose passwords or tokens must change (§6), each with 変更済み."""
    text = msg("rotation.header", count=len(items))
    blocks = [SectionBlock(text=text)]
    for item in items[:LIST_LIMIT]:
        line = msg(
            "rotation.line",
            account=msg(f"account.{item.account}"),
            reason=esc(item.reason),
            since=msg.time(item.opened_at),
        )
        accessory = button(msg, ids.ROTATION_DONE, "button.rotation_done", str(item.task_id))
        blocks.append(SectionBlock(text=line, accessory=accessory))
    return text, [b.to_dict() for b in blocks]


def away_command(services: Services, user_id: str, argument: str) -> tuple[str, list]:
    """`/sns away on|off` for the chief: (the reply, the deputy decisions to review on return)."""
    msg, now = services.msg, services.clock()
    if argument not in ("on", "off"):
        return msg("away.usage"), []
    with services.session_factory.begin() as session:
        role = roles.role_of(session, user_id)
        if role in services.settings.route and role != CHIEF:  # a reviewer on the route
            changed = route.reviewer_away(session, user_id, argument == "on", now=now,
                                          skip_away=services.settings.route_skip_away)  # fmt: skip
            return msg("away.reviewer_" + argument if changed else "away.unchanged"), []
        if role != CHIEF:
            return msg("refuse.not_chief_only"), []
        roles.set_away(session, user_id, argument == "on", now=now)
        deputies = roles.deputies(session)
        items = oversight.unreviewed(session) if argument == "off" else []
    if argument == "on":
        names = "、".join(mention(d) for d in deputies) or msg("away.no_deputy")
        return msg("away.on", deputies=names), []
    return msg("away.off", count=len(items)), items


@guarded
def review_acknowledged(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    msg = services.msg
    subject, number = reviewed_subject(str(action.get("value") or ""))
    with services.session_factory.begin() as session:
        done = oversight.mark_reviewed(
            session, number, actor=body["user"]["id"], now=services.clock(), subject=subject
        )
    if done is None:
        return tell(body, client, respond, msg("refuse.not_chief_only"))
    tell(body, client, respond, msg("review.done" if done else "review.already"))


@guarded
def rotation_done(ack, body, action, client, respond, context):
    ack()
    services = context[SERVICES]
    value = str(action.get("value") or "")
    with services.session_factory.begin() as session:
        if roles.role_of(session, body["user"]["id"]) != CHIEF:
            account = None
            oversight.mark_rotated(session, 0, actor=body["user"]["id"], now=services.clock())
        else:
            account = oversight.mark_rotated(
                session, int(value) if value.isascii() and value.isdigit() else 0, actor=body["user"]["id"],
                now=services.clock(),
            )  # fmt: skip
    if account is None:
        return tell(body, client, respond, services.msg("rotation.not_done"))
    tell(body, client, respond, _reverify(services, client, account))


def _reverify(services: Services, client, account: str) -> str:
    """After a rotation, check the credentials the bot now has for that account."""
    msg, name = services.msg, services.msg(f"account.{account}")
    if account != "slack":
        return identity.recheck(services, account, msg)
    try:
        client.auth_test()
    except Exception:
        return msg("rotation.check_failed", account=name, problem=msg("rotation.slack_failed"))
    return msg("rotation.checked", account=name)
