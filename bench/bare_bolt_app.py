"""The latency floor: a bare Bolt app that only acks (and opens a modal for /sns), on waitress."""

from __future__ import annotations

import argparse
import logging
import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import create_server

MODAL = {
    "type": "modal",
    "callback_id": "bare",
    "title": {"type": "plain_text", "text": "bare"},
    "blocks": [{"type": "section", "text": {"type": "plain_text", "text": "hello"}}],
}


def build_app(token: str, signing_secret: str, api_url: str) -> App:
    """Request verification on (signing secret), the same Web API client settings as snsbot."""
    app = App(
        client=WebClient(token=token, base_url=api_url, timeout=15),
        signing_secret=signing_secret,
    )

    @app.command("/sns")
    def sns(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.action("approve")
    def approve(ack):
        ack()

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--threads", type=int, default=16, help="waitress threads (snsbot: 16)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = build_app(
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    server = create_server(
        SlackRequestHandler(app), host=args.host, port=args.port, threads=args.threads
    )
    server.run()


if __name__ == "__main__":
    main()
