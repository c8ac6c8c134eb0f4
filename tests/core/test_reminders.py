"""Business-day reminders: who hears of a waiting draft, and the marks that keep them single."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from conftest import CHIEF, OPERATOR, OPERATOR2

from bot.approval import workflow
from bot.approval.drafts import DraftInput
from bot.delivery.dispatcher import Dispatcher
from bot.messages import Messages
from bot.people import roles

MONDAY = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)  # 10:00 in Japan, a business day
WROTE = MONDAY - timedelta(days=3)  # waiting well over the 24 hours a reminder needs


class Recording:
    """A notifier that keeps each reminder: to whom, which drafts, with which mark."""

    def __init__(self):
        self.reminded: list[tuple[str, list[int], object]] = []
        self.rotations: list[tuple[str, object]] = []

    def remind(self, user_id, waiting, notice=None) -> None:
        self.reminded.append((user_id, [d.id for d in waiting], notice))

    def ask_rotation(self, user_id, items, notice=None) -> None:
        self.rotations.append((user_id, notice))

    def tell_user(self, user_id, text) -> None:
        pass  # the register's daily head line


def dispatcher(factory, notifier) -> Dispatcher:
    return Dispatcher(factory, {}, {"slack": notifier}, Messages("ja"), lambda: MONDAY,
                      reminder_at=time(9, 30))  # fmt: skip


def submit(factory, author: str) -> int:
    with factory.begin() as session:
        draft = workflow.submit(session, author_id=author, now=WROTE,
                                content=DraftInput(body=f"{author} の下書き", channels=("x",)))  # fmt: skip
        return draft.id


def test_the_chiefs_own_draft_is_reminded_to_the_deputy_who_decides_it(factory):
    """Found in review: the chief's own draft can only be decided by a deputy, yet the daily
    reminder listed it to the chief alone, and the deputy was never reminded."""
    with factory.begin() as session:
        roles.set_role(session, OPERATOR2, roles.DEPUTY, actor="cli", now=WROTE)
    theirs, chiefs = submit(factory, OPERATOR), submit(factory, CHIEF)
    told = Recording()
    dispatcher(factory, told).housekeeping()
    reminded = {user: drafts for user, drafts, _ in told.reminded}
    assert reminded == {CHIEF: [theirs], OPERATOR2: [chiefs]}


def test_a_reminder_looks_for_itself_before_it_is_sent_again(factory):
    """Found in review: a reminder left unanswered was sent again without looking first."""
    submit(factory, OPERATOR)
    told = Recording()
    dispatcher(factory, told).housekeeping()
    ((user, _, mark),) = told.reminded
    assert user == CHIEF and mark.key == "reminder:waiting:slack:2026-05-11"
    assert mark.tried_since is not None and mark.tried_since < MONDAY


def test_new_rotation_tasks_keep_one_mark_on_every_try(factory):
    """Found in review: the mark of new tasks held the time of each try, so a retry could never
    find the message an unanswered try had made."""
    with factory.begin() as session:
        roles.set_role(session, OPERATOR2, roles.NONE, actor="cli", now=WROTE)
    told = Recording()
    dispatcher(factory, told).housekeeping()
    ((user, mark),) = told.rotations
    assert user == CHIEF and mark.key.startswith("reminder:rotation:slack:task-")
    assert mark.tried_since is not None
