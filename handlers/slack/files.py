"""Downloads a draft's images from Slack with the bot token, and only from Slack's file hosts."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.approval.pictures import looks_like
from bot.messages import Messages
from bot.ports import PermanentError, TransientError
from publishers.http import TIMEOUT, network_errors

SLACK_FILE_HOSTS = ("files.slack.com",)
MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024


class SlackFiles:
    """`fetch(file)` for the dispatcher: asks files.info for the real URL, then downloads it."""

    def __init__(self, client: WebClient, token: str, msg: Messages, api_url: str):
        self.client = client
        self.token = token
        self.msg = msg
        # Slack serves files from files.slack.com; a test or proxy API host is trusted as well.
        self.hosts = (*SLACK_FILE_HOSTS, urlsplit(api_url).hostname or "")

    def _refuse(self, name: str, detail: str) -> PermanentError:
        return PermanentError("pub.error.image", {"name": name, "detail": detail})

    def fetch(self, file: dict) -> bytes:
        name = str(file.get("name", ""))[:100]
        try:
            info = self.client.files_info(file=str(file.get("id", "")))["file"]
        except SlackApiError as error:
            if error.response.get("error") in ("file_not_found", "file_deleted"):
                raise self._refuse(name, "file_not_found") from None
            raise TransientError("pub.reason.server_error") from None
        url = info.get("url_private_download") or info.get("url_private") or ""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or parts.hostname not in self.hosts:
            raise self._refuse(name, "not a Slack file URL")
        with network_errors():
            response = requests.get(
                url, headers={"Authorization": f"Bearer {self.token}"}, timeout=TIMEOUT, stream=True
            )
            data = response.raw.read(MAX_DOWNLOAD_BYTES + 1, decode_content=True)
        if response.status_code >= 500:
            raise TransientError("pub.reason.server_error")
        if response.status_code != 200 or len(data) > MAX_DOWNLOAD_BYTES:
            raise self._refuse(name, f"HTTP {response.status_code}")
        if not looks_like(info.get("mimetype", ""), data):
            raise self._refuse(name, "not an image")
        return data
