"""The approval register (決裁簿): hash chain, tamper detection, CSV export and the audit CLI."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from conftest import CHIEF, OPERATOR
from sqlalchemy import select, text

from bot import csvfile, db, register
from bot.approval import drafts, revisions, schedule, workflow
from bot.cli import main
from bot.delivery import outbox
from bot.models import Decision, Draft, Publication, RegisterEntry
from bot.people import roles
from bot.ports import Published

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine):
    return db.make_session_factory(engine)


def append(factory, n: int, actor: str = OPERATOR, start: datetime = NOW) -> None:
    for i in range(n):
        with factory.begin() as session:
            register.append(
                session,
                at=start + timedelta(minutes=i),
                actor=actor,
                action="submitted",
                draft_id=i + 1,
                revision=1,
                body=f"本文 {i}",
                channels=["x", "blog"],
            )


def chain(factory) -> list[RegisterEntry]:
    with factory() as session:
        return list(session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars())


def verify(factory) -> list[str]:
    with factory() as session:
        return register.verify(session)


def execute(factory, sql: str) -> None:
    with factory.begin() as session:
        session.execute(text(sql))


# -- the chain --------------------------------------------------------------------------------


def test_empty_register_verifies(factory):
    assert verify(factory) == []


def test_append_builds_a_chain(factory):
    append(factory, 4)
    rows = chain(factory)
    assert [e.seq for e in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == register.GENESIS == "0" * 64
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in rows}) == 4
    assert all(len(e.hash) == 64 for e in rows)
    assert rows[2].details == {"body": "本文 2", "channels": ["x", "blog"]}
    assert rows[2].at == NOW + timedelta(minutes=2)
    assert verify(factory) == []


def test_append_takes_any_timezone_and_stores_utc(factory):
    jst = datetime(2026, 5, 1, 21, 0, tzinfo=timezone(timedelta(hours=9)))
    with factory.begin() as session:
        register.append(session, at=jst, actor=CHIEF, action="approved", draft_id=1)
    (entry,) = chain(factory)
    assert entry.at == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert verify(factory) == []


def test_altered_details_are_detected(factory):
    append(factory, 3)
    execute(factory, """UPDATE register_entries SET details = '{"body": "改ざん"}' WHERE seq = 2""")
    problems = verify(factory)
    assert problems and any("2" in p for p in problems)


def test_altered_actor_is_detected(factory):
    append(factory, 3)
    execute(factory, "UPDATE register_entries SET actor = 'UEVIL' WHERE seq = 1")
    assert verify(factory)


def test_entry_deleted_from_the_middle_is_detected(factory):
    append(factory, 4)
    execute(factory, "DELETE FROM register_entries WHERE seq = 2")
    problems = verify(factory)
    assert problems and any("2" in p for p in problems)


def test_last_entry_deleted_is_detected_by_the_head(factory):
    append(factory, 4)
    execute(factory, "DELETE FROM register_entries WHERE seq = 4")
    assert verify(factory) == ["the last entries were removed"]


def test_rewriting_one_hash_breaks_the_next_link(factory):
    append(factory, 3)
    execute(factory, "UPDATE register_entries SET hash = '" + "f" * 64 + "' WHERE seq = 2")
    assert len(verify(factory)) >= 2  # entry 2 no longer matches, entry 3 no longer follows


def test_concurrent_appends_keep_the_chain(factory):
    threads_n, each = 8, 5
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def writer(k: int):
        try:
            start.wait()
            for i in range(each):
                with factory.begin() as session:
                    register.append(
                        session, at=NOW, actor=f"U{k}", action="refused", draft_id=i, n=i
                    )
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [e.seq for e in chain(factory)] == list(range(1, threads_n * each + 1))
    assert verify(factory) == []


def test_append_all_chains_several_entries_under_one_lock(factory):
    append(factory, 2)
    with factory.begin() as session:
        written = register.append_all(
            session,
            [
                register.Line(NOW, "snsbot", "published", 7, 1, {"channel": "x"}),
                register.Line(NOW, "snsbot", "publish_failed", 7, 1, {"channel": "blog"}),
            ],
        )
    append(factory, 1, start=NOW + timedelta(hours=1))
    assert [e.seq for e in written] == [3, 4]
    assert [e.action for e in chain(factory)] == [
        "submitted",
        "submitted",
        "published",
        "publish_failed",
        "submitted",
    ]
    assert verify(factory) == []


# -- export ------------------------------------------------------------------------------------

FAIR = "市民活動フェアを 12 月 5 日に開催します。「和光」の皆さまへ"
X_URL = "https://x.com/wako/status/1790000000000000001"


def seed(factory, kind: str, created: datetime = NOW) -> int:
    """One draft, `approved` (x published, facebook published without URL, blog failed),
    `rejected` or `pending`."""
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), NOW - timedelta(days=1))
    c = drafts.DraftInput(body=f"{FAIR}（{kind}）", channels=("x", "facebook", "blog"))
    with factory.begin() as session:
        draft_id = workflow.submit(session, author_id=OPERATOR, content=c, now=created).id
    if kind == "pending":
        return draft_id
    with factory.begin() as session:
        workflow.decide(
            session,
            draft_id=draft_id,
            actor=CHIEF,
            approve=kind == "approved",
            reason="" if kind == "approved" else "日付を確認してください",
            now=created + timedelta(hours=1),
        )
    if kind == "approved":  # the dispatcher's own writing, which enters each end in the register
        with factory.begin() as session:
            claims = outbox.claim_due(
                session, created + timedelta(hours=1), timedelta(minutes=5), 9
            )
        ends = {
            "x": Published("1790000000000000001", X_URL),
            "facebook": Published("123_456", None),
        }
        outcomes = [
            outbox.published(c, ends[c.post.channel], False, created)
            if c.post.channel in ends
            else outbox.failed(c, "ブログに接続できません", created)
            for c in claims
        ]
        with factory.begin() as session:
            outbox.record(session, outcomes, created + timedelta(hours=1))
    return draft_id


def export_text(factory, since=None, until=None) -> str:
    out = io.StringIO()
    with factory() as session:
        register.write_csv(register.export_rows(session, since, until), out)
    return out.getvalue()


def parse(csv_text: str) -> list[dict[str, str]]:
    assert csv_text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(csv_text[1:])))
    assert rows[0] == register.EXPORT_COLUMNS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_export_of_an_empty_register_is_bom_and_header(factory):
    assert export_text(factory) == "\ufeff" + ",".join(register.EXPORT_COLUMNS) + "\r\n"


def test_export_approved_draft_with_decider_urls_and_failures(factory):
    draft_id = seed(factory, "approved")
    (row,) = parse(export_text(factory))
    assert (row["draft"], row["revision"], row["author"]) == (str(draft_id), "1", OPERATOR)
    assert row["submitted_at"] == NOW.isoformat()
    assert (row["source"], row["category"], row["channels"]) == ("new", "civic", "x facebook blog")
    assert (row["decision"], row["decider"]) == ("approved", CHIEF)
    assert row["decided_at"] == (NOW + timedelta(hours=1)).isoformat()
    assert sorted(row["published_urls"].split(" ")) == ["facebook:123_456", f"x:{X_URL}"]
    assert row["failures"] == "blog:ブログに接続できません"


def test_export_rejected_draft_has_the_reason(factory):
    seed(factory, "rejected")
    (row,) = parse(export_text(factory))
    assert (row["decision"], row["decider"]) == ("rejected", CHIEF)
    assert row["reason"] == "日付を確認してください"
    assert (row["published_urls"], row["failures"]) == ("", "")


def test_export_pending_draft(factory):
    seed(factory, "pending")
    (row,) = parse(export_text(factory))
    assert (row["decision"], row["decider"], row["decided_at"]) == ("pending", "", "")


def test_export_keeps_japanese_through_utf8_bytes(factory):
    seed(factory, "rejected")
    raw = export_text(factory).encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    (row,) = parse(raw.decode("utf-8"))
    assert row["reason"] == "日付を確認してください"


def test_export_has_one_row_per_revision_of_every_draft(factory):
    """Found as a bug: expunge_all() inside the yield_per loop crashed on the second draft."""
    ids = [
        seed(factory, kind, NOW + timedelta(days=i))
        for i, kind in enumerate(("approved", "rejected", "pending"))
    ]
    rows = parse(export_text(factory))
    assert [int(r["draft"]) for r in rows] == ids
    assert [r["decision"] for r in rows] == ["approved", "rejected", "pending"]


@pytest.mark.parametrize(
    ("since", "until", "included"),
    [
        (None, None, True),
        (NOW, None, True),
        (NOW + timedelta(seconds=1), None, False),
        (None, NOW, False),  # until is exclusive
        (None, NOW + timedelta(seconds=1), True),
        (NOW - timedelta(days=1), NOW + timedelta(days=1), True),
    ],
)
def test_export_filters_by_creation_time(factory, since, until, included):
    draft_id = seed(factory, "approved")
    rows = parse(export_text(factory, since, until))
    assert [int(r["draft"]) for r in rows] == ([draft_id] if included else [])


# -- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    monkeypatch.chdir(tmp_path)  # no .env is loaded from here
    for key in ("SNSBOT_CHIEF", "SNSBOT_OPERATORS", "SNSBOT_LOCALE", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)


def test_cli_verify_exits_0_when_intact_and_1_after_tampering(factory, cli_env, capsys):
    append(factory, 3)
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    execute(factory, "UPDATE register_entries SET actor = 'UEVIL' WHERE seq = 2")
    assert main(["audit", "verify"]) == 1
    assert "entry 2" in capsys.readouterr().out


def test_cli_verify_notices_removed_last_entry(factory, cli_env, capsys):
    append(factory, 3)
    execute(factory, "DELETE FROM register_entries WHERE seq = 3")
    assert main(["audit", "verify"]) == 1


def test_cli_export_writes_csv_with_bom_to_stdout(factory, cli_env, capsys):
    draft_id = seed(factory, "rejected")
    assert main(["audit", "export"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")
    (row,) = parse(out)
    assert (row["draft"], row["reason"]) == (str(draft_id), "日付を確認してください")


@pytest.mark.parametrize(
    ("args", "included"),
    [
        (["--since", "2026-05-01"], True),
        (["--since", "2026-05-02"], False),
        (["--until", "2026-05-02"], True),
        (["--until", "2026-05-01"], False),
    ],
)
def test_cli_export_since_until(factory, cli_env, capsys, args, included):
    seed(factory, "pending")  # created 2026-05-01 03:00 UTC
    assert main(["audit", "export", *args]) == 0
    assert len(parse(capsys.readouterr().out)) == (1 if included else 0)


def test_cli_export_rejects_a_bad_date(factory, cli_env, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "export", "--since", "4月1日"])
    assert exit_info.value.code == 2
    assert "2026-04-01" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("created", "args", "included"),
    [
        (datetime(2026, 3, 31, 23, 0, tzinfo=UTC), ["--since", "2026-04-01"], True),  # 4/1 8:00
        (datetime(2026, 4, 30, 16, 0, tzinfo=UTC), ["--until", "2026-05-01"], False),  # 5/1 1:00
    ],
)
def test_cli_export_dates_are_japan_days(factory, cli_env, capsys, created, args, included):
    """Found as a bug: --since/--until were read as UTC midnight; staff mean Japan days."""
    seed(factory, "pending", created)
    assert main(["audit", "export", *args]) == 0
    assert len(parse(capsys.readouterr().out)) == (1 if included else 0)


def test_cli_export_entries_lists_every_register_entry(factory, cli_env, capsys):
    draft_id = seed(factory, "pending")
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft_id, actor="USTRANGE1", approve=True, now=NOW)
    assert main(["audit", "export", "--entries"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(out[1:])))
    assert rows[0] == register.ENTRY_COLUMNS
    with factory() as session:
        expected = session.execute(select(RegisterEntry.seq, RegisterEntry.action)).all()
    assert [(int(r[0]), r[3]) for r in rows[1:]] == sorted(tuple(e) for e in expected)
    assert rows[-1][2:4] == ["USTRANGE1", "refused"]


def test_last_entry_and_head_deleted_is_detected(factory):
    """Regression: verify() used to skip the head check when the head row itself was gone."""
    append(factory, 3)
    execute(factory, "DELETE FROM register_entries WHERE seq = 3")
    execute(factory, "DELETE FROM register_head")
    assert verify(factory) != []


# -- the export proves what it shows (every cell from the chained entries) ----------------------


def settle(factory, when: datetime, ends: dict[str, object]) -> None:
    """The dispatcher's writing of due publications: a Published, or an error string (failed)."""
    with factory.begin() as session:
        claims = outbox.claim_due(session, when, timedelta(minutes=5), 20)
    outcomes = [
        outbox.published(c, ends[c.post.channel], False, when)
        if isinstance(ends[c.post.channel], Published)
        else outbox.failed(c, ends[c.post.channel], when)
        for c in claims
    ]
    with factory.begin() as session:
        outbox.record(session, outcomes, when)


