"""A fake Slack Socket Mode server: a minimal RFC 6455 WebSocket server on 127.0.0.1.

It speaks just enough WebSocket for slack_sdk's built-in client (`slack_sdk.socket_mode.builtin`):
the HTTP/1.1 upgrade handshake, text frames (client frames masked, server frames unmasked),
ping/pong in both directions and close. After the handshake it greets the client with
`{"type": "hello", ...}` as Slack does; `send_envelope()` pushes an envelope and
`wait_for_ack()` returns the client's `{"envelope_id": ..., "payload": ...}` reply.

Point the fake Web API at it so that `apps.connections.open` hands out its `url`:

    with FakeSocketMode() as socket_mode:
        fake_slack.app_token = "xapp-1-test"
        fake_slack.socket_mode_url = socket_mode.url
        ...
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HANDSHAKE = 16 * 1024
_MAX_MESSAGE = 16 * 1024 * 1024

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

#: Envelope types Slack sends over Socket Mode.
ENVELOPE_TYPES = ("slash_commands", "interactive", "events_api")


def accept_key(key: str) -> str:
    """`Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key` (RFC 6455, section 4.2.2)."""
    digest = hashlib.sha1((key.strip() + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_frame(opcode: int, payload: bytes = b"", fin: bool = True) -> bytes:
    """A server-to-client frame: never masked (RFC 6455, section 5.1)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    length = len(payload)
    if length <= 125:
        head += bytes([length])
    elif length <= 0xFFFF:
        head += struct.pack("!BH", 126, length)
    else:
        head += struct.pack("!BQ", 127, length)
    return head + payload


class _Closed(Exception):
    """The peer went away (EOF, reset) or broke the protocol."""


