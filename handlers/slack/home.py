"""The App Home tab: `app_home_opened` publishes it; its pager buttons turn its pages."""

from __future__ import annotations

from bot.approval import engagement
from bot.approval.snapshot import take_many
from bot.features import dashboard
from bot.models import CHIEF
from bot.people import groups, oversight, roles
from bot.services import Services
from handlers.slack.home_blocks import (
    FAILED_LIST,
    MINE_LIST,
    PENDING_LIST,
    SCHEDULED_LIST,
    Home,
    Section,
    home_view,
)
from handlers.slack.wiring import SERVICES


def publish_home(services: Services, client, user_id: str, pages: dict | None = None) -> None:
    """Build and publish `user_id`'s Home tab, at the given page of each list."""
    pages = pages or {}
    now, dry = services.clock(), services.dry_run_channels
    with services.session_factory() as session:
        role = roles.role_of(session, user_id)
        decides = user_id in roles.approvers(session)  # the chief, or the deputy while away
        lists = []
        if decides:
            lists += [
                (PENDING_LIST, dashboard.pending(session, pages.get(PENDING_LIST, 0))),
                (SCHEDULED_LIST, dashboard.scheduled(session, now, pages.get(SCHEDULED_LIST, 0))),
                (FAILED_LIST, dashboard.failures(session, pages.get(FAILED_LIST, 0))),
            ]
        if role is not None:
            lists.append((MINE_LIST, dashboard.mine(session, user_id, pages.get(MINE_LIST, 0))))
        wanted = sorted({draft_id for _, page in lists for draft_id in page.draft_ids})
        snapshots = take_many(session, wanted, dry, now)  # a few queries for every list at once
        sections = [
            Section(name, [snapshots[i] for i in page.draft_ids], page.number, page.pages)
            for name, page in lists
        ]
        latest = [(p.channel, p.url, p.draft_id) for p in dashboard.latest_publications(session)]
        registered = [(g.name, g.contact, g.site) for g in groups.all_groups(session)]
        allowed = engagement.allow_list(session, limit=30)
        reviews = oversight.unreviewed(session) if role == CHIEF else []
        deputy = next(iter(roles.deputies(session)), None) if role == CHIEF else None
    home = Home(
        is_chief=role == CHIEF,
        sections=sections,
        latest=latest,
        groups=registered,
        allowed=allowed,
        reviews=reviews,
        deputy=deputy,
    )
    view = home_view(services.msg, home)
    client.views_publish(user_id=user_id, view=view)


def home_opened(event, client, context):
    if event.get("tab") == "home":
        publish_home(context[SERVICES], client, event["user"])


def page_turned(ack, body, action, client, context):
    ack()
    name, _, number = str(action.get("value") or "").partition(":")
    page = int(number) if number.isascii() and number.isdigit() else 0
    publish_home(context[SERVICES], client, body["user"]["id"], {name: page})