def table_rows(factory) -> list[list[str]]:
    """The export as it used to be read from drafts, revisions, decisions and publications."""
    rows = []
    with factory() as session:
        for draft in session.execute(select(Draft).order_by(Draft.id)).scalars():
            for revision in sorted(draft.revisions, key=lambda r: r.number):
                decision = session.execute(
                    select(Decision).where(
                        Decision.draft_id == draft.id, Decision.revision == revision.number
                    )
                ).scalar_one_or_none()
                pubs = session.execute(
                    select(Publication)
                    .where(Publication.draft_id == draft.id)
                    .where(Publication.revision == revision.number)
                    .order_by(Publication.id)
                ).scalars()
                pubs = list(pubs)
                rows.append(
                    [
                        str(draft.id),
                        str(revision.number),
                        draft.author_id,
                        revision.created_at.isoformat(),
                        revision.source,
                        revision.category,
                        " ".join(revision.channels),
                        decision.outcome if decision else draft.status,
                        decision.decided_by if decision else "",
                        decision.decided_at.isoformat() if decision else "",
                        decision.reason if decision else "",
                        sorted(f"{p.channel}:{p.url or p.remote_id or ''}" for p in pubs
                               if p.published_at),
                        sorted(f"{p.channel}:{p.error}" for p in pubs if p.status == "failed"),
                    ]
                )  # fmt: skip
    return rows


