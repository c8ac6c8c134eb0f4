"""Separation of duties and 代決 on every request: nobody decides their own; a deputy's decision
on a follow, retweet, like or share is acting, shown as such and reviewed by the chief (後閲)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2
from drafting import card_button, click, draft_values
from processes import wait_until
from slack_signing import checkbox_value, radio_value, text_value
from sqlalchemy import func, select

from bot import register
from bot.approval import deciding, drafts, engagement, revisions, workflow
from bot.approval.snapshot import take
from bot.features.engagement_targets import parse
from bot.messages import Messages
from bot.models import Decision, Draft, Engagement, Publication, RegisterEntry
from bot.people import oversight, roles
from handlers.slack.engagement_blocks import CATEGORY, OFFICIAL, TARGET
from handlers.slack.home_blocks import Home, home_view
from handlers.slack.oversight import reviewed_subject

DEPUTY = OPERATOR2
NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


# -- the core, on both databases ----------------------------------------------------------------


def name_deputy(factory, away: bool = False) -> None:
    with factory.begin() as session:
        roles.set_role(session, DEPUTY, "deputy", actor="cli", now=NOW)
        if away:
            roles.set_away(session, CHIEF, True, now=NOW)


def submit(factory, author: str) -> int:
    content = drafts.DraftInput(body="市民活動フェアのお知らせ", channels=("x", "blog"))
    with factory.begin() as session:
        return workflow.submit(session, author_id=author, content=content, now=NOW).id


def decide(factory, draft_id: int, actor: str, approve: bool = True) -> deciding.Outcome:
    with factory.begin() as session:
        return workflow.decide(
            session, draft_id=draft_id, actor=actor, approve=approve, now=LATER,
            reason="" if approve else "日付が違います",
        )  # fmt: skip


def refusals(factory) -> list[tuple[str, str | None, str | None, str | None]]:
    with factory() as session:
        rows = session.execute(
            select(RegisterEntry)
            .where(RegisterEntry.action.in_(("refused", "engagement_refused")))
            .order_by(RegisterEntry.seq)
        ).scalars()
        return [
            (e.actor, e.details.get("attempted"), e.details.get("role"), e.details.get("rule"))
            for e in rows
        ]


def untouched(factory, draft_id: int) -> None:
    with factory() as session:
        draft = session.get(Draft, draft_id)
        assert (draft.status, draft.decided_by) == ("pending", None)
        assert session.execute(select(func.count(Decision.id))).scalar_one() == 0
        assert session.execute(select(func.count(Publication.id))).scalar_one() == 0


def snapshot(factory, draft_id: int):
    with factory() as session:
        return take(session, session.get(Draft, draft_id), (), LATER)


OWN = "separation_of_duties"


def test_a_deputy_cannot_decide_a_draft_they_wrote_while_the_chief_is_away(factory):
    name_deputy(factory, away=True)
    draft_id = submit(factory, DEPUTY)
    assert decide(factory, draft_id, DEPUTY).result == deciding.OWN_REQUEST
    assert decide(factory, draft_id, DEPUTY, approve=False).result == deciding.OWN_REQUEST
    untouched(factory, draft_id)
    assert refusals(factory) == [
        (DEPUTY, "approve", "deputy", OWN),
        (DEPUTY, "reject", "deputy", OWN),
    ]
    card = snapshot(factory, draft_id)
    assert (card.approvers, card.deciders, card.author_excluded) == ((CHIEF,), (CHIEF,), True)
    outcome = decide(factory, draft_id, CHIEF)  # the chief, even while away
    assert (outcome.result, outcome.decided_by) == (deciding.DONE, CHIEF)
    with factory() as session:
        assert session.execute(select(Decision.acting)).scalar_one() is False
        assert register.verify(session) == []


def test_the_chief_cannot_decide_a_draft_they_wrote_and_it_waits_for_a_deputy(factory):
    draft_id = submit(factory, CHIEF)
    assert decide(factory, draft_id, CHIEF).result == deciding.OWN_REQUEST
    assert decide(factory, draft_id, CHIEF, approve=False).result == deciding.OWN_REQUEST
    untouched(factory, draft_id)
    assert refusals(factory) == [(CHIEF, "approve", "chief", OWN), (CHIEF, "reject", "chief", OWN)]
    card = snapshot(factory, draft_id)  # nobody else may decide: the card stays with the chief
    assert (card.approvers, card.deciders, card.author_excluded) == ((CHIEF,), (), True)
    assert decide(factory, draft_id, OPERATOR).result == deciding.REFUSED  # still 課長だけ
    name_deputy(factory)  # a deputy is named: the deputy decides the chief's own draft (代決)
    card = snapshot(factory, draft_id)
    assert (card.approvers, card.deciders) == ((DEPUTY,), (DEPUTY,))
    assert decide(factory, draft_id, CHIEF).result == deciding.OWN_REQUEST
    assert decide(factory, draft_id, DEPUTY).result == deciding.DONE
    with factory() as session:
        assert session.execute(select(Decision.acting)).scalar_one() is True
        entry = session.execute(
            select(RegisterEntry).where(RegisterEntry.action == "approved")
        ).scalar_one()
        assert (entry.actor, entry.details["acting"]) == (DEPUTY, True)
        assert [i.draft_id for i in oversight.unreviewed(session)] == [draft_id]


def test_an_operator_author_is_still_refused_as_not_the_chief(factory):
    draft_id = submit(factory, OPERATOR)
    assert decide(factory, draft_id, OPERATOR).result == deciding.REFUSED
    assert refusals(factory) == [(OPERATOR, "approve", "operator", None)]
    card = snapshot(factory, draft_id)
    assert (card.approvers, card.author_excluded) == ((CHIEF,), False)


def test_the_chief_may_still_withdraw_a_draft_they_wrote(factory):
    draft_id = submit(factory, CHIEF)
    with factory.begin() as session:
        outcome = revisions.withdraw(session, draft_id=draft_id, actor=CHIEF, now=LATER)
    assert outcome.result == deciding.DONE


def ask(factory, who: str, handle: str = "@wako_npo") -> int:
    with factory.begin() as session:
        item = engagement.request(
            session, requester_id=who, kind="follow", target=parse("follow", handle)[0],
            category="civic_group", official_confirmed=True, now=NOW,
        )  # fmt: skip
        return item.id


def decide_engagement(factory, engagement_id: int, actor: str, approve: bool = True):
    with factory.begin() as session:
        return engagement.decide(
            session, engagement_id=engagement_id, actor=actor, approve=approve, now=LATER
        )


def test_a_deputy_engagement_decision_is_acting_and_reviewed_by_the_chief(factory):
    name_deputy(factory, away=True)
    followed, rejected = ask(factory, OPERATOR), ask(factory, OPERATOR, "@saitama_pref")
    assert decide_engagement(factory, followed, DEPUTY).result == deciding.DONE
    assert decide_engagement(factory, rejected, DEPUTY, approve=False).result == deciding.DONE
    with factory() as session:
        assert session.get(Engagement, followed).acting is True
        decided = session.execute(
            select(RegisterEntry)
            .where(RegisterEntry.action.in_(("engagement_approved", "engagement_rejected")))
            .order_by(RegisterEntry.seq)
        ).scalars()
        assert [(e.action, e.actor, e.details["acting"]) for e in decided] == [
            ("engagement_approved", DEPUTY, True),
            ("engagement_rejected", DEPUTY, True),
        ]
        items = oversight.unreviewed(session)
    assert [(i.subject, i.decision_id, i.outcome, i.kind, i.decided_by) for i in items] == [
        ("engagement", followed, "approved", "follow", DEPUTY),
        ("engagement", rejected, "rejected", "follow", DEPUTY),
    ]
    with factory.begin() as session:
        assert oversight.mark_reviewed(
            session, followed, actor=DEPUTY, now=LATER, subject="engagement"
        ) is None  # fmt: skip
        assert oversight.mark_reviewed(
            session, followed, actor=CHIEF, now=LATER, subject="engagement"
        )  # fmt: skip
        assert not oversight.mark_reviewed(
            session, followed, actor=CHIEF, now=LATER, subject="engagement"
        )  # fmt: skip
    with factory() as session:
        assert session.get(Engagement, followed).reviewed_at is not None
        assert [i.decision_id for i in oversight.unreviewed(session)] == [rejected]
        reviewed = session.execute(
            select(RegisterEntry).where(RegisterEntry.action == "reviewed")
        ).scalar_one()
        assert (reviewed.actor, reviewed.details["engagement"]) == (CHIEF, followed)
        assert (reviewed.details["deputy"], reviewed.details["decision"]) == (DEPUTY, "approved")
        assert register.verify(session) == []


def test_the_chief_approving_a_follow_is_not_acting(factory):
    name_deputy(factory, away=True)
    engagement_id = ask(factory, OPERATOR)
    assert decide_engagement(factory, engagement_id, CHIEF).result == deciding.DONE
    with factory() as session:
        assert session.get(Engagement, engagement_id).acting is False
        assert oversight.unreviewed(session) == []


@pytest.mark.parametrize("away", [False, True])
def test_nobody_decides_a_follow_they_requested(factory, away):
    name_deputy(factory, away=away)
    by_chief = ask(factory, CHIEF)
    assert decide_engagement(factory, by_chief, CHIEF).result == deciding.OWN_REQUEST
    expected = [(CHIEF, "approve", "chief", OWN)]
    if away:
        by_deputy = ask(factory, DEPUTY, "@saitama_pref")
        assert decide_engagement(factory, by_deputy, DEPUTY, False).result == deciding.OWN_REQUEST
        expected.append((DEPUTY, "reject", "deputy", OWN))
    assert refusals(factory) == expected
    with factory() as session:
        assert {e.status for e in session.execute(select(Engagement)).scalars()} == {"pending"}
    assert decide_engagement(factory, by_chief, DEPUTY).result == deciding.DONE  # 代決


# -- signed end to end through Slack ------------------------------------------------------------


@pytest.fixture
def with_deputy(app):
    with app.services.session_factory.begin() as session:
        roles.set_role(session, DEPUTY, "deputy", actor="cli", now=app.services.clock())
    return app


def text_of(call) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False) + call.params.get("text", "")


def card_to(app, user: str, action_id: str = "approve"):
    def found():
        for call in app.fake.calls("chat.postMessage"):
            if call.params.get("channel") == user and f'"{action_id}"' in json.dumps(
                call.params.get("blocks")
            ):
                return call
        return None

    wait_until(found, 10, f"the card to {user}")
    return found()


def deliver_engagements(app) -> None:
    """The running app's dispatcher performs and posts the cards and notices owed: look now."""
    app.runtime.dispatcher.wake()


