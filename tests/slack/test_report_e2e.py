"""`/sns report YYYY-MM` over signed HTTP: the chief gets the three files in the DM."""

from __future__ import annotations

import csv
import io

from conftest import CHIEF, OPERATOR, STRANGER
from test_search_e2e import seed

from bot.messages import JST
from bot.models import RegisterEntry

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_chief_receives_the_csv_the_summary_and_the_chart_in_the_dm(app):
    autumn, winter = seed(app)
    month = app.services.clock().astimezone(JST).strftime("%Y-%m")  # submitted this month
    answer = app.slack.command(CHIEF, f"report {month}").json()
    assert answer["response_type"] == "ephemeral" and "作成しています" in answer["text"]
    done = app.fake.wait_for("files.completeUploadExternal")[0]
    assert done.ok and done.params["channel_id"] == f"D{CHIEF}"  # the DM, from conversations.open
    shared = {f["name"]: f for f in app.fake.shared_files()}
    assert set(shared) == {f"snsbot-report-{month}.{ext}" for ext in ("md", "png", "csv")}
    assert shared[f"snsbot-report-{month}.png"]["data"].startswith(PNG)
    csv_bytes = shared[f"snsbot-report-{month}.csv"]["data"]
    assert csv_bytes.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert {r["draft"] for r in rows} >= {str(autumn), str(winter)}
    comment = shared[f"snsbot-report-{month}.md"]["initial_comment"]
    assert f"{month} の月次報告です" in comment and "提出された下書き: 2 件" in comment
    assert len(app.fake.calls("file_upload")) == 3


def test_only_the_chief_may_ask_and_every_refusal_is_recorded(app):
    for user in (OPERATOR, STRANGER):
        answer = app.slack.command(user, "report 2026-11").json()
        assert "課長（課長の不在中は代決者）だけ" in answer["text"]
    assert "2026-11" in app.slack.command(CHIEF, "report November").json()["text"]  # the usage
    assert not app.fake.calls("files.getUploadURLExternal")
    with app.services.session_factory() as session:
        refused = session.query(RegisterEntry).filter_by(action="refused").all()
    assert [(r.actor, r.details["attempted"]) for r in refused] == [
        (OPERATOR, "report"), (STRANGER, "report"),
    ]  # fmt: skip
