"""`snsbot run --teams` as a real process: serves /api/messages and /healthz; bad settings exit clearly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from processes import healthy, wait_until
from teams_client import CHIEF, OPERATOR, TeamsClient
from test_run import clean_env, free_port

from handlers.teams.settings import PREFIX

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")


def test_run_teams_serves_activities_and_healthz(tmp_path, connector, database_url):
    port = free_port()
    env = clean_env(
        tmp_path,
        DATABASE_URL=database_url,
        SNSBOT_TEAMS_CHIEF=CHIEF.aad,
        SNSBOT_TEAMS_OPERATORS=OPERATOR.aad,
        SNSBOT_TEAMS_SERVICE_URL=connector.base_url,
        **{PREFIX + "ANONYMOUS_ALLOWED": "true"},
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--teams", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: healthy(port) or process.poll() is not None, what="run --teams")
        client = TeamsClient(f"{base}/api/messages", connector.base_url)
        form = client.open_form(OPERATOR)
        assert (
            client.submit_form(OPERATOR, form, body="本番と同じ起動")["task"]["type"] == "message"
        )
        card = connector.wait_for(lambda: connector.cards()[0])
        assert "本番と同じ起動" in json.dumps(card, ensure_ascii=False)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "Traceback" not in output


def test_run_teams_without_settings_says_what_to_set(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--teams"],
        cwd=tmp_path,
        env=clean_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/x.db"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert PREFIX + "CLIENTID" in result.stderr and "SNSBOT_TEAMS_CHIEF" in result.stderr
    assert "Traceback" not in result.stderr
