"""The `home` command and its 更新 button: the core's dashboard, drawn as a Teams card."""

from __future__ import annotations

from bot.features import dashboard
from bot.people import roles
from bot.services import Services
from handlers.teams import people
from handlers.teams.cards import card_answer, text_answer
from handlers.teams.dashboard_card import dashboard_card
from handlers.teams.dialogs import not_operator
from handlers.teams.forms import whole_number
from handlers.teams.ids import FRONT_END


def _pages(data: dict) -> dict[str, int]:
    """The page of each list a pager button asked for (anything else: the first page)."""
    asked = data.get("pages") if isinstance(data.get("pages"), dict) else {}
    return {name: number for name in dashboard.LISTS
            if (number := whole_number(asked.get(name))) is not None and number >= 0}  # fmt: skip


def build(services: Services, session, user, msg, pages: dict[str, int] | None = None) -> dict:
    """`user`'s dashboard card: the approvers' lists, one's own drafts, 後閲, groups, allow-list."""
    home = dashboard.home(session, user.id, FRONT_END, pages or {}, services.dry_run_channels,
                          services.clock(), services.settings.route)  # fmt: skip
    return dashboard_card(msg, home, user.mri, lambda user_id: people.name_of(session, user_id))


def refresh(services, session, user, msg, name_of, data) -> dict:
    """更新, a pager button, or Teams refreshing the card: the card again, as it is now."""
    if roles.role_of(session, user.id, FRONT_END) is None:
        return text_answer(not_operator(services, msg))
    return card_answer(build(services, session, user, msg, _pages(data)))
