"""The shared app with a deputy, and the roles, replies and absences the security tests share."""

from __future__ import annotations

import contextlib
import time

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2, STRANGER
from processes import shared_app
from sqlalchemy import func, select

from bot.approval import workflow
from bot.approval.drafts import DraftInput
from bot.people import roles

DEPUTY = "UDEPUTY01"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app_with_deputy(request, tmp_path_factory, pg_template):
    """A running app for one module's tests to share, on each database, with a deputy."""
    with shared_app(request.param, tmp_path_factory.mktemp("security"), pg_template) as running:
        with running.services.session_factory.begin() as session:
            roles.set_role(session, DEPUTY, "deputy", actor="cli", now=running.services.clock())
        yield running


def count(app, model, *where) -> int:
    with app.services.session_factory() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def new_draft(services, author: str = OPERATOR, **content) -> int:
    fields = {"body": f"権限試験の下書き {time.monotonic_ns()}", "channels": ("x", "blog")}
    with services.session_factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=author,
            content=DraftInput(**{**fields, **content}),
            now=services.clock(),
        )
    return draft.id


ROLES = {
    "chief": CHIEF,
    "deputy": DEPUTY,
    "operator_author": OPERATOR,
    "operator_other": OPERATOR2,
    "no_role": STRANGER,
}
ROLE_NAMES = {"chief": "chief", "deputy": "deputy", "operator_author": "operator",
              "operator_other": "operator", "no_role": "none"}  # fmt: skip


def reply(app, response_url: str, timeout: float = 10.0) -> str:
    calls = app.fake.wait_for(
        "response_url", where=lambda c: c.path in response_url, timeout=timeout
    )
    assert calls[0].params["response_type"] == "ephemeral"
    return calls[0].params["text"]


@contextlib.contextmanager
def chief_away(app):
    """The chief marks themselves away with `/sns away on`, and comes back afterwards."""
    answer = app.slack.command(CHIEF, "away on").json()["text"]
    assert "代決できます" in answer and DEPUTY in answer, answer
    try:
        yield
    finally:
        assert "戻りました" in app.slack.command(CHIEF, "away off").json()["text"]


def card_for(app, user: str, action_id: str, value: str):
    """The message to `user` that carries the button `action_id` with `value`, if it came."""
    for call in app.fake.calls("chat.postMessage"):
        if call.params.get("channel") != user:
            continue
        for block in call.params.get("blocks") or []:
            for element in block.get("elements", []):
                if element.get("action_id") == action_id and element.get("value") == value:
                    return call
    return None