def until(app, predicate, what: str):
    def delivered():
        deliver_engagements(app)
        return predicate()

    wait_until(delivered, 10, what)


def request_follow(app, user: str = OPERATOR) -> None:
    app.slack.command(user, "follow @wako_npo")
    view = app.fake.wait_for("views.open")[-1].params["view"]
    values = {
        TARGET: {TARGET: text_value("@wako_npo")},
        CATEGORY: {CATEGORY: radio_value("civic_group")},
        OFFICIAL: {OFFICIAL: checkbox_value("official")},
    }
    answer = app.slack.view_submission(
        user, "engagement_submit", values, private_metadata=view["private_metadata"]
    )
    assert answer.status_code == 200 and not answer.text.strip(), answer.text


def entries(app, action: str) -> list[RegisterEntry]:
    with app.services.session_factory() as session:
        query = select(RegisterEntry).where(RegisterEntry.action == action)
        return list(session.execute(query.order_by(RegisterEntry.seq)).scalars())


def dms(app, user: str, text: str) -> list:
    return [
        c
        for c in app.fake.calls("chat.postMessage")
        if c.params.get("channel") == user and text in c.params.get("text", "")
    ]


def test_a_deputy_approving_a_follow_while_the_chief_is_away_is_acting(with_deputy):
    app = with_deputy
    assert "代決できます" in app.slack.command(CHIEF, "away on").json()["text"]
    request_follow(app)
    until(app, lambda: any(c.params["channel"] == DEPUTY for c in app.fake.calls(
        "chat.postMessage")), "the card to the deputy")  # fmt: skip
    card = card_to(app, DEPUTY, "engagement_approve")
    click(app, DEPUTY, card, "engagement_approve")
    until(
        app,
        lambda: any("（代決）" in text_of(c) for c in app.fake.calls("chat.update")),
        "the card updated with （代決）",
    )
    (approved,) = entries(app, "engagement_approved")
    assert (approved.actor, approved.details["acting"]) == (DEPUTY, True)
    until(app, lambda: dms(app, OPERATOR, "代決"), "the requester's notice with 代決")
    back = app.slack.command(CHIEF, "away off").json()["text"]
    assert "1 件" in back
    review = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == CHIEF and "後閲" in c.params["text"],
    )[0]
    assert "フォロー" in text_of(review)
    button = card_button(review, "review_ack")
    app.slack.block_action(CHIEF, "review_ack", button["value"])
    assert "記録しました" in app.fake.wait_for("response_url")[0].params["text"]
    (reviewed,) = entries(app, "reviewed")
    assert (reviewed.actor, reviewed.details["deputy"]) == (CHIEF, DEPUTY)
    with app.services.session_factory() as session:
        assert session.execute(select(Engagement.reviewed_at)).scalar_one() is not None


