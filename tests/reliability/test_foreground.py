"""Background work gives way to the requests a process is answering, and is never starved."""

from __future__ import annotations

import logging
import threading

from bot.delivery.foreground import LOOK_AGAIN_SECONDS, Foreground


class Pauses(list):
    """Stands in for time.sleep: records each pause."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_nothing_in_hand_means_no_pause():
    pauses = Pauses()
    Foreground(0.05, sleep=pauses).give_way()
    assert pauses == []


def test_background_waits_while_any_request_is_in_hand_and_at_most_so_long():
    pauses = Pauses()
    foreground = Foreground(0.05, sleep=pauses)
    with foreground.answering():
        with foreground.answering():
            foreground.give_way()
        foreground.give_way()  # one request still in hand
    foreground.give_way()  # all answered
    assert len(pauses) == 2 * round(0.05 / LOOK_AGAIN_SECONDS)  # never starved


def test_background_goes_ahead_as_soon_as_the_requests_are_answered():
    foreground = Foreground(give_way_seconds=3600)
    done = threading.Event()
    with foreground.answering():
        threading.Thread(target=lambda: (foreground.give_way(), done.set()), daemon=True).start()
        assert not done.wait(0.2)
    assert done.wait(10)  # within milliseconds, not the hour


def test_a_failing_request_still_counts_as_answered():
    pauses = Pauses()
    foreground = Foreground(0.05, sleep=pauses)
    try:
        with foreground.answering():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    foreground.give_way()
    assert pauses == [] and not foreground.busy


def test_requests_answered_on_many_threads_are_all_counted():
    foreground, gate = Foreground(), threading.Barrier(9)

    def request():
        with foreground.answering():
            gate.wait(10)  # all eight in hand at once, with the test
            gate.wait(10)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.wait(10)
    assert foreground._answering == 8
    gate.wait(10)
    for thread in threads:
        thread.join(10)
    assert not foreground.busy


def test_the_dispatcher_gives_way_to_the_requests_of_its_own_process(settings):
    from bot.app import assemble

    runtime = assemble(settings)
    try:
        assert runtime.dispatcher.give_way == runtime.services.foreground.give_way
    finally:
        runtime.services.engine.dispose()


def test_a_slack_request_is_in_hand_until_bolt_has_answered():
    """The HTTP edge counts a verified request from its arrival until Bolt's answer."""
    import io
    import time

    from slack_bolt.response import BoltResponse
    from slack_sdk.signature import SignatureVerifier

    from handlers.slack.http import events_app

    secret, seen = "s" * 32, []
    foreground = Foreground()

    class Bolt:
        def dispatch(self, request):
            seen.append(foreground.busy)  # background gives way while Bolt works
            return BoltResponse(status=200, body="")

    body = b"command=%2Fsns&text=&user_id=U1&trigger_id=t"
    stamp = str(int(time.time()))
    environ = {
        "PATH_INFO": "/slack/events",
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
        "HTTP_X_SLACK_SIGNATURE": SignatureVerifier(secret).generate_signature(
            timestamp=stamp, body=body.decode()
        ),
    }
    events_app(Bolt(), secret, foreground)(environ, lambda status, headers: None)
    assert seen == [True] and not foreground.busy  # and no longer once answered


def test_a_socket_mode_request_is_in_hand_until_bolt_has_answered():
    from slack_bolt import App
    from slack_bolt.response import BoltResponse
    from slack_sdk.socket_mode.request import SocketModeRequest

    from handlers.slack.server import socket_mode_handler

    foreground, seen, sent = Foreground(), [], []

    class Bolt:
        def dispatch(self, request):
            seen.append(foreground.busy)
            return BoltResponse(status=200, body="")

    class Client:
        logger = logging.getLogger("test")

        def send_socket_mode_response(self, response):
            sent.append(response.envelope_id)

    app = App(token="xoxb-unused", signing_secret="unused", token_verification_enabled=False)
    handler = socket_mode_handler(app, "xapp-unused", foreground)
    handler.app = Bolt()
    request = SocketModeRequest(type="slash_commands", envelope_id="e1", payload={"x": 1})
    handler.handle(Client(), request)
    assert seen == [True] and sent == ["e1"] and not foreground.busy
