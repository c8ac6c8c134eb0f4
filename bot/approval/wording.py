"""What to say about a draft, as (message key, values): each chat front end renders the words.

People are left as user ids under the value `who` (or `author`), for the front end to name.
"""

from __future__ import annotations

from bot.approval import deciding
from bot.approval.drafts import X_MAX_WEIGHT, DraftInput, compose_x_text, x_weight
from bot.approval.snapshot import DraftSnapshot, PublicationView
from bot.messages import Messages
from bot.models import (
    APPROVED,
    CANCELLED,
    EXPIRED,
    FAILED,
    PUBLISHED,
    QUEUED,
    REJECTED,
    SENDING,
    SENT_BACK,
)

Wording = tuple[str, dict]


def x_counter(draft: DraftInput) -> Wording:
    """ "X: 231 / 280（残り 49）": the weighted length of what X will get, URL included."""
    weight = x_weight(compose_x_text(draft))
    if weight > X_MAX_WEIGHT:
        return "counter.over", {
            "weight": weight,
            "max": X_MAX_WEIGHT,
            "over": weight - X_MAX_WEIGHT,
        }
    return "counter.ok", {"weight": weight, "max": X_MAX_WEIGHT, "left": X_MAX_WEIGHT - weight}


def publication(p: PublicationView, draft: DraftSnapshot) -> Wording:
    """One channel's state: published (with its URL), failed (why), queued, scheduled…"""
    channel = {"channel": p.channel}  # a channel id: the front end names it (`channel.x`)
    if p.status == PUBLISHED:
        if p.dry_run:
            return "pub.dry_run", channel
        if p.url:
            return "pub.published", {**channel, "url": p.url}
        return "pub.published_no_url", channel
    if p.status == FAILED:
        return "pub.failed", {**channel, "error": p.error or ""}
    if p.status == CANCELLED:
        return "pub.cancelled", channel
    if p.status == SENDING:
        return "pub.sending", channel
    if p.status == QUEUED and p.error:
        return "pub.retrying", {**channel, "when": p.due_at, "error": p.error}
    if p.status == QUEUED and p.due_at > draft.taken_at:
        return "pub.scheduled", {**channel, "when": p.due_at}
    return "pub.queued", channel


def decision(draft: DraftSnapshot) -> Wording:
    """Who decided (or withdrew) and when; `acting` when the deputy decided (代決)."""
    values = {"who": draft.decided_by or "", "when": draft.decided_at, "acting": draft.acting}
    if draft.status == APPROVED:
        return "card.approved", values
    if draft.status == REJECTED:
        return "card.rejected", {**values, "reason": draft.reject_reason or ""}
    if draft.status == SENT_BACK:  # by a reviewer on the route
        return "card.sent_back", {**values, "reason": draft.reject_reason or ""}
    if draft.status == EXPIRED:
        return "card.expired", values
    return "card.withdrawn", values


def refusal(outcome: deciding.Outcome) -> Wording | None:
    """Why an attempt did not go through (None: it did)."""
    if outcome.result == deciding.REFUSED:
        return "refuse.not_chief", {}
    if outcome.result == deciding.OWN_REQUEST:
        return "refuse.own_request", {"id": outcome.request_id}
    if outcome.result == deciding.TOO_LATE:
        return "refuse.too_late", {"id": outcome.request_id}
    if outcome.result == deciding.STALE:
        return "refuse.stale", {"id": outcome.request_id}
    if outcome.result == deciding.NOT_FOUND:
        return "refuse.not_found", {"id": outcome.request_id}
    if outcome.result == deciding.ALREADY_DECIDED:
        return "refuse.already_decided", {
            "id": outcome.request_id,
            "who": outcome.decided_by or "?",
            "when": outcome.decided_at,
            "decided": outcome.status,
        }
    return None


def step_mark(mark) -> Wording:
    """One review step's mark on a card's trail (a route_view.StepMark)."""
    values = {"who": mark.actor, "when": mark.at}
    if mark.outcome == "skipped":
        return f"route.skipped.{mark.reason}", {"when": mark.at}
    return ("route.passed" if mark.outcome == "passed" else "route.sent_back"), values


def trail(draft: DraftSnapshot) -> list[tuple[Wording, list[Wording]]]:
    """The route's review steps as a card shows them: each step, and what became of it."""
    facts, steps = draft.route, []
    marks = {m.step: m for m in facts.trail}  # the latest mark of each step this round
    for number, role in enumerate(facts.route):
        mark = marks.get(number)
        if mark is not None:
            said = [("route.said", {"text": mark.comment})] if mark.comment else []
            states = [step_mark(mark), *said]
        elif draft.at_review and number == facts.step:
            states = [("route.waiting", {"people": facts.reviewers})]
        else:
            states = [("route.not_yet", {})]
        steps.append((("route.step", {"n": number + 1, "role": role}), states))
    return steps


COMMENTS_SHOWN = 5  # the latest comments on a card; every one is in the register


def comments(draft: DraftSnapshot) -> list[Wording]:
    """The latest comments on the draft, each with the revision it was made on."""
    return [
        (
            "card.comment_line",
            {"who": c.author, "revision": c.revision, "when": c.at, "text": c.text},
        )
        for c in draft.route.comments[-COMMENTS_SHOWN:]
    ]


def shown(msg: Messages, wording: Wording, person=str, text=str) -> dict:
    """The values of a wording as words: channels and decisions named, times in Japan time,
    people through `person(user_id)` and free text through `text` (each front end's escaping).
    """
    key, values = wording
    words = {}
    for name, value in values.items():
        if name == "channel":
            words[name] = msg(f"channel.{value}")
        elif name == "when":
            words[name] = msg.time(value) if value else ""
        elif name == "who":
            words[name] = person(value) + (msg("card.acting") if values.get("acting") else "")
        elif name == "decision":
            words[name] = msg(f"decision.{value}")
        elif name == "role":
            words[name] = msg(f"role.{value}")
        elif name == "people":
            words[name] = "、".join(person(u) for u in value)
        elif name == "decided":  # the verb's form: 承認しています, 取り下げています…
            words[name] = msg(f"decided.{value}")
        elif isinstance(value, str) and name != "url":
            words[name] = text(value)
        else:
            words[name] = value
    if key == "pub.failed" and not values.get("error"):
        words["error"] = msg("pub.error.unknown")
    return words
