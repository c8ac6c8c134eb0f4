"""A fake Microsoft identity platform token endpoint (client credentials) on 127.0.0.1.

    POST /{tenant}/oauth2/v2.0/token   grant_type=client_credentials, client_id, client_secret,
                                       scope  → {"access_token", "token_type", "expires_in"}

Point `CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHORITY` at `fake.authority`. Wrong
credentials get Microsoft's answers: an unknown tenant 400 `invalid_request` (AADSTS90002),
an unknown app 400 `unauthorized_client` (AADSTS700016), a wrong secret 401 `invalid_client`
(AADSTS7000215).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from fakes.base import Answer, FakeServer, Request, send

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.fake-bot-connector-token"


@dataclass
class TokenCall:
    """One token request: its tenant (from the path) and its form fields."""

    endpoint: str  # "token" or "" for a path the fake does not know
    tenant: str
    form: dict[str, str]
    status: int = 0


class FakeTokenService(FakeServer[TokenCall]):
    """Issues `TOKEN` to the one app registration it knows (tenant, client id, secret)."""

    def __init__(self, tenant: str, client_id: str, client_secret: str) -> None:
        super().__init__()
        self.tenant, self.client_id, self.client_secret = tenant, client_id, client_secret

    @property
    def authority(self) -> str:
        """`http://127.0.0.1:PORT/{tenant}`, as Microsoft's `https://login.microsoftonline.com/…`."""
        return f"{self.root_url}/{self.tenant}"

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = Request.read(handler)
        parts = request.path.strip("/").split("/")
        known = request.method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]
        form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        call = TokenCall("token" if known else "", parts[0] if parts else "", form)
        status, body = self._answer(call) if known else (404, {"error": "not_found"})
        with self._lock:
            call.status = status
            self._record(call)
        send(handler, Answer(status, json.dumps(body).encode()))

    def _answer(self, call: TokenCall) -> tuple[int, dict]:
        form = call.form
        if call.tenant != self.tenant:
            return 400, _error("invalid_request", f"AADSTS90002: Tenant '{call.tenant}' not found.")
        if form.get("grant_type") != "client_credentials" or not form.get("scope"):
            return 400, _error("invalid_request", "AADSTS900144: The request body must contain "
                                                  "the parameters grant_type and scope.")  # fmt: skip
        if form.get("client_id") != self.client_id:
            return 400, _error("unauthorized_client", "AADSTS700016: Application with identifier "
                               f"'{form.get('client_id')}' was not found in the directory.")  # fmt: skip
        if form.get("client_secret") != self.client_secret:
            return 401, _error("invalid_client", "AADSTS7000215: Invalid client secret provided.")
        return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}


def _error(code: str, description: str) -> dict:
    return {"error": code, "error_description": f"{description}\r\nTrace ID: 0\r\n"}
