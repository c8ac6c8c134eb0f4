"""Sessions: readers never wait for SQLite's write lock; writers in one process take turns."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from bot import db
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