def chain_rows(factory) -> list[list]:
    with factory() as session:
        rows = list(register.export_rows(session))
    return [row[:11] + [sorted(row[11].split()), sorted(row[12].split())] for row in rows]


def content(body: str, **fields) -> drafts.DraftInput:
    return drafts.DraftInput(body=body, channels=fields.pop("channels", ("x", "blog")), **fields)


def test_export_from_the_register_shows_what_the_tables_hold_through_a_draft_life(factory):
    """Every path a draft takes (reject, resubmit, chief's edit, retry, cancel, withdraw,
    expiry, pending) gives the same CSV as the tables it used to be read from."""
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), NOW - timedelta(days=1))
    later = NOW + timedelta(days=3)
    with factory.begin() as session:
        d1 = workflow.submit(session, author_id=OPERATOR, content=content("一"), now=NOW).id
        d2 = workflow.submit(session, author_id=OPERATOR, content=content("二"), now=NOW).id
        d3 = workflow.submit(session, author_id=OPERATOR, content=content("三"), now=NOW).id
        soon = content("四", publish_at=NOW + timedelta(minutes=2), source="hp_update")
        d4 = workflow.submit(session, author_id=OPERATOR, content=soon, now=NOW).id
        d5 = workflow.submit(session, author_id=OPERATOR, content=content("五"), now=NOW).id
        scheduled = content("六", publish_at=later, category="other", channels=("facebook",))
        d6 = workflow.submit(session, author_id=OPERATOR, content=scheduled, now=NOW).id
    step = NOW + timedelta(minutes=1)
    with factory.begin() as session:
        workflow.decide(session, draft_id=d1, actor=CHIEF, approve=False, reason="直して", now=step)
        revisions.resubmit(session, draft_id=d1, actor=OPERATOR, content=content("一'"), now=step)
        revisions.edit_by_chief(session, draft_id=d2, actor=CHIEF, content=content("二'"), now=step)
        revisions.withdraw(session, draft_id=d3, actor=OPERATOR, now=step)
        schedule.expire_overdue(session, step, timedelta(minutes=5))
        workflow.decide(session, draft_id=d6, actor=CHIEF, approve=True, now=step)
    with factory.begin() as session:
        workflow.decide(session, draft_id=d1, actor=CHIEF, approve=True, now=step)
        workflow.decide(session, draft_id=d2, actor=CHIEF, approve=True, now=step)
    settle(factory, step, {"x": Published("11", X_URL), "blog": "ブログに接続できません"})
    with factory.begin() as session:
        workflow.retry_failed(session, draft_id=d1, actor=OPERATOR, now=step)
        schedule.cancel_scheduled(session, draft_id=d6, actor=CHIEF, now=step)
    settle(factory, step, {"blog": Published("22", "https://blog.example/1")})
    assert [d1, d2, d3, d4, d5, d6] == sorted([d1, d2, d3, d4, d5, d6])
    assert chain_rows(factory) == table_rows(factory)
    with factory() as session:
        statuses = dict(session.execute(select(Draft.id, Draft.status)).all())
    assert [statuses[d] for d in (d1, d3, d4, d5)] == [
        "approved",
        "withdrawn",
        "expired",
        "pending",
    ]


