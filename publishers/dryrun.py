"""The dry-run publisher: records what would have been posted, posts nothing."""

from __future__ import annotations

import json
import logging

from bot.ports import Post, Published

log = logging.getLogger(__name__)


class DryRunPublisher:
    """Stands in for a channel when SNSBOT_DRY_RUN=1 or its credentials are missing."""

    dry_run = True

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason

    def preview(self, post: Post) -> str:
        return json.dumps(post.payload, ensure_ascii=False)

    def publish(self, post: Post) -> Published:
        log.info(
            "dry run (%s): would post draft %s rev %s to %s: %s",
            self.reason,
            post.draft_id,
            post.revision,
            self.name,
            json.dumps(post.payload, ensure_ascii=False),
        )
        return Published(remote_id=f"dry-run-{post.draft_id}-{post.revision}-{self.name}")

    def find(self, post: Post) -> Published | None:
        return None

    def verify_account(self) -> str | None:
        return None

    def profile(self) -> dict[str, str]:
        return {}