class _Connection:
    """One accepted WebSocket client: handshake, then a reader loop in its own thread."""

    def __init__(self, server: FakeSocketMode, sock: socket.socket, number: int) -> None:
        self.server = server
        self.sock = sock
        self.number = number
        self.open = False
        self.closed = threading.Event()
        self.request_line = ""
        self.headers: dict[str, str] = {}
        self._send_lock = threading.Lock()
        self._buffer = b""
        self.thread = threading.Thread(
            target=self._run, name=f"fake-socket-mode-{number}", daemon=True
        )

    # ------------------------------------------------------------------ io

    def _recv(self) -> bytes:
        """Some bytes from the peer; b"" on a read timeout (to poll stop/ping); raises on EOF."""
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return b""
        except OSError as error:
            raise _Closed(str(error)) from None
        if not data:
            raise _Closed("EOF")
        return data

    def _read_exactly(self, n: int) -> bytes:
        while len(self._buffer) < n:
            if self.server._stopping.is_set():
                raise _Closed("server stopping")
            self._buffer += self._recv()
            self._maybe_ping()
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def send_frame(self, opcode: int, payload: bytes = b"") -> None:
        data = encode_frame(opcode, payload)
        with self._send_lock:
            try:
                self.sock.sendall(data)
            except OSError as error:
                raise _Closed(str(error)) from None

    def send_text(self, text: str) -> None:
        self.send_frame(OP_TEXT, text.encode("utf-8"))

    # ------------------------------------------------------------------ handshake

    def _handshake(self) -> bool:
        while b"\r\n\r\n" not in self._buffer:
            if len(self._buffer) > _MAX_HANDSHAKE or self.server._stopping.is_set():
                return False
            self._buffer += self._recv()
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.request_line = lines[0]
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                self.headers[name.strip().lower()] = value.strip()
        parts = self.request_line.split(" ")
        path = parts[1].split("?", 1)[0] if len(parts) == 3 else ""
        key = self.headers.get("sec-websocket-key", "")
        problem = None
        if len(parts) != 3 or parts[0] != "GET" or not parts[2].startswith("HTTP/1.1"):
            problem = "400 Bad Request"
        elif path != self.server.path:
            problem = "404 Not Found"
        elif (
            self.headers.get("upgrade", "").lower() != "websocket"
            or "upgrade" not in self.headers.get("connection", "").lower()
            or self.headers.get("sec-websocket-version") != "13"
            or not key
        ):
            problem = "400 Bad Request"
        if problem is not None:
            body = problem.encode()
            self.sock.sendall(
                f"HTTP/1.1 {problem}\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            return False
        self.open = True
        self.server._opened(self)  # counted before the client can see the 101
        self.sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_key(key)}\r\n"
                "\r\n"
            ).encode("ascii")
        )
        return True

    # ------------------------------------------------------------------ frames

    def _read_message(self) -> tuple[int, bytes]:
        """The next complete message (control frames are returned as they come)."""
        opcode_of_message: int | None = None
        parts: list[bytes] = []
        while True:
            b1, b2 = self._read_exactly(2)
            fin, opcode = b1 & 0x80, b1 & 0x0F
            if b1 & 0x70:
                raise _Closed("reserved bits set without an extension")
            if not b2 & 0x80:
                raise _Closed("client frames must be masked (RFC 6455, section 5.1)")
            length = b2 & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read_exactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read_exactly(8))
            if length > _MAX_MESSAGE:
                raise _Closed("frame too large")
            mask = self._read_exactly(4)
            masked = self._read_exactly(length)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(masked))
            if opcode >= 0x8:  # control frames may arrive between fragments
                return opcode, payload
            if opcode != OP_CONTINUATION:
                opcode_of_message = opcode
            parts.append(payload)
            if fin:
                return opcode_of_message or OP_BINARY, b"".join(parts)

    def _maybe_ping(self) -> None:
        interval = self.server.ping_interval
        if interval and time.monotonic() - self._last_ping >= interval:
            self._last_ping = time.monotonic()
            self.send_frame(OP_PING, f"fake:{time.time()}".encode())
            self.server._record("pings_sent")

    def _run(self) -> None:
        self.sock.settimeout(0.05)
        self._last_ping = time.monotonic()
        try:
            if not self._handshake():
                return
            if self.server.hello:
                self.send_text(json.dumps(self.server.hello_message(self.number)))
            self.server._greeted(self)
            while not self.server._stopping.is_set():
                opcode, payload = self._read_message()
                if opcode == OP_TEXT:
                    self.server._received(payload.decode("utf-8"))
                elif opcode == OP_PING:
                    self.server._record("pings_received")
                    self.send_frame(OP_PONG, payload)
                elif opcode == OP_PONG:
                    self.server._record("pongs_received")
                elif opcode == OP_CLOSE:
                    self.server._record("closes_received")
                    with contextlib.suppress(_Closed):
                        self.send_frame(OP_CLOSE, payload[:2])
                    return
        except _Closed:
            pass
        finally:
            self.open = False
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self.sock.close()
            self.closed.set()
            self.server._closed(self)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame; the client is expected to drop the connection."""
        payload = struct.pack("!H", code) + reason.encode("utf-8")
        with contextlib.suppress(_Closed):
            self.send_frame(OP_CLOSE, payload)


class FakeSocketMode:
    """Fake Socket Mode endpoint on 127.0.0.1; hand its `url` out from `apps.connections.open`.

    `ping_interval` (seconds, None to disable) makes the server ping the client as Slack does;
    a short interval also keeps slack_sdk's client, whose socket reads block for up to 3 s,
    quick to close.
    """

    def __init__(
        self, *, path: str = "/link", ping_interval: float | None = 0.2, hello: bool = True
    ) -> None:
        self.path = path
        self.ping_interval = ping_interval
        self.hello = hello
        #: Set once a client has completed the handshake (and got `hello`); cleared when the
        #: last connection closes.
        self.connected = threading.Event()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._connections: list[_Connection] = []
        self._messages: list[Any] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._counts: dict[str, int] = {}
        self._connection_numbers = itertools.count(1)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSocketMode:
        if self._listener is not None:
            return self
        self._stopping.clear()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.05)
        self._listener = listener
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="fake-socket-mode-accept", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, drop every connection and wait for all threads to finish."""
        self._stopping.set()
        listener, thread = self._listener, self._accept_thread
        self._listener = self._accept_thread = None
        if thread is not None:
            thread.join(timeout=5)
        if listener is not None:
            listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        for conn in connections:
            conn.thread.join(timeout=5)
        self.connected.clear()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("FakeSocketMode is not started")
        return self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        """`ws://127.0.0.1:PORT/link`: what `apps.connections.open` should answer."""
        return f"ws://127.0.0.1:{self.port}{self.path}"

    # ------------------------------------------------------------------ talking to the client

    def hello_message(self, number: int = 1) -> dict[str, Any]:
        """The greeting Slack sends right after the handshake."""
        return {
            "type": "hello",
            "num_connections": number,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": "A0TEST"},
        }

    def send(self, message: dict[str, Any] | str, timeout: float = 5.0) -> None:
        """Send a raw text message (a dict is sent as JSON) on the newest open connection."""
        text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
        self._current(timeout).send_text(text)

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        envelope_id: str | None = None,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Push an envelope as Slack does; returns its `envelope_id` (for `wait_for_ack`).

        `accepts_response_payload` defaults to True for slash commands and interactions and
        False for Events API. `retry_attempt`/`retry_reason` default to 0/"" for Events API
        and are left out for the others, as in Slack's envelopes.
        """
        if type not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {type!r}; expected one of {ENVELOPE_TYPES}")
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type,
            "accepts_response_payload": (
                type != "events_api"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
            "payload": payload,
        }
        if type == "events_api" or retry_attempt is not None or retry_reason is not None:
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        self.send(envelope, timeout=timeout)
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested", timeout: float = 5.0) -> None:
        """Ask the client to reconnect, as Slack does before rotating a connection."""
        self.send(
            {
                "type": "disconnect",
                "reason": reason,
                "debug_info": {"host": "applink-fake"},
            },
            timeout=timeout,
        )

    def close_connections(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame on every open connection."""
        with self._lock:
            connections = [c for c in self._connections if c.open]
        for conn in connections:
            conn.close(code, reason)

    # ------------------------------------------------------------------ inspection

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's reply to `envelope_id`: `{"envelope_id": ..., "payload"?: ...}`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while envelope_id not in self._acks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    received = list(self._messages)
                    raise AssertionError(
                        f"Timed out after {timeout}s waiting for the ack of {envelope_id!r}; "
                        f"received {len(received)} message(s): "
                        + "; ".join(repr(m)[:200] for m in received[-10:])
                    )
                self._cond.wait(min(remaining, 0.05))
            return self._acks[envelope_id]

    def messages(self) -> list[Any]:
        """Every text message the client sent (parsed as JSON when it is JSON)."""
        with self._lock:
            return list(self._messages)

    def count(self, name: str) -> int:
        """How many `pings_sent`, `pings_received`, `pongs_received`, `closes_received`,
        `connections` (handshakes completed) there were."""
        with self._lock:
            return self._counts.get(name, 0)

    @property
    def handshakes(self) -> list[dict[str, str]]:
        """Request line and headers of each completed handshake (keys lower-cased)."""
        with self._lock:
            return [
                {"request-line": c.request_line, **c.headers}
                for c in self._connections
                if c.request_line
            ]

    def open_connections(self) -> int:
        with self._lock:
            return sum(1 for c in self._connections if c.open)

    # ------------------------------------------------------------------ internals

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(self, sock, next(self._connection_numbers))
            with self._lock:
                self._connections.append(conn)
            conn.thread.start()

    def _current(self, timeout: float) -> _Connection:
        if not self.connected.wait(timeout):
            raise AssertionError(f"no Socket Mode client connected within {timeout}s")
        with self._lock:
            for conn in reversed(self._connections):
                if conn.open:
                    return conn
        raise AssertionError("no open Socket Mode connection")

    def _record(self, name: str) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + 1

    def _opened(self, conn: _Connection) -> None:
        self._record("connections")

    def _greeted(self, conn: _Connection) -> None:
        self.connected.set()

    def _closed(self, conn: _Connection) -> None:
        with self._lock:
            still_open = any(c.open for c in self._connections)
        if not still_open:
            self.connected.clear()

    def _received(self, text: str) -> None:
        try:
            message: Any = json.loads(text)
        except ValueError:
            message = text
        with self._cond:
            self._messages.append(message)
            if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
                self._acks.setdefault(message["envelope_id"], message)
            self._cond.notify_all()
