"""Sessions: readers never wait for SQLite's write lock; writers in one process take turns."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select, text

from bot import db, dbcheck
from bot.models import RegisterEntry


@pytest.fixture
def factory(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'snsbot.db'}")
    db.upgrade(engine)
    yield db.make_session_factory(engine)
    engine.dispose()


def count_entries(factory) -> int:
    with factory() as session:
        return session.execute(select(func.count()).select_from(RegisterEntry)).scalar()


def test_a_reader_does_not_wait_for_a_writer(factory):
    with factory.begin() as session:
        session.execute(text("UPDATE register_head SET seq = seq"))  # holds the write lock
        started = time.monotonic()
        assert count_entries(factory) == 0  # another session, in this thread: no deadlock
        assert time.monotonic() - started < 1


def test_writers_in_one_process_take_turns_without_busy_errors(factory):
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(k: int) -> None:
        try:
            start.wait()
            for i in range(10):
                with factory.begin() as session:
                    session.execute(
                        text(
                            "INSERT INTO register_entries"
                            " (seq, at, actor, action, details, prev_hash, hash)"
                            " VALUES (:seq, CURRENT_TIMESTAMP, 'U', 'x', '{}', '', '')"
                        ),
                        {"seq": 1000 * k + i},
                    )
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count_entries(factory) == 80


def sqlite_error(name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("unable to open database file")
    error.sqlite_errorname = name
    return error


def test_sqlite_permission_problems_are_named(tmp_path):
    """What a non-root user meets (root passes every permission check, so CI cannot chmod)."""
    path = tmp_path / "snsbot.db"
    url = f"sqlite:///{path}"
    no_access = lambda _path, _mode: False  # noqa: E731
    said = dbcheck.explain(sqlite_error("SQLITE_CANTOPEN"), url, can=no_access)
    assert said.startswith("cannot reach the database: permission denied")
    assert str(tmp_path) in said
    path.write_bytes(b"")
    only_the_folder = lambda where, _mode: where == str(tmp_path)  # noqa: E731
    said = dbcheck.explain(sqlite_error("SQLITE_CANTOPEN"), url, can=only_the_folder)
    assert said.startswith(
        f"cannot reach the database: permission denied on the SQLite file {path}"
    )
    said = dbcheck.explain(sqlite_error("SQLITE_READONLY"), url, can=only_the_folder)
    assert f"{path} is read-only (its permissions do not let snsbot write it)" in said
    said = dbcheck.explain(sqlite_error("SQLITE_READONLY"), url)
    assert f"{path} is read-only" in said and "\n" not in said


def test_writing_is_checked_without_changing_anything(tmp_path):
    path = tmp_path / "snsbot.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    dbcheck.check_writable(engine)
    with pytest.raises(dbcheck.DatabaseUnusable, match="read-only"):
        dbcheck.check_writable(db.make_engine(f"sqlite:///file:{path}?mode=ro&uri=true"))
    assert db.migration_state(engine)[0] == db.migration_state(engine)[1]
