"""The App Home tab: `app_home_opened` publishes it; its pager buttons turn its pages."""

from __future__ import annotations

from bot.features import dashboard
from bot.services import Services
from handlers.slack.home_blocks import home_view
from handlers.slack.wiring import SERVICES


def publish_home(services: Services, client, user_id: str, pages: dict | None = None) -> None:
    """Build and publish `user_id`'s Home tab, at the given page of each list."""
    with services.session_factory() as session:
        home = dashboard.home(session, user_id, "slack", pages or {}, services.dry_run_channels,
                              services.clock(), services.settings.route)  # fmt: skip
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
