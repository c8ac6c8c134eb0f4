"""Helpers for the group intake tests: snsbot serving Slack and the intake pages, a group's link."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from conftest import SECRET, App
from slack_signing import SignedSlackClient

from bot import app as composition
from bot.intake import links
from bot.people import groups
from bot.services import utc_now

GROUP = "和光こども食堂の会"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x2a\x6e\xb4" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))  # fmt: skip


PNG = png()
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    """The running bot (Slack's fake beside it) and one registered group's link."""

    app: App
    token: str

    @property
    def form_url(self) -> str:
        return f"{self.app.base}{links.path(self.token)}"


def register_group(services, name: str = GROUP) -> str:
    """Register `name` and give it a link; the link's token."""
    with services.session_factory.begin() as session:
        groups.add(session, name, contact="山田", site="", actor="cli", now=utc_now())
        return links.issue(session, name, rotate=True, expires_at=None, actor="cli",
                           now=utc_now()).token  # fmt: skip


@contextmanager
def running_site(settings, fake_slack, limits=None) -> Iterator[Site]:
    """snsbot in HTTP mode (Slack and the intake pages on one port) with its dispatcher."""
    runtime = composition.assemble(settings)
    runtime.dispatcher.poll_seconds = 0.1
    http = composition.slack_http_server(runtime, settings, "127.0.0.1", 0, limits)
    http.start()
    runtime.dispatcher.start()
    base = f"http://127.0.0.1:{http.port}"
    client = SignedSlackClient(f"{base}/slack/events", SECRET, fake_slack)
    try:
        yield Site(App(runtime, client, fake_slack, base), register_group(runtime.services))
    finally:
        client.close()
        http.stop()
        runtime.dispatcher.stop()
        runtime.services.engine.dispose()


def csrf_of(page: str) -> str:
    return CSRF.search(page).group(1)


def filled(**changes) -> dict:
    """The form's fields as a group fills them."""
    values = {
        "body": "こども食堂を 5 月 10 日に開きます。どなたでもどうぞ。",
        "x_text": "",
        "blog_title": "こども食堂のお知らせ",
        "url": "https://example.jp/kodomo",
        "wished_date": "",
        "channels": ["x", "facebook", "blog"],
        "contact_name": "山田 花子",
        "alt1": "",
    }
    return {**values, **changes}


def send(browser: requests.Session, site: Site, fields: dict, files: dict | None = None,
         csrf: bool = True, **options) -> requests.Response:  # fmt: skip
    """Open the form (for its cookie and token), then send it."""
    page = browser.get(site.form_url, timeout=10)
    data = dict(fields)
    if csrf:
        data["csrf_token"] = csrf_of(page.text)
    return browser.post(site.form_url, data=data, files=files or {"image1": ("", b"")},
                        allow_redirects=options.get("allow_redirects", True), timeout=30)  # fmt: skip
