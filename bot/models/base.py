"""The tables' common ground: the UTC timestamp type, the declarative Base, the states and kinds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase

# Roles (policy §3): the chief (課長) decides, a deputy decides only while the chief is away;
# a reviewer (e.g. 係長) checks drafts on the approval route before the chief (SNSBOT_ROUTE).
CHIEF, DEPUTY, OPERATOR, REVIEWER = "chief", "deputy", "operator", "reviewer"
ROLES = (CHIEF, DEPUTY, OPERATOR, REVIEWER)

# Draft states (SENT_BACK: a reviewer on the route returned it to its author, 差し戻し).
PENDING, APPROVED, REJECTED, WITHDRAWN, EXPIRED, SENT_BACK = (
    "pending",
    "approved",
    "rejected",
    "withdrawn",
    "expired",
    "sent_back",
)

# Publication states (the outbox).
QUEUED, SENDING, PUBLISHED, FAILED, CANCELLED = (
    "queued",
    "sending",
    "published",
    "failed",
    "cancelled",
)
OPEN_PUBLICATION_STATES = (QUEUED, SENDING)

# What a notice or a card is about: the kinds of request the chief decides, HP entries and
# registered groups' requests.
DRAFT, ENGAGEMENT, MODERATION, FEED_ENTRY = "draft", "engagement", "moderation", "feed"
GROUP_REQUEST = "group_request"
SUBJECTS = (DRAFT, ENGAGEMENT, MODERATION, FEED_ENTRY, GROUP_REQUEST)

# Notice kinds (chat messages the dispatcher owes someone).
CARD, CARD_UPDATE, SUBMITTED, REJECTED_NOTICE, RESULTS = (
    "card",
    "card_update",
    "submitted",
    "rejected",
    "results",
)
DEPUTY_CARD = "deputy_card"  # a waiting draft's card to the deputies once the chief is away
EDITED, WITHDRAWN_NOTICE, EXPIRED_NOTICE, CANCELLED_NOTICE = (
    "edited",
    "withdrawn",
    "expired",
    "cancelled",
)
SENT_BACK_NOTICE, COMMENTED = "sent_back", "commented"  # the route: 差し戻し, a comment


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: snsbot stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}
