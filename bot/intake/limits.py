"""Rate limits for the open-internet intake form: so many requests per key in a sliding window."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from time import monotonic


class RateLimit:
    """At most `limit` hits per key in `window` seconds; thread-safe, kept in memory."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one hit for `key`; False (and not counted) when it is over the limit."""
        now = self.clock()
        with self._lock:
            if len(self._hits) > 10_000:  # forget keys quiet for a whole window
                self._hits = {
                    k: h for k, h in self._hits.items() if h and h[-1] > now - self.window
                }
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True
