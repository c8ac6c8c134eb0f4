"""A dispatcher's work done until nothing is due or in flight: `snsbot worker --once`, tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def run_until_idle(
    *,
    publish: Callable[[], int],
    busy: Callable[[], bool],
    deliver: Callable[[], int],
    publish_wakeup: threading.Event,
    notice_wakeup: threading.Event,
    timeout: float,
) -> None:
    """Publish until nothing is due or in flight, delivering notices in a thread beside until
    the last results' notices are out; TimeoutError when that takes over `timeout` seconds."""
    deadline = time.monotonic() + timeout
    publishing = threading.Event()
    publishing.set()
    ended: list[BaseException | None] = []  # how delivering ended: None when idle
    delivering = threading.Thread(
        target=_deliver_until_idle,
        args=(deliver, notice_wakeup, publishing, deadline, ended),
        name="dispatch-notices-once",
    )
    delivering.start()
    try:
        idle = _publish_until_idle(publish, busy, publish_wakeup, deadline)
    finally:
        publishing.clear()
        notice_wakeup.set()
        delivering.join(max(0.0, deadline - time.monotonic()) + 5)
    if ended and ended[0] is not None:
        raise ended[0]
    if not idle or ended != [None]:
        raise TimeoutError("dispatcher did not become idle")


def _publish_until_idle(
    publish: Callable[[], int],
    busy: Callable[[], bool],
    wakeup: threading.Event,
    deadline: float,
) -> bool:
    while time.monotonic() < deadline:
        was_busy = busy()  # read first: a task finishing during the step owes notices
        worked = publish()
        if not worked and not was_busy:
            return True
        if not worked:
            wakeup.wait(0.02)
            wakeup.clear()
    return False


def _deliver_until_idle(
    deliver: Callable[[], int],
    wakeup: threading.Event,
    publishing: threading.Event,
    deadline: float,
    ended: list[BaseException | None],
) -> None:
    try:
        while time.monotonic() < deadline:
            still_publishing = publishing.is_set()  # read first: the last results owe notices
            if deliver():
                continue
            if not still_publishing:
                ended.append(None)
                return
            wakeup.wait(0.02)
            wakeup.clear()
    except BaseException as error:  # handed to run_until_idle's caller
        ended.append(error)
