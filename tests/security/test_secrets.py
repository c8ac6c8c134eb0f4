"""No token, password or secret in the logs, chat, database or error messages, even at DEBUG."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys

import pytest
from conftest import CHIEF, OPERATOR, running_app
from drafting import draft_values
from fakes import graph_api, wordpress
from processes import platform_fakes, snsbot_env
from sqlalchemy import MetaData, select

from bot import db
from bot.approval import workflow
from bot.approval.drafts import DraftInput
from bot.features.identity import check_accounts
from bot.models import Publication
from bot.people import roles
from bot.services import utc_now


def secret_values(settings) -> list[str]:
    """Every secret, also as it travels: the WordPress password unspaced and in Basic auth."""
    password = settings.wordpress_app_password
    basic = base64.b64encode(f"{settings.wordpress_user}:{password}".encode()).decode()
    return [*settings.secrets(), password.replace(" ", ""), basic]


def database_dump(engine) -> str:
    """Every row of every table, as text."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return "\n".join(
            f"{table.name}: {row}"
            for table in tables.sorted_tables
            for row in connection.execute(select(table))
        )


def leaks(secrets: list[str], **places: str) -> list[str]:
    return [f"{name} holds {secret[:6]}…" for name, text in places.items()
            for secret in secrets if secret in text]  # fmt: skip


OAUTH_LOGGERS = ("oauthlib", "requests_oauthlib")


@pytest.fixture
def oauth_loggers():
    """Lets a test set the OAuth libraries' log levels, and puts them back afterwards."""
    saved = {name: logging.getLogger(name).level for name in OAUTH_LOGGERS}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def full_flow_at_debug(settings, fake_slack, caplog, platforms) -> dict[str, str]:
    """Submit (with an image), approve, publish to the three platforms for real, one channel
    failing for good, retry it; everything logged at DEBUG. Returns every place to search."""
    caplog.set_level(logging.DEBUG)
    answers = []
    with running_app(platforms.settings(settings), fake_slack) as app:
        assert check_accounts(app.services) == {"x": None, "facebook": None, "blog": None}
        image = fake_slack.add_file(wordpress.tiny_png(), "poster.png")
        platforms.graph.fail_next(graph_api.FEED, code=190)  # the Page token "expired"
        platforms.graph.fail_next(graph_api.PHOTOS, code=190)
        values = draft_values(body="秘密の確認", url="https://example.jp/s", images=[image])
        answers.append(app.slack.view_submission(OPERATOR, "draft_submit", values))
        card = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)
        button = next(
            {**e, "block_id": b["block_id"]}
            for b in card[0].params["blocks"]
            for e in b.get("elements", [])
            if e.get("action_id") == "approve"
        )
        answers.append(
            app.slack.block_action(CHIEF, "approve", button["value"], block_id=button["block_id"])
        )
        first = fake_slack.wait_for(
            "chat.postMessage", where=lambda c: "投稿結果" in c.params["text"], timeout=20
        )[0]
        assert "❌ Facebook ページ" in first.params["text"]
        retry = next(
            e for b in first.params["blocks"] for e in b.get("elements", [])
            if e.get("action_id") == "retry"
        )  # fmt: skip
        answers.append(app.slack.block_action(OPERATOR, "retry", retry["value"]))
        fake_slack.wait_for(
            "chat.postMessage", count=2, where=lambda c: "投稿結果" in c.params["text"], timeout=20
        )
        with app.services.session_factory() as session:
            errors = session.execute(select(Publication.error)).scalars().all()
        dump = database_dump(app.services.engine)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG really was on
    return {
        "the logs": "\n".join(formatter.format(r) for r in caplog.records),
        "the chat messages": "\n".join(
            c.raw_body.decode("utf-8", "replace") + json.dumps(c.params, ensure_ascii=False)
            for c in fake_slack.calls()
        ),
        "the answers to Slack": "\n".join(a.text for a in answers),
        "the database": dump,
        "the error messages": "\n".join(e or "" for e in errors),
    }


def test_no_secret_in_logs_chat_database_or_errors_at_debug_level(
    settings, fake_slack, caplog, oauth_loggers
):
    for noisy in OAUTH_LOGGERS:  # what bot.cli.main does first (see the test below)
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with platform_fakes() as platforms:
        places = full_flow_at_debug(settings, fake_slack, caplog, platforms)
        secrets = secret_values(platforms.settings(settings))
    assert platforms.tweet_posts() and platforms.graph.feed() and platforms.blog.posts
    assert leaks(secrets, **places) == []


def test_the_composition_root_itself_keeps_oauth_secrets_out_of_debug_logs(
    settings, fake_slack, caplog, oauth_loggers
):
    for noisy in OAUTH_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.NOTSET)  # as a fresh process has them
    with platform_fakes() as platforms:
        places = full_flow_at_debug(settings, fake_slack, caplog, platforms)
        secrets = secret_values(platforms.settings(settings))
    assert leaks(secrets, logs=places["the logs"]) == []


def test_a_worker_process_logging_at_debug_shows_no_secret(tmp_path, database_url, fake_slack):
    """`snsbot worker` has no log-level flag: configure DEBUG before its main() runs."""
    factory = db.make_session_factory(db.make_engine(database_url))
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), utc_now())
    with factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=OPERATOR,
            content=DraftInput(body="ワーカーの秘密確認", channels=("x", "facebook", "blog")),
            now=utc_now(),
        )
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft.id, actor=CHIEF, approve=True, now=utc_now())
    debug_main = (
        "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
        "from bot.cli import main; sys.exit(main(['worker', '--once', '--timeout', '60']))"
    )
    with platform_fakes() as platforms:
        env = snsbot_env(database_url, fake_slack, **platforms.env())
        result = subprocess.run(
            [sys.executable, "-c", debug_main], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(platforms.tweet_posts()) == 1 and platforms.blog.posts
        output = result.stdout + result.stderr
        assert "DEBUG" in output
        secrets = [v for k, v in env.items() if k.endswith(("_KEY", "_SECRET", "_TOKEN",
                                                           "_PASSWORD"))]  # fmt: skip
    assert leaks(secrets, output=output) == []
