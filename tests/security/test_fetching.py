"""The bot never fetches URLs typed into drafts; it downloads only from Slack, with its token."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import CHIEF, OPERATOR, TOKEN, running_app
from drafting import draft_values
from fakes import wordpress
from processes import platform_fakes

from bot.features.identity import check_accounts


class Recorder:
    """An HTTP server on 127.0.0.1 that records whatever reaches it (and serves a PNG)."""

    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                recorder.requests.append((self.command, self.path, dict(self.headers)))
                data = wordpress.tiny_png()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str) -> str:
        # "localhost", not 127.0.0.1: the fake Slack API host the bot trusts for files.
        return f"http://localhost:{self.server.server_address[1]}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def live(settings, fake_slack):
    with (
        platform_fakes() as platforms,
        running_app(platforms.settings(settings), fake_slack) as app,
    ):
        assert check_accounts(app.services) == {"x": None, "facebook": None, "blog": None}
        yield app, platforms


def approve_first_card(app) -> None:
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    button = next(
        {**e, "block_id": b["block_id"]} for b in card.params["blocks"]
        for e in b.get("elements", []) if e.get("action_id") == "approve"
    )  # fmt: skip
    app.slack.block_action(CHIEF, "approve", button["value"], block_id=button["block_id"])


def test_the_bot_never_fetches_a_url_typed_into_a_draft(live, recorder):
    app, platforms = live
    link = recorder.url("/event?from=draft")
    image = app.fake.add_file(wordpress.tiny_png(), "poster.png")
    # The file_input value names the recorder: the bot must ask files.info for the real URL.
    planted = {**image, "url_private": recorder.url("/planted.png"),
               "url_private_download": recorder.url("/planted.png?download=1")}  # fmt: skip
    values = draft_values(
        body=f"詳しくは {link} をご覧ください", url=link, blog_title=f"お知らせ {link}",
        images=[planted],
    )  # fmt: skip
    assert app.slack.view_submission(OPERATOR, "draft_submit", values).text == ""
    approve_first_card(app)
    dm = app.fake.wait_for(
        "chat.postMessage", where=lambda c: "投稿結果" in c.params["text"], timeout=20
    )[0]
    assert dm.params["text"].count("投稿を見る") == 3, dm.params["text"]
    assert recorder.requests == []
    infos = app.fake.calls("files.info")
    downloads = app.fake.calls("file_download")
    assert infos and {c.params["file"] for c in infos} == {image["id"]}
    assert downloads and all(c.headers["authorization"] == f"Bearer {TOKEN}" for c in downloads)
    assert link in platforms.tweet_posts()[0].json["text"]  # the link itself was posted


def test_a_file_url_outside_slack_is_refused_and_gets_no_token(live, recorder):
    app, platforms = live
    image = app.fake.add_file(wordpress.tiny_png(), "poster.png")
    elsewhere = recorder.url("/files/poster.png")
    # files.info itself answers with a URL off Slack's file host (a compromised or odd answer).
    app.fake._files[image["id"]][0].update(url_private=elsewhere, url_private_download=elsewhere)
    values = draft_values(channels=("x",), images=[image])
    assert app.slack.view_submission(OPERATOR, "draft_submit", values).text == ""
    approve_first_card(app)
    dm = app.fake.wait_for(
        "chat.postMessage", where=lambda c: "投稿結果" in c.params["text"], timeout=20
    )[0]
    assert "❌" in dm.params["text"] and "poster.png" in dm.params["text"]
    assert recorder.requests == []
    assert platforms.tweet_posts() == []
