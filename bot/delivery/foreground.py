"""Requests being answered come first: background work in the same process gives way to them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# How long one piece of background work waits at most while requests are in hand; then it goes
# ahead, so that it is never starved by a steady stream of requests.
GIVE_WAY_SECONDS = 0.05
LOOK_AGAIN_SECONDS = 0.005  # while waiting, how often it looks whether the requests are answered
QUIET_LOOKS = 2  # it goes ahead once it found no request in hand this many looks in a row


class Foreground:
    """Counts the chat requests a process is answering (up to their ack).

    Python threads take turns on one interpreter lock, so a decision or a card update computed
    while a click is being acknowledged delays that ack. Background loops (the dispatcher, the
    work a click causes after its ack) call `give_way()` before each piece of work: with no
    request in hand it returns at once; else it looks every few milliseconds and goes ahead once
    none has been in hand for two looks in a row (a burst is over, not just between two
    requests), or after `give_way_seconds` at most. Nothing is skipped or reordered; work only
    starts a little later while the process is busy answering.

    Looking rather than being woken when the last request is answered: at hundreds of requests
    a second, waking every waiting thread each time the count fell to zero cost more CPU.
    """

    def __init__(
        self,
        give_way_seconds: float = GIVE_WAY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.give_way_seconds = give_way_seconds
        self._sleep = sleep
        self._answering = 0
        self._lock = threading.Lock()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around a request, from its arrival to its answer."""
        with self._lock:
            self._answering += 1
        try:
            yield
        finally:
            with self._lock:
                self._answering -= 1

    @property
    def busy(self) -> bool:
        """True while any request is being answered."""
        return self._answering > 0

    def give_way(self) -> None:
        """Wait while requests are being answered, for `give_way_seconds` at most."""
        if not self.busy:
            return
        quiet = 0
        for _ in range(max(1, round(self.give_way_seconds / LOOK_AGAIN_SECONDS))):
            self._sleep(LOOK_AGAIN_SECONDS)
            quiet = 0 if self.busy else quiet + 1
            if quiet >= QUIET_LOOKS:
                return
