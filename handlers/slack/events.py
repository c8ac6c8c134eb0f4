"""Events: `app_home_opened` publishes the App Home tab."""

from __future__ import annotations

from bot import roles, workflow
from bot.models import CHIEF
from bot.services import Services
from bot.snapshot import take
from handlers.slack.blocks import HOME_MINE_LIMIT, HOME_PENDING_LIMIT, home_view


def publish_home(services: Services, client, user_id: str) -> None:
    with services.session_factory() as session:
        now, dry = services.clock(), services.dry_run_channels
        is_chief = roles.role_of(session, user_id) == CHIEF
        pending = workflow.pending_drafts(session, HOME_PENDING_LIMIT) if is_chief else []
        mine = workflow.open_drafts(session, user_id, HOME_MINE_LIMIT)
        view = home_view(
            services.msg,
            [take(session, d, dry, now) for d in pending],
            [take(session, d, dry, now) for d in mine],
            is_chief,
        )
    client.views_publish(user_id=user_id, view=view)


def register(app, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event, client):
        if event.get("tab") == "home":
            publish_home(services, client, event["user"])
