"""The Slack front end: thin Bolt listeners that call the core and render Block Kit."""

from handlers.slack import (
    actions,
    commands,
    crosspost,
    engagement,
    events,
    feed,
    moderation,
    oversight,
    revising,
    views,
)


def register(app, services) -> None:
    """Attach every listener to a Bolt app."""
    commands.register(app, services)
    actions.register(app, services)
    revising.register(app, services)
    oversight.register(app, services)
    views.register(app, services)
    events.register(app, services)
    feed.register(app, services)
    crosspost.register(app, services)
    moderation.register(app, services)
    engagement.register(app, services)
