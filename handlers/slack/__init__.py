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
from handlers.slack.replies import after_ack_runner


def register(app, services) -> None:
    """Attach every listener to a Bolt app."""
    # What a click changes, done after its ack, giving way to the acks still in hand.
    after_ack = after_ack_runner(services.msg, services.foreground.give_way)
    commands.register(app, services)
    actions.register(app, services, after_ack)
    revising.register(app, services, after_ack)
    oversight.register(app, services)
    views.register(app, services)
    events.register(app, services)
    feed.register(app, services)
    crosspost.register(app, services)
    moderation.register(app, services)
    engagement.register(app, services)
