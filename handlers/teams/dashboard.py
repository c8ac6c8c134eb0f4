"""The `home` command and its 更新 button: the dashboard, read from the core's paged lists."""

from __future__ import annotations

from bot.approval import engagement
from bot.approval.snapshot import take_many
from bot.features import dashboard
from bot.models import CHIEF
from bot.people import groups, oversight, roles
from bot.services import Services
from handlers.teams import people
from handlers.teams.cards import card_answer, text_answer
from handlers.teams.dashboard_card import (
    FAILED_LIST,
    MINE_LIST,
    PENDING_LIST,
    SCHEDULED_LIST,
    TITLES,
    Dashboard,
    Section,
    dashboard_card,
)
from handlers.teams.dialogs import not_operator
from handlers.teams.forms import whole_number
from handlers.teams.ids import FRONT_END


def _pages(data: dict) -> dict[str, int]:
    """The page of each list a pager button asked for (anything else: the first page)."""
    asked = data.get("pages") if isinstance(data.get("pages"), dict) else {}
    return {name: number for name in TITLES
            if (number := whole_number(asked.get(name))) is not None and number >= 0}  # fmt: skip


def build(services: Services, session, user, msg, pages: dict[str, int] | None = None) -> dict:
    """`user`'s dashboard card: the approvers' lists, one's own drafts, 後閲, groups, allow-list."""
    pages = pages or {}
    now, dry = services.clock(), services.dry_run_channels
    role = roles.role_of(session, user.id, FRONT_END)
    lists = []
    if user.id in roles.approvers(session, FRONT_END):  # the chief, or the deputy while away
        lists += [
            (PENDING_LIST, dashboard.pending(session, pages.get(PENDING_LIST, 0))),
            (SCHEDULED_LIST, dashboard.scheduled(session, now, pages.get(SCHEDULED_LIST, 0))),
            (FAILED_LIST, dashboard.failures(session, pages.get(FAILED_LIST, 0))),
        ]
    if role is not None:
        lists.append((MINE_LIST, dashboard.mine(session, user.id, pages.get(MINE_LIST, 0))))
    wanted = sorted({draft_id for _, page in lists for draft_id in page.draft_ids})
    snapshots = take_many(session, wanted, dry, now)
    home = Dashboard(
        mri=user.mri,
        is_chief=role == CHIEF,
        sections=[
            Section(name, [snapshots[i] for i in page.draft_ids], page.number, page.pages)
            for name, page in lists
        ],  # fmt: skip
        latest=[(p.channel, p.url, p.draft_id) for p in dashboard.latest_publications(session)],
        groups=[(g.name, g.contact, g.site) for g in groups.all_groups(session)],
        allowed=engagement.allow_list(session, limit=60),
        reviews=oversight.unreviewed(session) if role == CHIEF else [],
    )
    return dashboard_card(msg, home, lambda user_id: people.name_of(session, user_id))


def refresh(services, session, user, msg, name_of, data) -> dict:
    """更新, a pager button, or Teams refreshing the card: the card again, as it is now."""
    if roles.role_of(session, user.id, FRONT_END) is None:
        return text_answer(not_operator(services, session, msg))
    return card_answer(build(services, session, user, msg, _pages(data)))
