"""The chief names the deputy in Teams: the `deputy` command's card and its button."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.messages import Messages
from bot.people import deputy, roles
from bot.services import Services
from handlers.teams import ids, people
from handlers.teams.cards import card_answer, text_answer
from handlers.teams.deputy_card import deputy_card
from handlers.teams.ids import FRONT_END
from handlers.teams.text import plain


def card_for(session: Session, msg: Messages, problem: str = "") -> dict:
    """The deputy card as it stands: who is deputy, and the roster's operators."""
    named = [(u, people.name_of(session, u)) for u in deputy.candidates(session, FRONT_END)]
    current = next(iter(roles.deputies(session, FRONT_END)), None)
    now = (current, people.name_of(session, current)) if current else None
    return deputy_card(msg, now, named, problem)


def show(services: Services, session: Session, user, msg: Messages) -> dict | str:
    """The `deputy` command: the card for the chief; anyone else is refused (and recorded)."""
    if not deputy.may_name(session, user.id, FRONT_END):
        deputy.refuse(session, actor=user.id, now=services.clock(), front_end=FRONT_END)
        return msg("deputy.refused")
    return card_for(session, msg)


def name(services, session, user, msg, name_of, data) -> dict:
    """The card's button: name the chosen operator (or nobody) deputy."""
    choice = data.get(ids.DEPUTY_CHOICE)
    chosen = choice if isinstance(choice, str) and choice != ids.NO_DEPUTY else None
    naming = deputy.name_deputy(session, actor=user.id, deputy=chosen or None,
                                now=services.clock(), front_end=FRONT_END)  # fmt: skip
    if naming.result == deputy.REFUSED:
        return text_answer(msg("deputy.refused"))
    if naming.result == deputy.NOT_ELIGIBLE:
        who = name_of(chosen or "")
        return card_answer(card_for(session, msg, plain(msg, "deputy.not_eligible", {"who": who})))
    if naming.result == deputy.NAMED:
        return text_answer(plain(msg, "deputy.named", {"who": name_of(naming.deputy)}))
    return text_answer(msg(f"deputy.{naming.result}"))
