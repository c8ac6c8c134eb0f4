"""The notice outbox: each front end's notices about a subject are claimed in order, and one
front end's notices never wait for another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery import notices
from bot.features.feed import ANNOUNCE
from bot.models import CARD, CARD_UPDATE, FEED_ENTRY, MODERATION

NOW = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
LEASE = NOW + timedelta(minutes=5)


def _claimed(runs) -> list[tuple[str, int]]:
    return [(n.front_end, n.id) for run in runs.values() for n in run]


def test_a_teams_process_does_not_wait_for_the_slack_notice_of_the_same_subject(factory):
    """Two processes on one database: the Teams one takes its announcement while the Slack one
    has not (yet) sent its own."""
    with factory.begin() as session:
        notices.owe(session, FEED_ENTRY, 1, "slack", ANNOUNCE, NOW)
        notices.owe(session, FEED_ENTRY, 1, "teams", ANNOUNCE, NOW)
    with factory.begin() as session:
        runs = notices.claim_due(session, ["teams"], NOW, LEASE, 50)
    assert [front_end for front_end, _ in _claimed(runs)] == ["teams"]


def test_slack_failing_does_not_hold_up_the_teams_card_of_the_same_item(factory):
    """Slack is down (its card put off for minutes): the Teams card of the item still goes."""
    with factory.begin() as session:
        notices.owe(session, MODERATION, 7, "slack", CARD, NOW)
        notices.owe(session, MODERATION, 7, "teams", CARD, NOW)
    with factory.begin() as session:
        runs = notices.claim_due(session, ["slack"], NOW, LEASE, 50)
        (slack_id,) = [n.id for run in runs.values() for n in run]
        notices.put_off(session, slack_id, OSError("slack down"), NOW, lambda n: timedelta(hours=1))
    with factory.begin() as session:
        runs = notices.claim_due(session, ["slack", "teams"], NOW, LEASE, 50)
    assert [front_end for front_end, _ in _claimed(runs)] == ["teams"]


def test_each_front_ends_notices_of_a_subject_stay_in_order(factory):
    """Per front end, a card update is never taken before its card."""
    with factory.begin() as session:
        notices.owe(session, MODERATION, 7, "slack", CARD, NOW)
        notices.owe(session, MODERATION, 7, "teams", CARD, NOW)
        notices.owe(session, MODERATION, 7, "teams", CARD_UPDATE, NOW)
    with factory.begin() as session:
        runs = notices.claim_due(session, ["teams"], NOW, LEASE, 50)
        teams_ids = [i for _, i in _claimed(runs)]
        notices.put_off(session, teams_ids[0], OSError("teams down"), NOW, lambda n: timedelta(1))
        notices.release(session, teams_ids[1:], LEASE, NOW)
    with factory.begin() as session:
        runs = notices.claim_due(session, ["slack", "teams"], NOW, LEASE, 50)
    assert [front_end for front_end, _ in _claimed(runs)] == ["slack"]
