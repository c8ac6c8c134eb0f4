"""The intake site on its own port (`--web-port`, beside Socket Mode or Teams): waitress."""

from __future__ import annotations

import threading

from waitress import create_server, wasyncore

from handlers.web.app import SERVER_MAX_BODY


def with_healthz(site):
    """`GET /healthz` → 200 beside the site, as on every snsbot port."""

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        return site(environ, start_response)

    return application


class WebServer:
    """A threaded waitress server for the intake site, started on its own thread."""

    def __init__(self, site, host: str = "127.0.0.1", port: int = 8080, threads: int = 8):
        self._server = create_server(with_healthz(site), host=host, port=port, threads=threads,
                                     max_request_body_size=SERVER_MAX_BODY, ident="snsbot")  # fmt: skip
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.effective_port

    def _serve(self) -> None:
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.2, map=self._server._map, count=1)
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._server._map)

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self._serve, name="web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=10)
