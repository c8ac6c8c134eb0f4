"""Slack tells of a member deactivated (policy §6): `user_change` with `deleted: true`."""

from __future__ import annotations

from bot.people import leavers
from handlers.slack.wiring import SERVICES


def member_changed(event, context, logger):
    """Most `user_change` events are profile edits and change nothing here; a deactivation
    (https://docs.slack.dev/reference/events/user_change/: the user object's `deleted`) ends the
    person's role and opens the credential-rotation tasks, once however often Slack retries."""
    user = event.get("user")
    if not isinstance(user, dict) or user.get("deleted") is not True:
        return
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id:
        return
    services = context[SERVICES]
    with services.session_factory.begin() as session:
        left = leavers.member_left(session, (user_id,), front_end="slack",
                                   how=leavers.DEACTIVATED, now=services.clock())  # fmt: skip
    if left:
        logger.info("%s left the workspace: role ended, credential rotation opened", left)
        services.wake()  # the dispatcher tells the chief of the new rotation tasks
