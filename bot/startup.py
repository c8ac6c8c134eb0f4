"""What `snsbot run` checks before serving: a chief, and that Slack or Teams' token service answers."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import ConfigError, Settings
from bot.people import roles

PROXY_HINT = "check the network, a proxy (HTTPS_PROXY, NO_PROXY) and the firewall"


class CannotStart(Exception):
    """A service snsbot needs did not answer or refused; str() is the one line to show."""


class Refused(Exception):
    """A service answered and rejected the credentials; `code` is its error code."""

    def __init__(self, code: str | None, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


def require_chief(session_factory, chief_setting: str, front_end: str = "slack") -> None:
    """ConfigError saying how to name the chief when the roster has none (nobody could approve)."""
    with session_factory() as session:
        if roles.chief_id(session, front_end):
            return
    key = "SNSBOT_CHIEF" if front_end == "slack" else "SNSBOT_TEAMS_CHIEF"
    example = "U0123ABCD" if front_end == "slack" else "<Entra object id>"
    flag = "" if front_end == "slack" else " --platform teams"
    said = (
        f"nobody is chief (課長) on the {front_end} roster, so no draft could be approved. Name "
        f"the chief: set {key}={example} in .env before the first start, or run "
        f"`snsbot roles set <user> chief{flag}`"
    )
    if chief_setting:
        said += (f" ({key}={chief_setting} is set, but the roster was filled before, so only "
                 f"`snsbot roles set {chief_setting} chief{flag}` helps now)")  # fmt: skip
    raise ConfigError([said + "."])


def slack_problem(error: BaseException, api_url: str) -> str:
    """What went wrong asking Slack who the bot token is, and what to check."""
    if isinstance(error, Refused):
        return (
            f"Slack rejected SLACK_BOT_TOKEN ({error.code}): copy it again from OAuth & "
            "Permissions (Bot User OAuth Token, xoxb-…), and reinstall the app if it was removed"
        )
    return f"cannot reach Slack at {api_url} ({_reason(error)}): {PROXY_HINT}, and SLACK_API_URL"


def teams_token_problem(error: BaseException, token_url: str) -> str:
    """What went wrong obtaining the bot's token from Microsoft, and what to check."""
    if isinstance(error, Refused):
        return (
            f"Microsoft's token service at {token_url} refused the Teams credentials "
            f"({error.code}{': ' + error.detail if error.detail else ''}): check CLIENTID, "
            "CLIENTSECRET (not expired?) and TENANTID of the bot's app registration"
        )
    return f"cannot reach Microsoft's token service at {token_url} ({_reason(error)}): {PROXY_HINT}"


def reach_slack(settings: Settings, identity: Callable[[Settings], dict]) -> dict:
    """Slack's answer to auth.test, or CannotStart in one line."""
    try:
        return identity(settings)
    except Exception as error:
        raise CannotStart(slack_problem(error, settings.slack_api_url)) from error


def reach_teams(teams, obtain_token: Callable[[object], str], token_url: str) -> None:
    """A token for the Bot Connector from the configured credentials, or CannotStart."""
    try:
        obtain_token(teams)
    except Exception as error:
        raise CannotStart(teams_token_problem(error, token_url)) from error


def _reason(error: BaseException) -> str:
    """The innermost plain reason (`Connection refused`, `timed out`), never a URL or a secret."""
    seen, todo = set(), [error]
    while todo:
        found = todo.pop(0)
        if id(found) in seen:
            continue
        seen.add(id(found))
        if getattr(found, "strerror", None):
            return f"{type(found).__name__}: {found.strerror}"
        if isinstance(found, TimeoutError):
            return "timed out"
        inner = (getattr(found, "reason", None), found.__cause__, found.__context__, *found.args)
        todo += [e for e in inner if isinstance(e, BaseException)]
    return type(error).__name__
