"""Policy §4 for every source: `new` and `other` ask whether the information is on the internet,
and a yes needs its URL, as `hp_update` does; the answer is kept with the revision."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import OPERATOR
from sqlalchemy import select

from bot.approval import workflow
from bot.approval.drafts import DraftInput, validate
from bot.approval.snapshot import content_of
from bot.models import RegisterEntry, Revision

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
URL = "https://www.city.wako.lg.jp/wakolabo/event.html"


def errors(**fields) -> dict[str, str]:
    draft = DraftInput(body="市民活動フェアを開催します。", channels=("x", "blog"), **fields)
    return {name: key for name, (key, _) in validate(draft, ("x", "blog"), NOW, groups=()).items()}


@pytest.mark.parametrize("source", ["new", "other"])
def test_new_and_other_ask_and_a_yes_needs_the_url(source):
    assert errors(source=source) == {"on_internet": "error.on_internet_required"}
    assert errors(source=source, on_internet=True) == {"url": "error.url_required_online"}
    assert errors(source=source, on_internet=True, url=URL) == {}
    assert errors(source=source, on_internet=False) == {}
    assert errors(source=source, url=URL) == {}  # a URL given answers the question


def test_the_other_sources_need_their_url_whatever_the_answer():
    assert errors(source="hp_update", on_internet=False) == {"url": "error.url_required"}
    assert errors(source="cross_post") == {"url": "error.url_required"}


def test_the_answer_is_kept_with_the_revision_and_the_register(factory):
    content = DraftInput(body="お知らせ", channels=("x",), url=URL, on_internet=True)
    with factory.begin() as session:
        draft = workflow.submit(session, author_id=OPERATOR, content=content, now=NOW)
        draft_id = draft.id
    with factory() as session:
        revision = session.execute(
            select(Revision).where(Revision.draft_id == draft_id)
        ).scalar_one()
        assert revision.on_internet is True and content_of(revision).on_internet is True
        submitted = session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars()
        assert any(e.details.get("on_internet") is True for e in submitted)
