"""Bot commands beyond the draft form: `away on|off` (the chief's 代決 and 後閲; a reviewer's)."""

from __future__ import annotations

from bot.approval import route
from bot.messages import Messages
from bot.models import CHIEF
from bot.people import oversight, roles
from handlers.teams import chat_cards
from handlers.teams.cards import NameOf, card, text
from handlers.teams.ids import FRONT_END
from handlers.teams.text import card_markdown, rich


def away(services, session, user, msg: Messages, argument: str, name_of: NameOf) -> dict:
    """`away on|off` for a reviewer on the approval route (passed by while away), or for the
    chief: who decides meanwhile (the drafts already waiting reach the
    deputies as cards, since Teams has no App Home); on return, the 代決 to review (後閲), each
    with 確認しました."""
    if argument not in ("on", "off"):
        return card([text(card_markdown(msg("teams.away.usage")))])
    role = roles.role_of(session, user.id, FRONT_END)
    if role in services.settings.route and role != CHIEF:  # a reviewer on the approval route
        changed = route.reviewer_away(session, user.id, argument == "on", now=services.clock(),
                                      front_end=FRONT_END,
                                      skip_away=services.settings.route_skip_away)  # fmt: skip
        return card([text(msg("away.reviewer_" + argument if changed else "away.unchanged"))])
    absence = oversight.mark_away(session, user.id, argument == "on", now=services.clock(),
                                  front_end=FRONT_END, hand_over=True)  # fmt: skip
    if absence is None:
        return card([text(msg("refuse.not_chief_only"))])
    if absence.away:
        if not absence.deputies:
            return card([text(card_markdown(msg("teams.away.no_deputy")))])
        names = "、".join(name_of(d) for d in absence.deputies)  # people's names: TextRuns
        return card([rich(msg, "away.on", {"deputies": names})])
    back = text(msg("away.off", count=len(absence.to_review)))
    if not absence.to_review:
        return card([back])
    review = chat_cards.review_card(msg, absence.to_review, name_of)
    return {**review, "body": [back, *review["body"]]}
