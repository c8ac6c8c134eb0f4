"""The approval route on plain values: the default unchanged, steps skipped by rule, the chief
early, reviewers away, reminders for reviewers, the register's chain kept."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from conftest import CHIEF, OPERATOR, OPERATOR2

from bot import register
from bot.approval import comments, deciding, route, workflow
from bot.approval.drafts import DraftInput
from bot.approval.snapshot import take
from bot.delivery.dispatcher import Dispatcher
from bot.messages import Messages
from bot.models import CARD, Draft, Notice, RegisterEntry, RouteMark
from bot.people import roles

NOW = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)  # a Monday, 10:00 in Japan
REVIEWER, REVIEWER2 = "UREVIEW01", "UREVIEW02"
ROUTE = route.Route(("reviewer",))


def content(body: str = "お知らせ") -> DraftInput:
    return DraftInput(body=body, channels=("x",))


def reviewers(factory, *people: str) -> None:
    with factory.begin() as session:
        for user in people:
            roles.set_role(session, user, "reviewer", actor="cli", now=NOW)


def submit(factory, author=OPERATOR, route_=ROUTE, at=NOW) -> int:
    with factory.begin() as session:
        return workflow.submit(session, author_id=author, content=content(), now=at,
                               route_=route_).id  # fmt: skip


def test_the_default_route_is_the_chief_alone_exactly_as_before(factory):
    draft_id = submit(factory, route_=route.CHIEF_ALONE)
    with factory() as session:
        draft = session.get(Draft, draft_id)
        snapshot = take(session, draft, (), NOW)
        assert (draft.route, draft.step, snapshot.at_review) == ([], 0, False)
        assert snapshot.approvers == (CHIEF,)
        submitted = session.query(RegisterEntry).filter_by(action="submitted").one()
        assert "route" not in submitted.details
        assert session.query(RouteMark).count() == 0


def test_the_card_goes_to_the_steps_people_and_passing_on_brings_it_to_the_chief(factory):
    reviewers(factory, REVIEWER, REVIEWER2)
    draft_id = submit(factory)
    with factory() as session:
        assert take(session, session.get(Draft, draft_id), (), NOW).approvers == (
            REVIEWER,
            REVIEWER2,
        )
    with factory.begin() as session:
        refused = route.pass_on(session, draft_id=draft_id, actor=CHIEF, now=NOW)
        assert refused.result == deciding.REFUSED
        done = route.pass_on(session, draft_id=draft_id, actor=REVIEWER2, now=NOW, comment="良し")
        assert done.result == deciding.DONE
        again = route.pass_on(session, draft_id=draft_id, actor=REVIEWER, now=NOW)
        assert again.result == deciding.NOTHING_TO_DO  # the step was taken: first click wins
    with factory() as session:
        snapshot = take(session, session.get(Draft, draft_id), (), NOW)
        assert snapshot.approvers == (CHIEF,) and not snapshot.at_review
        assert [(m.actor, m.outcome, m.comment) for m in snapshot.route.trail] == [
            (REVIEWER2, "passed", "良し")
        ]
        cards = session.query(Notice).filter_by(kind=CARD).count()
        assert cards == 2  # the reviewers' card, then the chief's
        assert register.verify(session) == []


def test_send_back_needs_a_comment_and_a_resubmission_starts_the_route_again(factory):
    from bot.approval import revisions

    reviewers(factory, REVIEWER)
    draft_id = submit(factory)
    with factory.begin() as session:
        empty = route.send_back(session, draft_id=draft_id, actor=REVIEWER, comment=" ", now=NOW)
        assert empty.result == deciding.NOTHING_TO_DO
        route.send_back(session, draft_id=draft_id, actor=REVIEWER, comment="日付", now=NOW)
        assert session.get(Draft, draft_id).status == "sent_back"
        chief = workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=True, now=NOW)
        assert chief.result == deciding.ALREADY_DECIDED
        outcome = revisions.resubmit(session, draft_id=draft_id, actor=OPERATOR,
                                     content=content("直した"), now=NOW, route_=ROUTE)  # fmt: skip
        assert outcome.result == deciding.DONE
        draft = session.get(Draft, draft_id)
        assert (draft.status, draft.revision, draft.step, draft.route_from) == ("pending", 2, 0, 2)
    with factory() as session:
        snapshot = take(session, session.get(Draft, draft_id), (), NOW)
        assert snapshot.at_review and snapshot.route.trail == ()  # a new round


def test_a_step_is_skipped_when_only_the_author_holds_it_or_nobody_does(factory):
    reviewers(factory, OPERATOR)
    own = submit(factory, author=OPERATOR)
    with factory.begin() as session:
        roles.set_role(session, OPERATOR, roles.OPERATOR, actor="cli", now=NOW)
    nobody = submit(factory, author=OPERATOR2)
    with factory() as session:
        marks = {m.draft_id: m.reason for m in session.query(RouteMark)}
        assert marks == {own: route.OWN, nobody: route.NOBODY}
        assert session.get(Draft, own).step == 1


def test_the_chief_decides_early_and_the_steps_not_taken_are_recorded_skipped(factory):
    reviewers(factory, REVIEWER)
    draft_id = submit(factory)
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=True, now=NOW)
    with factory() as session:
        (mark,) = session.query(RouteMark).all()
        assert (mark.outcome, mark.reason) == (route.SKIPPED, route.DECIDED)
        actions = [e.action for e in session.query(RegisterEntry).order_by(RegisterEntry.seq)]
        assert actions[-2:] == ["step_skipped", "approved"]


def test_a_reviewer_away_is_passed_by_only_with_the_setting(factory):
    reviewers(factory, REVIEWER)
    kept = submit(factory)
    with factory.begin() as session:
        assert route.reviewer_away(session, REVIEWER, True, now=NOW)  # without the setting
        assert session.get(Draft, kept).step == 0
    passed_by = submit(factory, route_=route.Route(("reviewer",), skip_away=True))
    with factory.begin() as session:
        route.reviewer_away(session, REVIEWER, False, now=NOW)
        route.reviewer_away(session, REVIEWER, True, now=NOW, skip_away=True)  # now: kept too
    with factory() as session:
        assert session.get(Draft, passed_by).step == 1
        assert session.get(Draft, kept).step == 1
        assert {m.reason for m in session.query(RouteMark)} == {route.AWAY}


def test_a_comment_is_kept_on_the_revision_and_decides_nothing(factory):
    reviewers(factory, REVIEWER)
    draft_id = submit(factory)
    with factory.begin() as session:
        said = comments.comment(session, draft_id=draft_id, actor=REVIEWER, text="写真を",
                                now=NOW, origin="slack:D1:1.1")  # fmt: skip
        again = comments.comment(session, draft_id=draft_id, actor=REVIEWER, text="写真を",
                                 now=NOW, origin="slack:D1:1.1")  # fmt: skip
        stranger = comments.comment(session, draft_id=draft_id, actor="USTRANGE1", text="x",
                                    now=NOW)  # fmt: skip
        assert (said.result, again.result) == (deciding.DONE, deciding.NOTHING_TO_DO)
        assert stranger.result == deciding.REFUSED
    with factory() as session:
        draft = session.get(Draft, draft_id)
        assert (draft.status, draft.step) == ("pending", 0)
        (shown,) = take(session, draft, (), NOW).route.comments
        assert (shown.author, shown.text, shown.revision) == (REVIEWER, "写真を", 1)


class Recording:
    def __init__(self):
        self.reminded: dict[str, list[int]] = {}

    def remind(self, user_id, waiting, notice=None) -> None:
        self.reminded[user_id] = [d.id for d in waiting]

    def ask_rotation(self, user_id, items, notice=None) -> None:
        pass

    def tell_user(self, user_id, text) -> None:
        pass


def test_reviewers_are_reminded_of_the_drafts_waiting_at_their_step(factory):
    reviewers(factory, REVIEWER)
    at_review = submit(factory, at=NOW - timedelta(days=3))
    at_chief = submit(factory, route_=route.CHIEF_ALONE, at=NOW - timedelta(days=3))
    told = Recording()
    Dispatcher(factory, {}, {"slack": told}, Messages("ja"), lambda: NOW,
               reminder_at=time(9, 30)).housekeeping()  # fmt: skip
    assert told.reminded == {REVIEWER: [at_review], CHIEF: [at_chief]}