def test_a_deputy_clicking_approve_on_their_own_draft_is_refused(with_deputy):
    app = with_deputy
    app.slack.command(CHIEF, "away on")
    app.slack.view_submission(DEPUTY, "draft_submit", draft_values())
    card = card_to(app, CHIEF)
    assert "起案者本人は決裁できません" in text_of(card) and f"<@{CHIEF}>" in text_of(card)
    click(app, DEPUTY, card, "approve")
    assert "起案したため" in app.fake.wait_for("response_url")[0].params["text"]
    click(app, DEPUTY, card, "reject")  # the reject modal never opens
    assert "起案したため" in app.fake.wait_for("response_url", count=2)[1].params["text"]
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "自分で却下"}}}
    forged = app.slack.view_submission(
        DEPUTY, "reject_submit", reason, private_metadata=json.dumps({"draft": 1, "revision": 1})
    ).json()
    assert "起案したため" in forged["errors"]["reason"]
    assert not app.fake.calls("views.open")
    refused = [
        (e.actor, e.details["attempted"], e.details["rule"]) for e in entries(app, "refused")
    ]
    assert refused == [(DEPUTY, a, OWN) for a in ("approve", "reject", "reject")]
    with app.services.session_factory() as session:
        assert session.get(Draft, 1).status == "pending"
        assert session.execute(select(func.count(Publication.id))).scalar_one() == 0


