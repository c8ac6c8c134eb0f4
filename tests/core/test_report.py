"""The monthly report: figures from the month's drafts and posts, the CSV, summary and chart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR
from test_register import settle

from bot import register
from bot.approval import drafts, workflow
from bot.features import report
from bot.features.report import gather, parse_month
from bot.features.report_files import write_report
from bot.messages import Messages
from bot.models import RegisterEntry
from bot.people import groups, roles
from bot.ports import Published

NOV = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 2 November, 10:00 in Japan
DEPUTY = "UDEPUTY1"
PNG = b"\x89PNG\r\n\x1a\n"


def submit(factory, body, at, **fields) -> int:
    content = drafts.DraftInput(body=body, channels=fields.pop("channels", ("x",)), **fields)
    with factory.begin() as session:
        return workflow.submit(session, author_id=OPERATOR, content=content, now=at).id


def decide(factory, draft_id, at, actor=CHIEF, approve=True) -> None:
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft_id, actor=actor, approve=approve, now=at,
                        reason="" if approve else "直して")  # fmt: skip


@pytest.fixture
def november(factory):
    """A month of work: posts in two weeks, a group request decided by the deputy (代決),
    a rejection, a failure, and a draft of October that stays out."""
    with factory.begin() as session:
        roles.set_role(session, DEPUTY, "deputy", actor="cli", now=NOV)
        groups.add(session, "和光の会", contact="", site="", actor="cli", now=NOV)
    first = submit(factory, "一", NOV, channels=("x", "facebook"))
    decide(factory, first, NOV + timedelta(hours=2))
    settle(factory, NOV + timedelta(hours=2), {"x": Published("1", "https://x.com/a/status/1"),
                                               "facebook": Published("2", None)})  # fmt: skip
    later = NOV + timedelta(days=8)  # the week of 9 November
    group = submit(factory, "二", later, channels=("blog",), source="group_request",
                   group_name="和光の会", group_date="2026-11-05", group_draft="原稿")  # fmt: skip
    with factory.begin() as session:
        roles.set_away(session, CHIEF, True, now=later)
    decide(factory, group, later + timedelta(hours=6), actor=DEPUTY)
    settle(factory, later + timedelta(hours=6), {"blog": "ブログに接続できません"})
    rejected = submit(factory, "三", later, category="other")
    decide(factory, rejected, later + timedelta(hours=1), approve=False)
    submit(factory, "十月", datetime(2026, 10, 31, 14, 0, tzinfo=UTC))  # 31 October in Japan
    return first, group, rejected


def test_months_are_japan_months_and_bad_ones_are_refused():
    month = parse_month("2026-12")
    assert month.start.isoformat() == "2026-12-01T00:00:00+09:00"
    assert month.end.isoformat() == "2027-01-01T00:00:00+09:00"
    assert parse_month("2026-11").weeks()[0].isoformat() == "2026-10-26"
    for bad in ("2026-13", "2026-1", "11-2026", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_month(bad)


def test_the_figures_count_the_months_work(factory, november):
    with factory() as session:
        f = gather(session, parse_month("2026-11"))
    assert f.submitted == 3 and f.outcomes == {"approved": 2, "rejected": 1}
    assert f.by_source == {"new": 2, "group_request": 1} and f.by_group == {"和光の会": 1}
    assert f.by_category == {"civic": 2, "other": 1}
    assert f.acting == 1  # the deputy's decision while the chief was away
    assert sorted(f.approval_waits) == [timedelta(hours=2), timedelta(hours=6)]  # approvals only
    assert f.median_wait == timedelta(hours=4) and f.longest_wait == timedelta(hours=6)
    assert f.published == {"x": 1, "facebook": 1} and f.failed == {"blog": 1}
    weeks = {monday.isoformat(): dict(counts) for monday, counts in f.weekly.items()}
    assert weeks["2026-11-02"] == {"x": 1, "facebook": 1} and weeks["2026-11-09"] == {}
    assert list(weeks)[0] == "2026-10-26" and list(weeks)[-1] == "2026-11-30"


def test_the_files_are_a_csv_with_bom_a_summary_and_a_png(factory, november, tmp_path):
    with factory() as session:
        files = write_report(session, parse_month("2026-11"), tmp_path / "out", Messages("ja"))
    raw = files.csv.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["draft"] for r in rows] == [str(d) for d in november]  # October's stays out
    assert rows[1]["acting"] == "代決" and rows[1]["group"] == "和光の会"
    summary = files.summary.read_text(encoding="utf-8")
    assert summary.startswith("# SNS 投稿 月次報告 2026-11")
    for line in ("提出された下書き: 3 件", "代決: 1 件", "中央値 4 時間 0 分・最長 6 時間 0 分",
                 "投稿（ネットワーク別）: X（旧 Twitter） 1・Facebook ページ 1",
                 "投稿の失敗: ブログ 1", "登録団体からの依頼: 和光の会 1"):  # fmt: skip
        assert line in summary, line
    assert files.chart.read_bytes().startswith(PNG) and files.text == summary


def test_a_formula_in_a_cell_is_neutralised_in_the_report_csv(factory, tmp_path):
    submit(factory, '=HYPERLINK("http://evil.example")', NOV)
    with factory() as session:
        files = write_report(session, parse_month("2026-11"), tmp_path, Messages("ja"))
    assert "=HYPERLINK" not in files.csv.read_text(encoding="utf-8-sig").replace("'=", "")


def test_only_the_chief_or_the_acting_deputy_may_ask_and_refusals_are_recorded(factory):
    with factory.begin() as session:
        roles.set_role(session, DEPUTY, "deputy", actor="cli", now=NOV)
    with factory.begin() as session:
        assert report.may_ask(session, CHIEF, "slack", NOV)
        assert not report.may_ask(session, OPERATOR, "slack", NOV)
        assert not report.may_ask(session, DEPUTY, "slack", NOV)  # the chief is in
        roles.set_away(session, CHIEF, True, now=NOV)
        assert report.may_ask(session, DEPUTY, "slack", NOV)
    with factory() as session:
        refused = session.query(RegisterEntry).filter_by(action="refused").all()
        assert [(r.actor, r.details["attempted"]) for r in refused] == [
            (OPERATOR, "report"), (DEPUTY, "report"),
        ]  # fmt: skip
        assert register.check(session).problems == []


def test_the_cli_writes_the_three_files(factory, monkeypatch, tmp_path, database_url, capsys):
    from bot.cli import main

    submit(factory, "CLI から", NOV)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["report", "--month", "2026-11", "--out", "reports"]) == 0
    written = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in written] == [
        "snsbot-report-2026-11.csv", "snsbot-report-2026-11.md", "snsbot-report-2026-11.png",
    ]  # fmt: skip
    assert (tmp_path / "reports" / "snsbot-report-2026-11.png").read_bytes().startswith(PNG)
    with pytest.raises(SystemExit):
        main(["report", "--month", "2026-13"])
    assert "YYYY-MM" in capsys.readouterr().err
