"""A first `snsbot run` explains itself: example values, no chief, Slack unreachable or refusing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import CHIEF, SECRET, TOKEN
from test_run import clean_env, free_port, start_or_refuse, the_one_line

from bot.config_examples import EXAMPLE_VALUES

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def snsbot(tmp_path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_the_unedited_env_example_names_each_example_value_and_contacts_nobody(
    tmp_path, fake_slack
):
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    env = clean_env(tmp_path, SLACK_API_URL=fake_slack.base_url)  # wins over .env's empty one
    env = {k: v for k, v in env.items() if not k.startswith("CONNECTIONS__")}
    for args in (["run"], ["run", "--http"], ["run", "--teams"], ["worker"]):
        result = snsbot(tmp_path, env, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("snsbot cannot start:\n"), result.stderr
        for key, (example, _) in EXAMPLE_VALUES.items():
            assert re.search(rf"^  - {key} still holds the example value from \.env\.example "
                             rf"\({re.escape(example)}\): put in your own \(", result.stderr,
                             flags=re.MULTILINE), (args, key)  # fmt: skip
    assert fake_slack.calls() == []  # Slack was never contacted
    assert not (tmp_path / "snsbot.db").exists()  # nor the database


def test_no_chief_refuses_to_start_saying_how_to_name_one(tmp_path, fake_slack):
    env = clean_env(
        tmp_path,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/snsbot.db",
    )
    result = snsbot(tmp_path, env, "run", "--http", "--port", str(free_port()))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "nobody is chief (課長) on the slack roster" in result.stderr
    assert "set SNSBOT_CHIEF=U0123ABCD in .env" in result.stderr
    assert "`snsbot roles set <user> chief`" in result.stderr
    assert fake_slack.calls() == []
    assert snsbot(tmp_path, env, "roles", "set", CHIEF, "chief").returncode == 0
    refused, code, stderr = start_or_refuse(tmp_path, env)  # now it starts
    assert not refused, stderr


def test_an_unreachable_slack_is_one_line_and_debug_shows_the_details(tmp_path, fake_slack):
    url = f"http://127.0.0.1:{free_port()}/api/"
    env = clean_env(
        tmp_path,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=url,
        DATABASE_URL=f"sqlite:///{tmp_path}/snsbot.db",
        SNSBOT_CHIEF=CHIEF,
    )
    refused, code, stderr = start_or_refuse(tmp_path, env)
    assert refused and code == 1, stderr
    line = the_one_line(stderr)
    assert line.startswith(f"snsbot cannot start: cannot reach Slack at {url} (")
    assert "Connection refused" in line and "a proxy (HTTPS_PROXY, NO_PROXY)" in line
    assert line.endswith("(--debug shows the details)")
    assert TOKEN not in stderr and SECRET not in stderr
    for debug_env, flag in ((env, ["--debug"]), ({**env, "SNSBOT_LOG_LEVEL": "debug"}, [])):
        refused, code, stderr = start_or_refuse(tmp_path, debug_env, *flag)
        assert refused and code == 1, stderr
        assert "the details of what failed" in stderr and "URLError" in stderr
        assert TOKEN not in stderr and SECRET not in stderr


def test_a_token_slack_rejects_is_one_line_saying_copy_it_again(tmp_path, fake_slack):
    env = clean_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-revoked-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/snsbot.db",
        SNSBOT_CHIEF=CHIEF,
    )
    refused, code, stderr = start_or_refuse(tmp_path, env)
    assert refused and code == 1, stderr
    line = the_one_line(stderr)
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth): copy it again" in line
    assert "xoxb-revoked-token" not in stderr


def test_an_unreachable_database_is_one_line_and_debug_shows_the_details(tmp_path, fake_slack):
    url = f"postgresql+psycopg://snsbot:db-password-xyz@127.0.0.1:{free_port()}/snsbot"
    env = clean_env(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=fake_slack.base_url, DATABASE_URL=url, SNSBOT_CHIEF=CHIEF)  # fmt: skip
    quiet = snsbot(tmp_path, env, "run", "--http", "--port", str(free_port()))
    assert quiet.returncode == 1, quiet.stderr
    assert "Traceback" not in quiet.stderr and "the details of what failed" not in quiet.stderr
    assert (
        "cannot reach the database" in quiet.stderr and "--debug shows the details" in quiet.stderr
    )
    loud = snsbot(tmp_path, env, "run", "--http", "--port", str(free_port()), "--debug")
    assert loud.returncode == 1, loud.stderr
    assert "the details of what failed" in loud.stderr and "OperationalError" in loud.stderr
    assert "db-password-xyz" not in quiet.stderr + loud.stderr
    assert fake_slack.calls() == []
