"""The register's anchors outside the database: the HMAC key, and the head sent to the chief."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from conftest import CHIEF, OPERATOR, running_app
from drafting import draft_values
from sqlalchemy import select, text
from test_everyday_e2e import next_monday_morning

from bot import config, db, register, register_key
from bot.cli import main
from bot.delivery.dispatcher import Dispatcher
from bot.messages import Messages
from bot.models import RegisterEntry
from bot.people import roles
from bot.register import _digest

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
KEY = "9f" * 32  # a test key, as `snsbot audit key` prints them
OTHER_KEY = "a1" * 32


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def plain(engine):
    """Sessions without the key (as before SNSBOT_REGISTER_KEY was set, or an intruder's)."""
    return db.make_session_factory(engine)


@pytest.fixture
def keyed(engine):
    return db.make_session_factory(engine, KEY)


def append(factory, n: int, first: int = 1) -> None:
    for i in range(first, first + n):
        with factory.begin() as session:
            register.append(
                session,
                at=NOW + timedelta(minutes=i),
                actor=CHIEF,
                action="rejected" if i % 2 else "approved",
                draft_id=i,
                revision=1,
                reason="",
            )


def entries(factory) -> list[RegisterEntry]:
    with factory() as session:
        return list(session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars())


def check(factory, expect_head: str | None = None) -> register.Verdict:
    with factory() as session:
        return register.check(session, expect_head)


def execute(factory, sql: str, **params) -> None:
    with factory.begin() as session:
        session.execute(text(sql), params)


def rewrite_from(factory, first: int, alter, key_marks: str = "keep") -> None:
    """What an intruder with the database (and the source code, not the key) can do: change
    entries from `first` on, recompute every hash after them and move the head to match.

    `key_marks`: "keep" the old marks, "strip" them (and hash as unkeyed), or compute them with
    the wrong key.
    """
    rows = entries(factory)
    prev = rows[first - 2].hash if first > 1 else register.GENESIS
    for entry in rows[first - 1 :]:
        actor, action, details = alter(entry)
        mac = entry.mac if key_marks == "keep" else None
        keyed = mac is not None or key_marks == "wrong"
        digest = _digest(
            prev, entry.seq, entry.at, actor, action, entry.draft_id, entry.revision, details,
            keyed=keyed,
        )  # fmt: skip
        if key_marks == "wrong":
            mac = register.key_mark(OTHER_KEY, digest)
        execute(
            factory,
            "UPDATE register_entries SET actor = :actor, action = :action, details = :details, "
            "prev_hash = :prev, hash = :hash, mac = :mac WHERE seq = :seq",
            actor=actor, action=action, details=json.dumps(details, ensure_ascii=False),
            prev=prev, hash=digest, mac=mac, seq=entry.seq,
        )  # fmt: skip
        prev = digest
    execute(factory, "UPDATE register_head SET hash = :hash", hash=prev)


def approve_draft_1(entry):
    if entry.seq == 1:
        return entry.actor, "approved", entry.details
    return entry.actor, entry.action, entry.details


def unchanged(entry):
    return entry.actor, entry.action, entry.details


# -- (a) the key: HMAC on every new entry ------------------------------------------------------


def test_entries_written_with_the_key_carry_its_mark_and_verify(keyed):
    assert KEY not in repr(keyed) and KEY not in repr(keyed())
    append(keyed, 3)
    assert all(e.mac and len(e.mac) == 64 for e in entries(keyed))
    assert check(keyed) == register.Verdict([], [], 3, entries(keyed)[-1].hash)


@pytest.mark.parametrize("key_marks", ["keep", "strip", "wrong"])
def test_recomputing_every_hash_without_the_key_fails_verify_with_the_key(keyed, plain, key_marks):
    append(keyed, 4)
    rewrite_from(plain, 1, approve_draft_1, key_marks)
    assert check(plain).problems == []  # the chain itself was rebuilt consistently
    problems = check(keyed).problems
    if key_marks == "strip":  # every mark removed: only the daily head can tell (see below)
        assert problems == []
        assert check(keyed).notes == [
            "entries 1–4 carry no key mark: written before SNSBOT_REGISTER_KEY was set, "
            "they are protected by the hash chain only"
        ]
    else:
        assert problems and "entry 1 (approved, draft 1)" in problems[0]
        assert "key mark" in problems[0]


def test_stripping_the_marks_of_the_newest_entries_is_detected(keyed, plain):
    append(keyed, 4)
    rewrite_from(plain, 3, unchanged, key_marks="strip")
    problems = check(keyed).problems
    assert problems[0].startswith("entry 3 (rejected, draft 3) has no key mark")
    assert check(plain).problems == problems  # no key needed to see a mark is missing


def test_entries_from_before_the_key_are_reported_unkeyed_not_broken(keyed, plain):
    append(plain, 2)
    append(keyed, 2, first=3)
    verdict = check(keyed)
    assert verdict.problems == []
    assert verdict.notes == [
        "entries 1–2 carry no key mark: written before SNSBOT_REGISTER_KEY was set, "
        "they are protected by the hash chain only"
    ]
    assert [e.mac is None for e in entries(keyed)] == [True, True, False, False]


def test_a_wrong_key_fails_and_no_key_notes_the_unchecked_marks(engine, keyed, plain):
    append(keyed, 2)
    assert check(db.make_session_factory(engine, OTHER_KEY)).problems
    verdict = check(plain)
    assert verdict.problems == []
    assert verdict.notes == [
        "2 entries carry a key mark that was not checked: SNSBOT_REGISTER_KEY is not set"
    ]


def test_a_short_register_key_is_refused():
    problems = config.Settings.from_env({"SNSBOT_REGISTER_KEY": "secret"}).problems()
    assert any("SNSBOT_REGISTER_KEY is too short" in p for p in problems)
    assert "secret" not in " ".join(problems)
    assert "secret" not in repr(config.Settings.from_env({"SNSBOT_REGISTER_KEY": "secret"}))


# -- (b) the head, published outside the database ----------------------------------------------


def head_of(factory) -> str:
    last = entries(factory)[-1]
    return f"{last.seq}:{last.hash}"


def test_deleting_the_newest_entries_and_rolling_back_the_head_fails_expect_head(plain):
    append(plain, 5)
    published = head_of(plain)  # as the chief's daily line showed it
    third = entries(plain)[2]
    execute(plain, "DELETE FROM register_entries WHERE seq > 3")
    execute(plain, "UPDATE register_head SET seq = 3, hash = :hash", hash=third.hash)
    assert check(plain).problems == []  # consistent in itself: only the anchor shows it
    seq, digest = published.split(":")
    assert check(plain, f"{seq}:{digest[:12]}").problems == [
        f"the expected head is entry 5 ({digest[:12]}) but the register ends at entry 3: "
        "its last entries were removed"
    ]
    assert check(plain, digest[:12]).problems == [
        f"no entry has the expected head hash {digest[:12]}: the register was rewritten "
        "or its entries up to that head were removed"
    ]


def test_recomputing_every_hash_fails_expect_head(plain):
    append(plain, 5)
    published = head_of(plain)
    rewrite_from(plain, 1, approve_draft_1)
    assert check(plain).problems == []
    seq, digest = published.split(":")
    assert check(plain, published).problems == [
        f"entry 5 is not the expected head {digest}: the register was rewritten "
        "at or before entry 5"
    ]


def test_stripping_every_key_mark_fails_expect_head(keyed, plain):
    append(keyed, 3)
    published = head_of(keyed)
    rewrite_from(plain, 1, unchanged, key_marks="strip")
    assert check(keyed).problems == []  # looks like a register from before the key …
    assert check(keyed, published).problems  # … but the published head is gone


def test_expect_head_passes_on_an_older_head_of_a_longer_register(plain):
    append(plain, 3)
    published = head_of(plain)
    append(plain, 2, first=4)
    assert check(plain, published).problems == []
    seq, digest = published.split(":")
    assert check(plain, digest[:12].upper()).problems == []


# -- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    monkeypatch.chdir(tmp_path)  # no .env is loaded from here
    for key in ("SNSBOT_CHIEF", "SNSBOT_OPERATORS", "SLACK_APP_TOKEN", "SNSBOT_REGISTER_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)


def test_cli_audit_key_prints_a_new_random_key(cli_env, capsys):
    assert main(["audit", "key"]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["audit", "key"]) == 0
    second = capsys.readouterr().out.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", first) and first != second
    assert config.Settings.from_env({"SNSBOT_REGISTER_KEY": first}).problems() == []


def test_cli_writes_and_checks_key_marks_without_printing_the_key(
    cli_env, monkeypatch, capsys, keyed, plain, caplog
):
    monkeypatch.setenv("SNSBOT_REGISTER_KEY", KEY)
    assert main(["roles", "set", OPERATOR, "operator"]) == 0
    assert all(e.mac for e in entries(plain))
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact" in out
    rewrite_from(plain, 1, unchanged, key_marks="wrong")
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "✗ entry 1 (role_changed) does not carry a valid key mark" in out
    assert KEY not in out + caplog.text


def test_cli_expect_head(cli_env, capsys, plain):
    append(plain, 4)
    published = head_of(plain)
    assert main(["audit", "verify", "--expect-head", published[:14]]) == 0
    assert f"it holds the expected head {published[:14]}" in capsys.readouterr().out
    execute(plain, "DELETE FROM register_entries WHERE seq = 4")
    third = entries(plain)[2]
    execute(plain, "UPDATE register_head SET seq = 3, hash = :hash", hash=third.hash)
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--expect-head", published[:14]]) == 1
    assert "ends at entry 3: its last entries were removed" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["abc", "zz" * 8, "4:abcdef", "4:" + "g" * 12])
def test_cli_expect_head_wants_12_or_more_hex_digits(cli_env, capsys, bad):
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "verify", "--expect-head", bad])
    assert exit_info.value.code == 2
    assert "12 or more hex digits" in capsys.readouterr().err


