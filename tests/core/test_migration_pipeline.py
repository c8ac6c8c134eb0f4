"""Migration 0015: draft and engagement notices, and every kind's card locations, in one table
each; every row kept, in order, and the register still verifies."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from conftest import CHIEF, OPERATOR
from sqlalchemy import select

from bot import db, register
from bot.approval import engagement, workflow
from bot.approval.drafts import DraftInput
from bot.delivery import notices
from bot.features.engagement_targets import parse
from bot.features.moderation_store import store
from bot.models import ENGAGEMENT, MODERATION, CardMessage, Notice
from bot.people import roles
from bot.ports import REPLY, Item

NOW = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


def populate(factory) -> None:
    """A draft, an engagement (asked in Teams) and a moderation item, each with notices owed and
    cards posted, some notices already delivered."""
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), NOW)
        draft = workflow.submit(
            session,
            author_id=OPERATOR,
            content=DraftInput(body="市民まつり", channels=("x",)),
            now=NOW,
        )
        asked = engagement.request(
            session, requester_id=OPERATOR, kind="follow", target=parse("follow", "@wako")[0],
            category="civic_group", official_confirmed=True, now=NOW, front_end="teams",
        )  # fmt: skip
        item = Item("c1", REPLY, "誰か", "a1", "宣伝", "https://e.jp/", NOW, ())
        store(session, "facebook", [item], "?", NOW, ("slack",))
        waiting = Item("c2", REPLY, "別の人", "a2", "質問", "https://e.jp/", NOW, ())
        store(session, "facebook", [waiting], "?", NOW, ("slack",))  # its card not posted yet
        session.flush()
        sent = session.execute(select(Notice).where(Notice.kind == "card")).scalars().all()
        for notice in sent[:3]:  # the cards went out, but the second item's ...
            notice.done = True
        notices.mark_sent(session, [], ("draft", draft.id), 1, [("DCHIEF", "1.1")])
        notices.mark_sent(session, [], (ENGAGEMENT, asked.id), 1, [("a:1", "act-1")])
        notices.mark_sent(session, [], (MODERATION, 1), 1, [("CMOD", "2.1")])
        workflow.decide(session, draft_id=draft.id, actor=CHIEF, approve=True, now=NOW)


def owed(factory) -> list[tuple]:
    with factory() as session:
        rows = session.execute(select(Notice).order_by(Notice.id)).scalars()
        return [(n.subject, n.subject_id, n.front_end, n.kind, n.done) for n in rows]


def cards(factory) -> list[tuple]:
    with factory() as session:
        rows = session.execute(select(CardMessage).order_by(CardMessage.id)).scalars()
        return [(c.subject, c.subject_id, c.revision, c.conversation, c.ts) for c in rows]


def test_a_populated_database_goes_down_to_0014_and_up_again_keeping_every_row(database_url):
    engine = db.make_engine(database_url)
    factory = db.make_session_factory(engine)
    populate(factory)
    before_notices, before_cards = owed(factory), cards(factory)
    assert {s for s, *_ in before_notices} == {"draft", ENGAGEMENT, MODERATION}
    assert ("engagement", 1, "teams", "requested", False) in before_notices
    assert (MODERATION, 2, "slack", "card", False) in before_notices

    config = db._alembic_config(engine)
    command.downgrade(config, "0014_duties")  # the old shape: three tables, two JSON columns
    command.upgrade(config, "heads")

    after = owed(factory)
    # Every notice is kept, but a moderation card already delivered: it was history only.
    before_notices = [n for n in before_notices if not (n[0] == MODERATION and n[4])]
    assert sorted(after) == sorted(before_notices)
    for subject in ("draft", ENGAGEMENT, MODERATION):  # each subject's notices still in order
        assert [n for n in after if n[0] == subject] == [
            n for n in before_notices if n[0] == subject
        ]
    assert sorted(cards(factory)) == sorted(before_cards)
    with factory() as session:
        assert register.verify(session) == []
        assert register.head_of(session)[0] > 0
    with factory.begin() as session:  # new notices get new ids after the copied ones
        notices.owe(session, "draft", 1, "slack", "edited", NOW)
    assert owed(factory)[-1] == ("draft", 1, "slack", "edited", False)
    engine.dispose()
