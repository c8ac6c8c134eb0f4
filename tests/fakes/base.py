"""What every fake platform server shares: a loopback HTTP server on its own thread, recorded calls, waiting, injected faults."""

from __future__ import annotations

import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar
from urllib.parse import parse_qsl, urlsplit

C = TypeVar("C")  # what a fake records of one call
T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """An HTTP request as every fake first reads it."""

    method: str
    target: str  # path and query, as received
    path: str
    query_string: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.monotonic() on arrival

    @classmethod
    def read(cls, handler: BaseHTTPRequestHandler) -> Request:
        at = time.monotonic()
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        return cls(
            method=handler.command,
            target=handler.path,
            path=split.path,
            query_string=split.query,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=handler.rfile.read(length) if length > 0 else b"",
            at=at,
        )


@dataclass
class Answer:
    """An HTTP answer: status, body, its content type and any other headers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


def send(handler: BaseHTTPRequestHandler, answer: Answer, after: float = 0.0) -> None:
    """Send `answer`, `after` seconds late (an injected delay)."""
    if after:
        time.sleep(after)
    try:
        handler.send_response(answer.status)
        handler.send_header("Content-Type", answer.content_type)
        handler.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(answer.body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (e.g. a timeout while we were delaying)


def short(text: str, limit: int = 160) -> str:
    """`text`, cut to `limit` characters for a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer[Any]

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up is fine
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def version_string(self) -> str:
        return f"{type(self.server.fake).__name__}/1.0"

    def _dispatch(self) -> None:
        if self.command in self.server.fake.methods:
            self.server.fake._handle(self)
        else:
            self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeServer(Generic[C]):
    """A fake on 127.0.0.1 (a free port) served by a daemon thread; a subclass answers in `_handle`.

    Calls are recorded under `_lock` (waiters wake on `_cond`); faults queue per endpoint name in
    `_faults`, delays in `_delays`.
    """

    #: The HTTP methods the fake answers; any other gets 501, as from a plain HTTP server.
    methods: tuple[str, ...] = ("GET", "POST")

    def __init__(self) -> None:
        # Reentrant: an answer built under the lock may read state through the public methods.
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._calls: list[C] = []
        self._faults: dict[str, deque[Any]] = defaultdict(deque)
        self._delays: dict[str | None, float] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving on 127.0.0.1 on a free port in a daemon thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread to finish."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ calls, waiting, faults

    def calls(self, endpoint: str | None = None) -> list[C]:
        """A snapshot of the recorded calls, optionally only those of one endpoint."""
        with self._lock:
            return [c for c in self._calls if endpoint is None or c.endpoint == endpoint]

    def wait_until(
        self,
        predicate: Callable[[], T],
        timeout: float = 20.0,  # generous: CI machines are slow and busy
        what: Callable[[], str] | None = None,
    ) -> T:
        """Wait until `predicate()` returns something truthy, and return it.

        A predicate that raises (IndexError, KeyError…) counts as not yet. On timeout, raises
        AssertionError saying `what()` was awaited (default: the predicate) and listing the calls.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = predicate()
            except Exception:
                result = None
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with self._cond:
                self._cond.wait(min(remaining, 0.05))
        received = self.calls()
        waited = what() if what is not None else repr(predicate)
        lines = [f"Timed out after {timeout}s waiting for {waited}; {len(received)} call(s):"]
        if len(received) > 30:
            lines.append(f"  ... {len(received) - 30} earlier call(s) omitted")
        lines += [f"  {self._describe(c)}" for c in received[-30:]]
        raise AssertionError("\n".join(lines))

    def delay(self, endpoint: str | None, seconds: float) -> None:
        """Sleep `seconds` before answering each call of `endpoint` (work done first); 0 removes it."""
        with self._lock:
            if seconds > 0:
                self._delays[endpoint] = seconds
            else:
                self._delays.pop(endpoint, None)

    def clear(self) -> None:
        """Forget recorded calls, pending faults and delays."""
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self._delays.clear()

    # ------------------------------------------------------------------ for subclasses

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one request (in the server's thread for it)."""
        raise NotImplementedError

    def _record(self, call: C) -> None:
        """Keep `call` and wake the waiters; called with the lock held."""
        self._calls.append(call)
        self._cond.notify_all()

    def _add_fault(self, endpoint: str, fault: Any, times: int) -> None:
        with self._lock:
            self._faults[endpoint].extend([fault] * times)

    def _take_fault(self, *endpoints: str) -> Any:
        """The next fault queued for the first of `endpoints` that has one, or None; lock held."""
        for endpoint in endpoints:
            queue = self._faults.get(endpoint)
            if queue:
                return queue.popleft()
        return None

    def _delay(self, *endpoints: str) -> float:
        """The delay of the first of `endpoints` that has one, or 0; called with the lock held."""
        return next((self._delays[e] for e in endpoints if self._delays.get(e)), 0.0)

    def _describe(self, call: C) -> str:
        """One line about `call` for a timeout message."""
        return short(repr(call))
