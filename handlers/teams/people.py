"""Who is talking to the bot in Teams: their roster id, and where to reach them later."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.people import addresses, roles
from handlers.teams.ids import FRONT_END


@dataclass(frozen=True)
class TeamsUser:
    """The sender of an activity: the id the roster knows them by, and how to name them."""

    id: str  # the Entra object id, or the Teams `29:` id when the roster holds that one
    name: str
    locale: str
    mri: str  # the `29:` id (Teams' MRI), for user-specific card views


def identify(session: Session, activity) -> TeamsUser:
    """The roster id of the sender: SNSBOT_TEAMS_* may name people by either of their ids."""
    sender = activity.from_property
    aad, mri = sender.aad_object_id or "", sender.id or ""
    candidates = [i for i in (aad, mri) if i]
    known = next((i for i in candidates if roles.role_of(session, i, FRONT_END)), None)
    return TeamsUser(
        id=known or (candidates[0] if candidates else ""),
        name=sender.name or "",
        locale=activity.locale or "",
        mri=mri,
    )


def remember(session: Session, user: TeamsUser, activity, now) -> None:
    """Keep the 1:1 conversation to reach this person proactively (personal chats only)."""
    conversation = activity.conversation
    if not user.id or (conversation.conversation_type or "personal") != "personal":
        return
    reference = activity.get_conversation_reference().model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    reference.pop("activityId", None)  # the conversation, not this one message
    known = addresses.address_of(session, FRONT_END, user.id) or {}
    name = user.name or known.get("name") or ""  # install events carry no name: keep the one known
    address = {"reference": reference, "name": name, "locale": user.locale, "mri": user.mri}
    addresses.remember(session, FRONT_END, user.id, address, now)


def name_of(session: Session, user_id: str) -> str:
    """How a person is shown on cards: their Teams name when known, else their id."""
    return known_name(session, user_id) or user_id


def known_name(session: Session, user_id: str) -> str:
    """Their Teams name, as they wrote to the bot or the member lookup gave it ("" if neither)."""
    address = addresses.address_of(session, FRONT_END, user_id) or {}
    return address.get("name") or ""


def mri_of(session: Session, user_id: str) -> str:
    address = addresses.address_of(session, FRONT_END, user_id) or {}
    return address.get("mri") or user_id
