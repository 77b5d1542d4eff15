"""Reading a ``text/event-stream`` (the WHATWG format) line by line, for
``events()``: the SDK depends on httpx alone, and the format is small."""

from __future__ import annotations

import json
from typing import Final

import httpx

from bugbrain.client import config
from bugbrain.client.errors import ApiError, UnexpectedResponseError, error_from_response
from bugbrain.client.models import ExecutionEvent
from bugbrain.vocabulary import TERMINAL

# The server sends a comment every 15 s while nothing happens: a stream silent
# for this long is broken, and is opened again after the last event read.
READ_TIMEOUT: Final = 60.0


def request_headers(key: str | None, last_id: str | None) -> dict[str, str]:
    headers = {**config.headers(key), "Accept": "text/event-stream"}
    if last_id:
        headers["Last-Event-ID"] = last_id
    return headers


def timeout(connect: float) -> httpx.Timeout:
    return httpx.Timeout(connect, read=READ_TIMEOUT)


def is_last(event: ExecutionEvent) -> bool:
    """The terminal status: the stream's last event."""
    return event.event == "status" and event.data.get("status") in TERMINAL


def refused(response: httpx.Response, url: str) -> ApiError:
    """A stream that did not open (401, 404…): the API's error, as for any call."""
    headers = {k.lower(): v for k, v in response.headers.items()}
    status, body = response.status_code, response.content
    return error_from_response(status, headers, body, method="GET", url=url)


class EventReader:
    """Feed it lines (without their ending); it returns each complete event."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = "message"
        self._id: str | None = None
        self.last_id: str | None = None  # what to resume after (``Last-Event-ID``)

    def feed(self, line: str) -> ExecutionEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment: the server's keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None  # retry and unknown fields: nothing to do here

    def _dispatch(self) -> ExecutionEvent | None:
        data, event, event_id = self._data, self._event, self._id
        self._data, self._event = [], "message"
        if event_id is not None:
            self.last_id = event_id
        if not data:
            return None
        text = "\n".join(data)
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise UnexpectedResponseError(
                "an event's data is not a JSON object", 200, text.encode()[:1000]
            )
        return ExecutionEvent(id=event_id or "", event=event, data=payload)
