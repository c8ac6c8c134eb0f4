"""People who leave (policy §6): when a chat front end reports someone gone, their role ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import register
from bot.people import roles

# How a front end reports someone gone (the register's words).
DEACTIVATED = "deactivated"  # Slack: `user_change` with `deleted: true`
REMOVED_FROM_TEAM = "removed_from_team"  # Teams: `conversationUpdate` with `membersRemoved`


def member_left(
    session: Session, user_ids: tuple[str, ...], *, front_end: str, how: str, now: datetime
) -> str | None:
    """Someone known by any of `user_ids` left (`how`): when they hold a role on `front_end`'s
    roster, the register records why, the role ends and the credential-rotation tasks open, as
    for `snsbot roles set <user> none`. The roster id that held a role, or None."""
    user_id = next((u for u in user_ids if u and roles.role_of(session, u, front_end)), None)
    if user_id is None:
        return None  # not on the roster (most people), or already removed: nothing to do
    role = roles.role_of(session, user_id, front_end)
    register.append(session, at=now, actor=front_end, action="member_left", user=user_id,
                    role=role, how=how, platform=front_end)  # fmt: skip
    roles.set_role(session, user_id, roles.NONE, actor=front_end, now=now, front_end=front_end)
    return user_id