def test_export_does_not_follow_an_approver_changed_in_the_tables(factory):
    draft_id = seed(factory, "approved")
    execute(factory, "UPDATE decisions SET decided_by = 'UEVIL'")
    execute(factory, "UPDATE drafts SET decided_by = 'UEVIL', author_id = 'UEVIL'")
    execute(factory, "UPDATE publications SET url = 'https://evil.example/'")
    (row,) = parse(export_text(factory))
    assert (row["draft"], row["decider"], row["author"]) == (str(draft_id), CHIEF, OPERATOR)
    assert f"x:{X_URL}" in row["published_urls"].split(" ")
    assert verify(factory) == []


def test_export_does_not_follow_a_rejection_turned_into_an_approval_in_the_tables(factory):
    seed(factory, "rejected")
    execute(factory, "UPDATE decisions SET outcome = 'approved', reason = ''")
    execute(factory, "UPDATE drafts SET status = 'approved', reject_reason = NULL")
    (row,) = parse(export_text(factory))
    assert (row["decision"], row["reason"]) == ("rejected", "日付を確認してください")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE register_entries SET actor = 'UEVIL' WHERE action = 'rejected'",
        "UPDATE register_entries SET action = 'approved' WHERE action = 'rejected'",
        """UPDATE register_entries SET details = '{"reason": ""}' WHERE action = 'rejected'""",
        "UPDATE register_entries SET actor = 'UEVIL' WHERE action = 'submitted'",
    ],
)
def test_changing_what_the_export_shows_breaks_verify_naming_the_draft(factory, sql):
    draft_id = seed(factory, "rejected")
    before = export_text(factory)
    execute(factory, sql)
    assert export_text(factory) != before  # the CSV shows the change …
    problems = verify(factory)  # … and verify names the draft
    assert any(f"draft {draft_id}" in p for p in problems), problems


