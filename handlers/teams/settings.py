"""What the Teams front end reads from the environment (the SDK's CONNECTIONS__… and ours)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com/"  # + the tenant id
KEYS = (  # every key read here (the SDK reads more CONNECTIONS__… keys itself)
    PREFIX + "CLIENTID",
    PREFIX + "CLIENTSECRET",
    PREFIX + "TENANTID",
    PREFIX + "ANONYMOUS_ALLOWED",
    PREFIX + "AUTHORITY",
    "SNSBOT_TEAMS_CHIEF",
    "SNSBOT_TEAMS_OPERATORS",
    "SNSBOT_TEAMS_SERVICE_URL",
    "SNSBOT_TEAMS_APPROVAL_CHANNEL",
    "SNSBOT_TEAMS_MODERATION_CHANNEL",
)
# What identifies the bot to Microsoft: set, they mean production (the tenant id alone does not).
CREDENTIALS = ("CLIENTID", "CLIENTSECRET", "CERTPFXFILE", "CERTKEYFILE", "FEDERATEDCLIENTID")


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: reachable from this machine only."""
    host = (host or "").strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """An http(s) address on this machine, without user info (anonymous mode's connector)."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and not parts.username
        and not parts.password
        and is_loopback_host(host)
    )


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


@dataclass(frozen=True)
class TeamsSettings:
    """The bot's Entra app registration, the Teams roster seed and where Teams is reached."""

    app_id: str = ""
    tenant_id: str = ""
    client_secret: str = field(default="", repr=False)
    anonymous: bool = False  # local tests only: requests without a token are let in
    chief: str = ""  # Entra object id or Teams user id (29:…)
    operators: tuple[str, ...] = ()
    service_url: str = DEFAULT_SERVICE_URL  # to open a chat with someone never seen yet
    authority: str = ""  # Microsoft's token service for the tenant; empty: the public cloud's
    approval_channel: str = ""  # a team channel (19:…) that gets a copy of every approval card
    moderation_channel: str = ""  # a team channel (19:…) for the moderation inbox (§11)
    sdk_environment: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TeamsSettings:
        e = dict(os.environ if env is None else env)
        return cls(
            app_id=e.get(PREFIX + "CLIENTID", "").strip(),
            tenant_id=e.get(PREFIX + "TENANTID", "").strip(),
            client_secret=e.get(PREFIX + "CLIENTSECRET", "").strip(),
            anonymous=_flag(e.get(PREFIX + "ANONYMOUS_ALLOWED")),
            chief=e.get("SNSBOT_TEAMS_CHIEF", "").strip(),
            operators=_list(e.get("SNSBOT_TEAMS_OPERATORS")),
            service_url=e.get("SNSBOT_TEAMS_SERVICE_URL", "").strip() or DEFAULT_SERVICE_URL,
            authority=e.get(PREFIX + "AUTHORITY", "").strip(),
            approval_channel=e.get("SNSBOT_TEAMS_APPROVAL_CHANNEL", "").strip(),
            moderation_channel=e.get("SNSBOT_TEAMS_MODERATION_CHANNEL", "").strip(),
            sdk_environment={k: v for k, v in e.items() if k.startswith("CONNECTIONS")},
        )

    def problems(self) -> list[str]:
        """What is missing to run in Teams, in plain words."""
        if self.anonymous:
            return []
        found = []
        if not self.app_id:
            found.append(f"{PREFIX}CLIENTID is not set (the bot's Entra app id).")
        if not self.tenant_id:
            found.append(f"{PREFIX}TENANTID is not set (your Microsoft 365 tenant id).")
        if not self.client_secret and "CERTPFXFILE" not in str(self.sdk_environment):
            found.append(f"{PREFIX}CLIENTSECRET is not set (the app registration's secret).")
        if not self.chief:
            found.append("SNSBOT_TEAMS_CHIEF is not set (the chief's Entra object id).")
        return found

    def credentials(self) -> list[str]:
        """The names of the Teams credentials that are set."""
        named = {"CLIENTID": self.app_id, "CLIENTSECRET": self.client_secret}
        return [
            PREFIX + key
            for key in CREDENTIALS
            if named.get(key) or str(self.sdk_environment.get(PREFIX + key, "")).strip()
        ]

    def anonymous_refusal(self, host: str | None = None) -> str | None:
        """Why anonymous mode must not start (with these credentials, or listening on `host`)."""
        if not self.anonymous:
            return None
        reasons = []
        if self.credentials():
            reasons.append(f"the Teams credentials are set ({', '.join(self.credentials())})")
        if host is not None and not is_loopback_host(host):
            reasons.append(f"the Teams endpoint would listen on {host or 'every address'}, "
                           "not on loopback (127.0.0.1)")  # fmt: skip
        if not reasons:
            return None
        return (
            f"{PREFIX}ANONYMOUS_ALLOWED is on (no token is checked: whoever reaches the port "
            f"can act as anyone) while {' and '.join(reasons)}. Anonymous mode is for local "
            "tests on 127.0.0.1 only: remove ANONYMOUS_ALLOWED from these settings."
        )

    @property
    def token_url(self) -> str:
        """Where the bot's Bot Connector token is obtained (the SDK's MSAL uses the same)."""
        authority = self.authority or DEFAULT_AUTHORITY + (self.tenant_id or "common")
        return authority.rstrip("/") + "/oauth2/v2.0/token"

    def secrets(self) -> list[str]:
        return [s for s in (self.client_secret,) if s]
