"""Identity guard: a channel posts only after its credentials proved to be the configured account."""

from __future__ import annotations

import threading
import time

from bot.ports import Post, Published, Publisher, Text, TransientError

RECHECK_SECONDS = 300


class IdentityGuard:
    """Wraps a publisher; `publish` and `find` refuse until `verify_account()` has succeeded."""

    def __init__(self, inner: Publisher, clock=time.monotonic):
        self.inner = inner
        self.name = inner.name
        self.dry_run = inner.dry_run
        self._clock = clock
        self._lock = threading.Lock()
        self._verified = False
        self._problem: Text | None = None
        self._checked_at: float | None = None

    def verify_account(self) -> Text | None:
        """Check now; the answer is kept (a failure is checked again after a few minutes)."""
        problem = self.inner.verify_account()
        with self._lock:
            self._verified, self._problem = problem is None, problem
            self._checked_at = self._clock()
        return problem

    def profile(self) -> dict[str, str]:
        """The account's public profile; read unguarded, since reading it posts nothing."""
        return self.inner.profile()

    @property
    def problem(self) -> Text | None:
        return self._problem

    def _require(self) -> None:
        with self._lock:
            recent = (
                self._checked_at is not None and self._clock() - self._checked_at < RECHECK_SECONDS
            )
            known, problem = self._verified or recent, self._problem
        if not known:
            problem = self.verify_account()
        if problem:
            raise TransientError(problem.key, problem.values)

    def preview(self, post: Post) -> str:
        return self.inner.preview(post)

    def publish(self, post: Post) -> Published:
        self._require()
        return self.inner.publish(post)

    def find(self, post: Post) -> Published | None:
        self._require()
        return self.inner.find(post)