# -- CSV formula injection (OWASP): every CSV the project writes --------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_a_reason_that_starts_like_a_formula(factory, start):
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), NOW - timedelta(days=1))
    reason = f'{start}HYPERLINK("https://evil.example/","詳細")'
    with factory.begin() as session:
        draft_id = workflow.submit(session, author_id=OPERATOR, content=content("本文"), now=NOW).id
        workflow.decide(
            session, draft_id=draft_id, actor=CHIEF, approve=False, reason=reason, now=NOW
        )
    (row,) = parse(export_text(factory))
    assert row["reason"] == "'" + reason
    assert row["source"] == "new"  # other cells untouched


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_entries_export_neutralises_cells_that_start_like_a_formula(factory, start):
    with factory.begin() as session:
        register.append(session, at=NOW, actor=f"{start}1+1", action="refused", draft_id=1)
    out = io.StringIO()
    with factory() as session:
        register.write_csv(register.entry_rows(session), out, register.ENTRY_COLUMNS)
    rows = list(csv.reader(io.StringIO(out.getvalue()[1:])))
    assert rows[1][2] == f"'{start}1+1"
    assert rows[1][3:5] == ["refused", "1"]


def test_csv_cells_are_prefixed_only_when_they_start_like_a_formula():
    assert csvfile.safe_cell("市民活動 = 協働") == "市民活動 = 協働"
    assert csvfile.safe_cell("-5") == "'-5"  # no negative numbers in our CSVs: prefixed too
    assert csvfile.safe_cell("") == ""
    assert csvfile.safe_cell(None) == ""
    assert csvfile.safe_cell("'=already") == "'=already"