# -- the daily line to the chief ---------------------------------------------------------------


def head_lines(fake) -> list:
    return [c for c in fake.calls("chat.postMessage") if "決裁簿:" in c.params.get("text", "")]


def test_the_chief_gets_the_head_once_a_business_day_as_a_slack_dm(settings, fake_slack):
    """Signed end to end: a draft submitted over HTTP, the line at the fake Slack in the
    chief's DM, the head it shows checked with --expect-head, and the key marks written."""
    with running_app(replace(settings, register_key=KEY, reminder_time="09:30"), fake_slack) as app:
        response = app.slack.view_submission(OPERATOR, "draft_submit", draft_values(body="告知"))
        assert response.status_code == 200 and response.text == ""
        app.fake.wait_for("chat.postMessage", where=lambda c: "決裁依頼" in c.params["text"])
        dispatcher = app.runtime.dispatcher
        dispatcher.stop()  # drive the time-driven step by hand, at chosen times
        before = len(head_lines(app.fake))  # today's, if the test runs on a weekday morning
        monday = next_monday_morning(app.services.clock())
        dispatcher.clock = lambda: monday
        dispatcher.housekeeping()
        dispatcher.housekeeping()
        (line,) = head_lines(app.fake)[before:]
        factory = app.services.session_factory
        last = entries(factory)[-1]
        assert line.params["channel"] == CHIEF
        assert line.params["text"].startswith(f"決裁簿: {last.seq} 件, 末尾ハッシュ {last.hash}\n")
        shown = re.search(r"--expect-head (\S+)`", line.params["text"]).group(1)
        assert shown == f"{last.seq}:{last.hash[:16]}"
        assert check(factory, shown) == register.Verdict([], [], last.seq, last.hash)
        assert all(e.mac for e in entries(factory))
        assert KEY not in json.dumps([c.params for c in app.fake.calls()], ensure_ascii=False)
        dispatcher.clock = lambda: monday + timedelta(days=5)  # Saturday: none
        dispatcher.housekeeping()
        assert len(head_lines(app.fake)) == before + 1
        dispatcher.clock = lambda: monday + timedelta(days=7)
        dispatcher.housekeeping()
        assert len(head_lines(app.fake)) == before + 2


