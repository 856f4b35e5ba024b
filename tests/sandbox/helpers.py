"""A bare Socket Mode client (websocket-client) whose acks a test controls, so
envelope shapes, ack timeouts and retries can be checked without Bolt."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

import websocket
from slack_sdk import WebClient

from sandbox import Sandbox

Responder = Callable[[dict[str, Any]], "dict[str, Any] | None | bool"]


class RawApp:
    """Receives envelopes; ``responder(frame)`` returns the ack payload, True for
    an empty ack, or False/None to leave the envelope unacked."""

    def __init__(self, sb: Sandbox, responder: Responder | None = None) -> None:
        self.sb = sb
        self.responder: Responder = responder or (lambda frame: True)
        self.frames: list[dict[str, Any]] = []
        self.ws: websocket.WebSocket | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.link_id: int | None = None     # the sandbox's id for this link, once greeted
        self.closed = threading.Event()     # the server ended the link

    def connect(self, *, expect_hello: bool = True) -> "RawApp":
        before = {link["id"] for link in self.sb.links}
        client = WebClient(token=self.sb.app_token, base_url=self.sb.api_url)
        self.url = client.apps_connections_open(app_token=self.sb.app_token)["url"]
        self.ws = websocket.create_connection(self.url, timeout=5)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        if expect_hello:
            self.wait(lambda f: f.get("type") == "hello")
            self.link_id = max({link["id"] for link in self.sb.links} - before)
        return self

    def _read(self) -> None:
        assert self.ws is not None
        while True:
            try:
                data = self.ws.recv()
            except Exception:
                self.closed.set()
                return
            if not data:
                self.closed.set()
                return
            frame = json.loads(data)
            self.frames.append(frame)
            if "envelope_id" in frame:
                answer = self.responder(frame)
                if answer is True or answer == {}:
                    self.send({"envelope_id": frame["envelope_id"]})
                elif answer:
                    self.send({"envelope_id": frame["envelope_id"], "payload": answer})

    def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None
        try:
            self.ws.send(json.dumps(frame))
        except Exception:
            pass

    def envelopes(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.frames if "envelope_id" in f and (kind is None or f["type"] == kind)]

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return [f["payload"]["event"] for f in self.envelopes("events_api")
                if event_type is None or f["payload"]["event"]["type"] == event_type]

    def wait(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 5.0
             ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for frame in list(self.frames):
                if pred(frame):
                    return frame
            time.sleep(0.005)
        raise AssertionError(f"no matching frame; got {[f.get('type') for f in self.frames]}")

    def wait_event(self, event_type: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        frame = self.wait(lambda f: f.get("type") == "events_api"
                          and f["payload"]["event"]["type"] == event_type
                          and all(f["payload"]["event"].get(k) == v for k, v in match.items()),
                          timeout)
        return frame["payload"]["event"]

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            except Exception:
                pass
