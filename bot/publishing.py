"""One attempt at one publication: post, or find the post an earlier attempt made."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot import outbox
from bot.messages import Messages
from bot.ports import Image, PermanentError, Publisher, TransientError, unexpected

log = logging.getLogger(__name__)

MAX_PUBLISH_ATTEMPTS = 8


def backoff(attempt: int, base: float = 5.0, cap: float = 900.0) -> timedelta:
    """5 s, 10 s, 20 s … up to 15 minutes."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempt - 1)))


def attempt(
    claim: outbox.Claim,
    publishers: Mapping[str, Publisher],
    msg: Messages,
    clock: Callable[[], datetime],
    fetch_file: Callable[[dict], bytes] | None,
) -> outbox.Outcome:
    """Post once (or find the post an earlier attempt made); how it ended."""
    post = claim.post
    publisher = publishers.get(post.channel)
    if publisher is None:
        return outbox.failed(claim, msg("pub.error.unavailable"), clock())
    try:
        if claim.images and not publisher.dry_run:
            post = replace(post, images=download(claim.images, fetch_file))
        # Look first after a crash or any earlier failed attempt: an unanswered request may
        # still have posted.
        found = publisher.find(post) if claim.recovering or claim.attempt > 1 else None
        result = found or publisher.publish(post)
    except TransientError as error:
        return _transient(claim, error, msg, clock)
    except PermanentError as error:
        return outbox.failed(claim, error.render(msg), clock())
    except Exception as error:
        log.exception("publisher %s raised unexpectedly", post.channel)
        return _transient(claim, unexpected(error), msg, clock)
    return outbox.published(claim, result, publisher.dry_run, clock())


def _transient(
    claim: outbox.Claim, error: TransientError, msg: Messages, clock: Callable[[], datetime]
) -> outbox.Outcome:
    now = clock()
    if claim.attempt >= MAX_PUBLISH_ATTEMPTS:
        return outbox.failed(claim, msg("pub.error.gave_up"), now)
    due_at = outbox.retry_at(error, now, backoff(claim.attempt))
    reason = error.render(msg)
    log.warning("%s: transient failure (%s); retry at %s", claim.post.channel, reason, due_at)
    return outbox.retried(claim, reason, due_at, now)


def download(
    attachments: tuple[dict, ...], fetch_file: Callable[[dict], bytes] | None
) -> tuple[Image, ...]:
    """The draft's images, fetched from the chat platform just before they are posted."""
    if fetch_file is None:
        raise PermanentError("pub.error.unavailable")
    return tuple(
        Image(
            name=meta.get("name", ""),
            mimetype=meta.get("mimetype", ""),
            data=fetch_file(meta),
        )
        for meta in attachments
    )
