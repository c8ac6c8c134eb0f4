"""A controllable publisher for tests: can be slow, fail transiently or permanently, and counts."""

from __future__ import annotations

import threading

from bot.ports import PermanentError, Post, Published, TransientError


class ControlledPublisher:
    """Implements the Publisher protocol; `failures` is a list of exceptions to raise first."""

    dry_run = False

    def __init__(
        self, name: str, *, delay: float = 0.0, failures=(), url_base="https://example.jp"
    ):
        self.name = name
        self.delay = delay
        self.failures = list(failures)
        self.url_base = url_base
        self.published: list[Post] = []
        self.release = threading.Event()
        if not delay:
            self.release.set()
        self._lock = threading.Lock()

    def preview(self, post: Post) -> str:
        return str(post.payload)

    def publish(self, post: Post) -> Published:
        self.release.wait(self.delay or None)
        with self._lock:
            if self.failures:
                raise self.failures.pop(0)
            self.published.append(post)
            number = len(self.published)
        return Published(
            remote_id=f"{self.name}-{number}", url=f"{self.url_base}/{self.name}/{number}"
        )

    def find(self, post: Post) -> Published | None:
        return None

    def verify_account(self) -> str | None:
        return None


__all__ = ["ControlledPublisher", "PermanentError", "TransientError"]
