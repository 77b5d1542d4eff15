"""``AsyncClient``: the SDK for asyncio, method for method ``Client`` (``sync.py``)
with ``await``. Both send the same ``calls`` operations, retried by the same
``retry.Attempts`` and polled by the same ``polling.Poller``."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import TypeVar, Unpack

import httpx

from bugbrain.client import calls, config, sse
from bugbrain.client.calls import Call
from bugbrain.client.errors import BugbrainClientError, ConflictError, TransportError
from bugbrain.client.models import (
    CancelledExecution,
    Delivery,
    DeliveryList,
    ExecutionCreated,
    ExecutionEvent,
    ExecutionHeals,
    ExecutionList,
    ExecutionResults,
    ExecutionStatus,
    ExecutionSummary,
    FailureAnalysis,
    HealAccepted,
    HealList,
    Health,
    Project,
    ProjectFields,
    ProjectList,
    ProjectUpdateFields,
    QueuedExecution,
    Readiness,
    RerunQueued,
    Schedule,
    ScheduleFields,
    ScheduleList,
    ScheduleUpdateFields,
    Status,
    TestCase,
    TestCaseFields,
    TestCaseList,
    TestCaseUpdateFields,
    TestPlan,
    TestPlanFields,
    TestPlanList,
    TestPlanUpdateFields,
    Variables,
    Webhook,
    WebhookFields,
    WebhookList,
    WebhookUpdateFields,
    WebhookWithSecret,
)
from bugbrain.client.polling import (
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT,
    Poller,
    timed_out,
)
from bugbrain.client.retry import NO_RETRIES, Attempts, Done, Retry, RetryPolicy
from bugbrain.client.sse import EventReader

T = TypeVar("T")


class AsyncClient:
    """The bugbrain API, for asyncio: ``async with AsyncClient(...) as client``.

    ``AsyncClient(base_url, api_key)``; both default to ``BUGBRAIN_URL`` and
    ``BUGBRAIN_API_KEY``. ``timeout``: seconds for each answer (a waiting
    ``run_execution`` gets its execution's timeout on top). ``retries``: a
    count or a ``RetryPolicy``. ``http_client``: an ``httpx.AsyncClient`` of your
    own (proxies, TLS), used as it is and not closed by ``aclose()``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = config.DEFAULT_TIMEOUT,
        retries: int | RetryPolicy = 3,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = config.base_url(base_url)
        self._key = config.api_key(api_key)
        self.timeout = timeout
        self.retry = retries if isinstance(retries, RetryPolicy) else RetryPolicy(retries)
        self._owned = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    # ---- plumbing -------------------------------------------------------------

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owned:
            await self._http.aclose()

    async def _send(self, call: Call[T]) -> T:
        url = call.path if "://" in call.path else self.base_url + call.path
        key = self._key if config.same_origin(url, self.base_url) else None
        attempts = Attempts(
            call.method,
            url,
            call.parse,
            self.retry if call.retry else NO_RETRIES,
            ok_if_repeated=call.ok_if_repeated,
            repeated=call.repeated,
        )
        while True:
            try:
                response = await self._http.request(
                    call.method,
                    url,
                    params=call.params,
                    json=call.body,
                    headers=config.headers(key),
                    timeout=call.timeout if call.timeout is not None else self.timeout,
                )
            except httpx.TransportError as exc:
                step: Retry | Done[T] = attempts.failed(exc)
            else:
                step = attempts.answered(response)
            if isinstance(step, Retry):
                await self._sleep(step.delay)
                continue
            return step.value

    # ---- meta -----------------------------------------------------------------

    async def health(self) -> Health:
        return await self._send(calls.health())

    async def ready(self) -> Readiness:
        """``/readyz``: the database, migrations and (with workers) a browser checked.
        Not ready: ``ServerError`` (503, code ``not_ready``, ``details`` per failed
        check), at once, without retries."""
        return await self._send(calls.ready())

    async def download(self, url: str) -> bytes:
        """An artifact (screenshot, trace, page archive) by its signed URL from
        the results, or by its ``/api/v1/artifacts/…`` path. The key is sent only
        to the server's own origin."""
        return await self._send(calls.download(url))

    # ---- projects -------------------------------------------------------------

    async def list_projects(
        self, *, limit: int | None = None, offset: int | None = None
    ) -> ProjectList:
        return await self._send(calls.list_projects(limit, offset))

    async def create_project(self, name: str, **fields: Unpack[ProjectFields]) -> Project:
        return await self._send(calls.create_project(name, fields))

    async def get_project(self, project_id: str) -> Project:
        return await self._send(calls.get_project(project_id))

    async def update_project(
        self, project_id: str, **fields: Unpack[ProjectUpdateFields]
    ) -> Project:
        return await self._send(calls.update_project(project_id, fields))

    async def delete_project(self, project_id: str) -> None:
        await self._send(calls.delete_project(project_id))

    # ---- test cases -----------------------------------------------------------

    async def list_test_cases(
        self,
        project_id: str,
        *,
        test_plan_id: str | None = None,
        search: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> TestCaseList:
        return await self._send(
            calls.list_test_cases(
                project_id,
                test_plan_id=test_plan_id,
                search=search,
                status=status,
                limit=limit,
                offset=offset,
            )
        )

    async def create_test_case(
        self, project_id: str, name: str, **fields: Unpack[TestCaseFields]
    ) -> TestCase:
        return await self._send(calls.create_test_case(project_id, name, fields))

    async def get_test_case(self, test_case_id: str) -> TestCase:
        return await self._send(calls.get_test_case(test_case_id))

    async def update_test_case(
        self, test_case_id: str, **fields: Unpack[TestCaseUpdateFields]
    ) -> TestCase:
        return await self._send(calls.update_test_case(test_case_id, fields))

    async def delete_test_case(self, test_case_id: str) -> None:
        await self._send(calls.delete_test_case(test_case_id))

    async def list_test_case_heals(self, test_case_id: str) -> HealList:
        return await self._send(calls.list_test_case_heals(test_case_id))

    async def accept_heal(self, test_case_id: str, heal_id: str) -> HealAccepted:
        return await self._send(calls.accept_heal(test_case_id, heal_id))

    # ---- test plans -----------------------------------------------------------

    async def list_test_plans(
        self, project_id: str, *, limit: int | None = None, offset: int | None = None
    ) -> TestPlanList:
        return await self._send(calls.list_test_plans(project_id, limit, offset))

    async def create_test_plan(
        self, project_id: str, name: str, **fields: Unpack[TestPlanFields]
    ) -> TestPlan:
        return await self._send(calls.create_test_plan(project_id, name, fields))

    async def get_test_plan(self, test_plan_id: str) -> TestPlan:
        return await self._send(calls.get_test_plan(test_plan_id))

    async def update_test_plan(
        self, test_plan_id: str, **fields: Unpack[TestPlanUpdateFields]
    ) -> TestPlan:
        return await self._send(calls.update_test_plan(test_plan_id, fields))

    async def delete_test_plan(self, test_plan_id: str) -> None:
        await self._send(calls.delete_test_plan(test_plan_id))

    # ---- schedules ------------------------------------------------------------

    async def list_schedules(
        self,
        project_id: str | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ScheduleList:
        return await self._send(calls.list_schedules(project_id, limit, offset))

    async def create_schedule(
        self,
        project_id: str,
        test_plan_id: str,
        name: str,
        cron: str,
        **fields: Unpack[ScheduleFields],
    ) -> Schedule:
        """``cron``: five fields, six with seconds last, or ``@daily`` and the like,
        read in ``timezone`` (default UTC)."""
        return await self._send(calls.create_schedule(project_id, test_plan_id, name, cron, fields))

    async def get_schedule(self, schedule_id: str) -> Schedule:
        return await self._send(calls.get_schedule(schedule_id))

    async def update_schedule(
        self, schedule_id: str, **fields: Unpack[ScheduleUpdateFields]
    ) -> Schedule:
        return await self._send(calls.update_schedule(schedule_id, fields))

    async def delete_schedule(self, schedule_id: str) -> None:
        await self._send(calls.delete_schedule(schedule_id))

    # ---- webhooks ---------------------------------------------------------------

    async def list_webhooks(
        self, *, limit: int | None = None, offset: int | None = None
    ) -> WebhookList:
        return await self._send(calls.list_webhooks(limit, offset))

    async def create_webhook(
        self, url: str, events: Sequence[str], **fields: Unpack[WebhookFields]
    ) -> WebhookWithSecret:
        """Its ``secret`` (``whsec_…``) is in this answer only: keep it to verify
        deliveries (``verify_signature``)."""
        return await self._send(calls.create_webhook(url, events, fields))

    async def get_webhook(self, webhook_id: str) -> Webhook:
        return await self._send(calls.get_webhook(webhook_id))

    async def update_webhook(
        self, webhook_id: str, **fields: Unpack[WebhookUpdateFields]
    ) -> Webhook:
        return await self._send(calls.update_webhook(webhook_id, fields))

    async def delete_webhook(self, webhook_id: str) -> None:
        await self._send(calls.delete_webhook(webhook_id))

    async def rotate_webhook_secret(self, webhook_id: str) -> WebhookWithSecret:
        """A new secret, in this answer only; the old one stops signing at once."""
        return await self._send(calls.rotate_webhook_secret(webhook_id))

    async def list_deliveries(
        self, webhook_id: str, *, limit: int | None = None, offset: int | None = None
    ) -> DeliveryList:
        return await self._send(calls.list_deliveries(webhook_id, limit, offset))

    async def redeliver(self, webhook_id: str, delivery_id: str) -> Delivery:
        return await self._send(calls.redeliver(webhook_id, delivery_id))

    # ---- executions -----------------------------------------------------------

    async def start_execution(
        self,
        test_plan_id: str,
        project_id: str,
        *,
        timeout_seconds: int | None = None,
        environment: str | None = None,
        variables: Variables | None = None,
    ) -> QueuedExecution:
        """``POST /executions/async``: queue it and return at once."""
        body = calls.execution_body(
            test_plan_id,
            project_id,
            timeout_seconds=timeout_seconds,
            environment=environment,
            variables=variables,
        )
        return await self._send(calls.start_execution(body))

    async def run_execution(
        self,
        test_plan_id: str,
        project_id: str,
        *,
        timeout_seconds: int | None = None,
        environment: str | None = None,
        variables: Variables | None = None,
    ) -> ExecutionCreated:
        """``POST /executions``, waiting in one request: the execution and its
        brief results once it ended, or (``polling_url`` set) as far as it got
        ``timeout_seconds`` + 10 s after creation. ``run_and_wait`` polls instead."""
        body = calls.execution_body(
            test_plan_id,
            project_id,
            timeout_seconds=timeout_seconds,
            environment=environment,
            variables=variables,
        )
        return await self._send(calls.run_execution(body))

    async def list_executions(
        self,
        project_id: str,
        *,
        status: ExecutionStatus | str | None = None,
        test_plan_id: str | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ExecutionList:
        return await self._send(
            calls.list_executions(
                project_id,
                status=status,
                test_plan_id=test_plan_id,
                created_after=created_after,
                created_before=created_before,
                limit=limit,
                offset=offset,
            )
        )

    async def get_execution(self, execution_id: str) -> ExecutionSummary:
        return await self._send(calls.get_execution(execution_id))

    async def get_status(self, execution_id: str) -> Status:
        return await self._send(calls.get_status(execution_id))

    async def get_results(self, execution_id: str) -> ExecutionResults:
        return await self._send(calls.get_results(execution_id))

    async def get_failure_analysis(self, execution_id: str) -> FailureAnalysis:
        return await self._send(calls.get_failure_analysis(execution_id))

    async def get_execution_heals(self, execution_id: str) -> ExecutionHeals:
        return await self._send(calls.get_execution_heals(execution_id))

    async def rerun(self, execution_id: str, *, only_failed: bool = False) -> RerunQueued:
        """``POST /executions/{id}/rerun``: a new execution with the options of
        ``execution_id``, linked by ``rerun_of``; ``only_failed``: only the tests
        that did not pass (``ConflictError`` when all passed)."""
        return await self._send(calls.rerun_execution(execution_id, only_failed))

    async def cancel_execution(self, execution_id: str) -> CancelledExecution:
        """``DELETE /executions/{id}``; ``ConflictError`` if it already ended."""
        try:
            return await self._send(calls.cancel_execution(execution_id))
        except ConflictError as error:
            if not error.after_lost_attempt:
                raise
            # A retry of a cancel that went through: the execution is cancelled.
            found = calls.cancelled_from_status(await self.get_status(execution_id))
            if found is None:
                raise
            return found

    # ---- live events ------------------------------------------------------------

    async def events(
        self, execution_id: str, *, last_event_id: str | None = None
    ) -> AsyncIterator[ExecutionEvent]:
        """The execution's Server-Sent Events (``status``, ``test_started``,
        ``test_finished``, ``progress``) until its terminal ``status``, the last.
        A dropped connection is opened again after the last event read
        (``Last-Event-ID``: nothing twice), up to the client's retries in a row;
        ``last_event_id`` resumes an earlier stream."""
        url = self.base_url + calls.events_path(execution_id)
        reader = EventReader()
        reader.last_id = last_event_id
        drops = 0
        while True:
            headers = sse.request_headers(self._key, reader.last_id)
            try:
                async with self._http.stream(
                    "GET", url, headers=headers, timeout=sse.timeout(self.timeout)
                ) as response:
                    if response.status_code == 204:  # seen to the end already
                        return
                    if response.status_code != 200:
                        await response.aread()
                        raise sse.refused(response, url)
                    async for line in response.aiter_lines():
                        event = reader.feed(line)
                        if event is None:
                            continue
                        drops = 0
                        yield event
                        if sse.is_last(event):
                            return
            except httpx.TransportError as exc:
                failure: Exception = exc
            else:
                failure = TransportError("the event stream ended before the execution did")
            delay = self.retry.delay(drops, None)
            if delay is None:
                raise TransportError(f"events of {execution_id}: {failure}") from failure
            drops += 1
            await self._sleep(delay)

    async def run_and_wait(
        self,
        test_plan_id: str,
        project_id: str,
        *,
        timeout_seconds: int | None = None,
        environment: str | None = None,
        variables: Variables | None = None,
        timeout: float = DEFAULT_WAIT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_progress: Callable[[Status], object] | None = None,
        cancel_on_timeout: bool = False,
    ) -> ExecutionResults:
        """Start the plan, poll its status until it ends, return its results.

        ``timeout``: seconds for all of it (``timeout_seconds`` is the
        execution's own limit, enforced by the server); past it,
        ``ExecutionTimeoutError`` with the ``execution_id`` (cancelled first with
        ``cancel_on_timeout``). ``on_progress`` gets every status polled (a coroutine
        function is awaited). The
        results say how it ended: ``status`` and ``summary``."""
        poller = Poller.starting(time.monotonic(), timeout, poll_interval, max_poll_interval)
        queued = await self.start_execution(
            test_plan_id,
            project_id,
            timeout_seconds=timeout_seconds,
            environment=environment,
            variables=variables,
        )
        status_call = calls.get_status(queued.id)
        while True:
            bounded = min(self.timeout, max(1.0, poller.remaining(time.monotonic())))
            try:
                status = await self._send(dataclasses.replace(status_call, timeout=bounded))
            except BugbrainClientError as error:
                poller.failed(error)
            else:
                if on_progress is not None:
                    called = on_progress(status)
                    if inspect.isawaitable(called):
                        await called
                if poller.seen(status):
                    return await self.get_results(queued.id)
            delay = poller.next_delay(time.monotonic())
            if delay is None:
                raise await self._give_up(queued.id, timeout, poller, cancel_on_timeout)
            await self._sleep(delay)

    async def _give_up(
        self, execution_id: str, wait: float, poller: Poller, cancel: bool
    ) -> BugbrainClientError:
        cancelled = False
        if cancel:
            try:
                await self.cancel_execution(execution_id)
                cancelled = True
            except ConflictError:
                pass  # it ended meanwhile
        return timed_out(execution_id, wait, poller.last, cancelled)
