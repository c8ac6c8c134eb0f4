"""Account identity (policy §2): each channel's credentials must belong to the configured account."""

from __future__ import annotations

import logging

from bot.features import profiles
from bot.messages import Messages
from bot.people import roles
from bot.ports import Notifier
from bot.services import Services

log = logging.getLogger(__name__)


def check_accounts(services: Services) -> dict[str, str | None]:
    """Verify every real channel; {channel: None when fine, else what is wrong}."""
    results: dict[str, str | None] = {}
    for channel, publisher in services.publishers.items():
        if publisher.dry_run:
            continue
        try:
            problem = publisher.verify_account()
            results[channel] = problem.render(services.msg) if problem else None
        except Exception as error:  # a publisher bug must not stop the bot from starting
            log.exception("identity check of %s failed", channel)
            results[channel] = services.msg(
                "identity.failed", channel=channel, detail=type(error).__name__
            )
    return results


def check_and_report(services: Services, notifiers: dict[str, Notifier]) -> None:
    """Run at start: log each result and tell each chief, in a DM, which channels are disabled
    and which profile differs from the policy (§2 names, §9 notice)."""
    results = check_accounts(services)
    problems = [p for p in results.values() if p]
    for problem in problems:
        log.warning("channel disabled: %s", problem)
    verified = {c: p for c, p in services.publishers.items() if not results.get(c)}
    differing = profiles.problems(verified, services.settings, services.msg)
    for difference in differing:
        log.warning("profile differs from the policy: %s", difference)
    if differing:
        problems += [services.msg("profile.header"), *differing]
    if not problems:
        return
    with services.session_factory() as session:
        chiefs = {front_end: roles.chief_id(session, front_end) for front_end in notifiers}
    for front_end, chief in chiefs.items():
        if not chief:
            continue
        try:
            notifiers[front_end].tell_user(chief, "\n".join(problems))
        except Exception:
            log.exception("could not tell the %s chief about disabled channels", front_end)


def recheck(services: Services, account: str, msg: Messages) -> str:
    """After the chief marks a channel's credentials changed: check what the bot now holds."""
    name = msg(f"account.{account}")
    publisher = services.publishers.get(account)
    if publisher is None or publisher.dry_run:
        return msg("rotation.unchecked", account=name)
    problem = publisher.verify_account()
    if problem:
        # The problem in the installation's language, as it was stored and logged at start.
        said = problem.render(services.msg)
        return msg("rotation.check_failed", account=name, problem=said)
    return msg("rotation.checked", account=name)