class Recording:
    """A notifier that keeps what it was asked to tell (for the Teams side)."""

    def __init__(self):
        self.told: list[tuple[str, str]] = []

    def tell_user(self, user_id: str, text: str) -> None:
        self.told.append((user_id, text))

    def remind(self, user_id, waiting) -> None:
        pass


def test_the_head_line_goes_to_the_chief_of_each_front_end_in_english_too(plain):
    teams_chief = "29:1a2b3c4d5e6f7a8b"
    with plain.begin() as session:
        roles.set_role(session, teams_chief, "chief", actor="cli", now=NOW, front_end="teams")
        roles.set_role(session, CHIEF, "chief", actor="cli", now=NOW, front_end="slack")
    notifiers = {"slack": Recording(), "teams": Recording()}
    monday = next_monday_morning(NOW)
    dispatcher = Dispatcher(
        plain, {}, notifiers, Messages("en"), lambda: monday, reminder_at=time(9, 30)
    )
    dispatcher.housekeeping()
    dispatcher.housekeeping()
    last = entries(plain)[-1]
    expected = f"Approval register: {last.seq} entries, last hash {last.hash}\n"
    assert [(u, t.split("(")[0]) for u, t in notifiers["slack"].told] == [(CHIEF, expected)]
    assert [(u, t.split("(")[0]) for u, t in notifiers["teams"].told] == [(teams_chief, expected)]


