"""What a page did while a test ran: console errors, uncaught exceptions and
failed requests, collected from Playwright's page events."""

from __future__ import annotations

from playwright.async_api import ConsoleMessage, Page, Request, Response

from bugbrain.contract.results import ConsoleMessage as ConsoleRecord
from bugbrain.contract.results import Evidence, FailedRequest

# A page in a loop can log thousands of errors; the first ones explain it.
MAX_ENTRIES = 50
MAX_TEXT = 1000


def empty() -> Evidence:
    return {"console_errors": [], "page_errors": [], "failed_requests": [], "trace": None}


class Recorder:
    """Attach to a page; read ``evidence`` at the end of the test."""

    def __init__(self) -> None:
        self.evidence = empty()
        self.stopped = False

    def stop(self) -> None:
        """Record nothing more (the page went where nothing may be read: url_guard)."""
        self.stopped = True

    def attach(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if self.stopped or message.type not in (
            "error",
            "assert",
        ):  # not vocabulary: console levels
            return
        if _full(self.evidence["console_errors"]):
            return
        location = message.location
        where = f"{location.get('url', '')}:{location.get('lineNumber', 0)}" if location else None
        record: ConsoleRecord = {
            "type": message.type,
            "text": message.text[:MAX_TEXT],
            "location": where,
        }
        self.evidence["console_errors"].append(record)

    def _on_page_error(self, error: Exception) -> None:
        if not self.stopped and not _full(self.evidence["page_errors"]):
            self.evidence["page_errors"].append(str(error)[:MAX_TEXT])

    def _on_request_failed(self, request: Request) -> None:
        self._add_request(request, None, request.failure or "failed")  # not vocabulary: words

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self._add_request(response.request, response.status, None)

    def _add_request(self, request: Request, status: int | None, failure: str | None) -> None:
        if self.stopped or _full(self.evidence["failed_requests"]):
            return
        record: FailedRequest = {
            "method": request.method,
            "url": request.url[:MAX_TEXT],
            "resource_type": request.resource_type,
            "status": status,
            "failure": failure,
        }
        self.evidence["failed_requests"].append(record)


def _full(entries: list[ConsoleRecord] | list[str] | list[FailedRequest]) -> bool:
    return len(entries) >= MAX_ENTRIES
