"""Obtain the bot's Bot Connector token with the configured credentials (doctor and start-up)."""

from __future__ import annotations

import requests

from bot.startup import Refused
from handlers.teams.settings import TeamsSettings

BOT_CONNECTOR_SCOPE = "https://api.botframework.com/.default"
TIMEOUT = 10  # seconds


def obtain_token(settings: TeamsSettings, session: requests.Session | None = None) -> str:
    """The client-credentials grant Microsoft's token service answers with the bot's token;
    Refused when it rejects the credentials, a requests error when it cannot be reached."""
    response = (session or requests).post(
        settings.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": settings.app_id,
            "client_secret": settings.client_secret,
            "scope": BOT_CONNECTOR_SCOPE,
        },
        timeout=TIMEOUT,
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    token = body.get("access_token")
    if response.ok and token:
        return token
    code = body.get("error") or f"HTTP {response.status_code}"
    described = str(body.get("error_description") or "").splitlines()
    # Microsoft's descriptions start with the AADSTS code and a sentence; no secret is quoted.
    raise Refused(code, described[0][:200] if described else "")