# -- a process without the key, or with another, must not write (found in review) -------------


def test_a_process_without_the_key_or_with_another_cannot_write_after_keyed_entries(
    engine, keyed, plain
):
    """Found in review: one command run without the key wrote an unmarked entry after marked
    ones, and `audit verify` failed from then on although nobody had tampered with anything."""
    append(keyed, 2)
    with pytest.raises(register_key.RegisterKeyError, match="set SNSBOT_REGISTER_KEY"):
        append(plain, 1, first=3)
    with pytest.raises(register_key.RegisterKeyError, match="not the key"):
        append(db.make_session_factory(engine, OTHER_KEY), 1, first=3)
    assert len(entries(plain)) == 2
    append(keyed, 1, first=3)
    assert check(keyed).problems == []


def test_the_cli_without_the_key_says_so_in_one_line_and_writes_nothing(
    cli_env, monkeypatch, capsys, plain
):
    monkeypatch.setenv("SNSBOT_REGISTER_KEY", KEY)
    assert main(["roles", "set", OPERATOR, "operator"]) == 0
    written = len(entries(plain))
    monkeypatch.delenv("SNSBOT_REGISTER_KEY")
    capsys.readouterr()
    assert main(["roles", "set", "UOPER009", "operator"]) == 2  # a setting to fix
    err = capsys.readouterr().err
    assert "set SNSBOT_REGISTER_KEY" in err and "Traceback" not in err
    assert len(entries(plain)) == written
    assert main(["audit", "verify"]) == 0  # reading needs no key


def test_the_bot_refuses_to_start_with_a_key_the_register_was_not_written_with(keyed, database_url):
    from bot.app import build_services

    append(keyed, 1)
    settings = config.Settings(database_url=database_url, register_key=OTHER_KEY)
    with pytest.raises(register_key.RegisterKeyError, match="not the key"):
        build_services(settings, writing=True)
    build_services(config.Settings(database_url=database_url, register_key=KEY), writing=True)