def test_the_chief_approving_their_own_draft_is_refused_and_it_waits(app):
    app.slack.view_submission(CHIEF, "draft_submit", draft_values())
    card = card_to(app, CHIEF)
    assert "代決者が登録されるまで" in text_of(card)
    click(app, CHIEF, card, "approve")
    assert "起案したため" in app.fake.wait_for("response_url")[0].params["text"]
    assert [e.actor for e in entries(app, "refused")] == [CHIEF]
    with app.services.session_factory() as session:
        assert session.get(Draft, 1).status == "pending"
        assert session.execute(select(func.count(Publication.id))).scalar_one() == 0


def test_the_chiefs_home_tab_lists_deputy_decisions_with_their_review_buttons():

    items = [
        oversight.ReviewItem(7, 3, "approved", DEPUTY, NOW),
        oversight.ReviewItem(5, 5, "rejected", DEPUTY, LATER, "engagement", "retweet"),
    ]
    view = json.dumps(
        home_view(Messages("ja"), Home(is_chief=True, reviews=items)), ensure_ascii=False
    )
    assert "後閲" in view and "依頼 #5（リツイート）却下" in view
    assert '"value": "7"' in view and '"value": "engagement:5"' in view
    assert "後閲" not in json.dumps(home_view(Messages("ja"), Home(is_chief=False, reviews=items)))
    assert reviewed_subject("7") == ("draft", 7)
    assert reviewed_subject("engagement:5") == ("engagement", 5)
    for bad in ("", "x:5", "engagement:", "engagement:٥", "1" * 13, "draft:5"):
        assert reviewed_subject(bad) == ("draft", 0)


def test_the_deputy_who_decides_the_chiefs_draft_may_also_amend_it(factory):
    name_deputy(factory)  # the chief is present
    amended = drafts.DraftInput(body="市民活動フェア（会場変更）のお知らせ", channels=("x", "blog"))
    by_operator, by_chief = submit(factory, OPERATOR), submit(factory, CHIEF)
    with factory.begin() as session:
        refused = revisions.edit_by_chief(
            session, draft_id=by_operator, actor=DEPUTY, content=amended, now=LATER
        )
        done = revisions.edit_by_chief(
            session, draft_id=by_chief, actor=DEPUTY, content=amended, now=LATER
        )
    assert (refused.result, done.result) == (deciding.REFUSED, deciding.DONE)
