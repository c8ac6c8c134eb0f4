"""The Slack front end: thin Bolt listeners that call the core and render Block Kit."""

from handlers.slack import actions, commands, events, revising, views


def register(app, services) -> None:
    """Attach every listener to a Bolt app."""
    commands.register(app, services)
    actions.register(app, services)
    revising.register(app, services)
    views.register(app, services)
    events.register(app, services)
