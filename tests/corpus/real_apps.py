"""Real TodoMVC apps, and one flow tested on each in two ways.

``tests/corpus/real/<app>/`` holds ten TodoMVC examples as published in the npm
package ``todomvc@0.1.1`` (each directory's SOURCE and LICENSE say what was
copied, from where, and under which license; README.md there lists them). They
were written by different people with different frameworks, so the same screen
comes out as different markup, and different timing: that is what the corpus is
for. On every app:

- ``plain_english(app)`` is the test a person would write for the flow, in the
  same sentences on every app except the one that deletes a row, which is said
  in one of the three ways people say it (``DELETE_PHRASINGS``);
- ``run_baseline`` is the same flow written by hand in Playwright, with the
  app's own CSS selectors (``Selectors``), as an engineer who read the app's
  markup would write it: hover the row before clicking its delete button, wait
  for an app that wires itself up late;
- ``run_bugbrain`` runs the plain-English test through bugbrain's runner
  (``run_spec``, as the worker's runner child does), against the app served on
  loopback by ``serve``.

``bench/real_apps.py`` runs both on every app and prints a table;
``tests/integration/test_real_apps.py`` asserts that bugbrain passes wherever
the baseline does.
"""

from __future__ import annotations

import contextlib
import functools
import re
import tempfile
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any, Literal

from playwright.async_api import Browser, Page, expect

from bugbrain.contract.spec import parse_spec
from bugbrain.runner.browser import BROWSER_ARGS, run_spec, system_chromium
from tests.support.servers import serving

REAL = Path(__file__).resolve().with_name("real")
CHROMIUM = system_chromium(headless=True)
BROWSER_ARGUMENTS = BROWSER_ARGS  # the flags bugbrain's runner launches with
# A plan's default element_wait_timeout_ms; the baseline waits as long.
TIMEOUT_MS = 5000
NAVIGATION_TIMEOUT_MS = 30_000
# Each response is held this long, as from a server 50 ms away. On bare loopback
# an app that wires itself up late (flight) races whoever types first and wins
# about half the time; held 20 ms it still wins now and then on a loaded
# machine; held 50 ms it lost every run tried, as it would over a network.
LATENCY_MS = 50

FIRST, SECOND = "Pay rent", "Water the plants"

# The three ways the users say "delete this row".
NEXT_TO = f"Click the delete button next to '{SECOND}'"
VERB_FIRST = f"Delete '{SECOND}'"
IN_THE_ROW = f"Click the Delete button in the '{SECOND}' row"
DELETE_PHRASINGS = (NEXT_TO, VERB_FIRST, IN_THE_ROW)


@dataclass(frozen=True)
class Selectors:
    """The app's markup, as the hand-written baseline addresses it."""

    new_todo: str  # the "What needs to be done?" input
    item: str  # one row of the list
    toggle: str  # the row's checkbox, within the row
    destroy: str  # the row's delete button, within the row (shown while the row is hovered)
    count: str  # "2 items left"
    active: str  # the Active filter
    all: str  # the All filter
    clear_completed: str
    # When the page is ready to be typed into. "load" for most; "networkidle" for
    # an app whose modules a loader fetches after the load event.
    wait_until: Literal["load", "networkidle"] = "load"


@dataclass(frozen=True)
class App:
    name: str
    framework: str
    authors: str
    delete: str  # which of DELETE_PHRASINGS this app's test uses
    selectors: Selectors
    # What a reader should know about the app's markup or timing.
    notes: str = ""

    @property
    def root(self) -> Path:
        return REAL / self.name


# The TodoMVC markup of 2014: ids (#new-todo, #todo-list, #filters, …), a row
# .destroy button with no text whose ✖ is drawn by todomvc-common's base.css
# (`.destroy:after { content: '✖' }`) and which is `display: none` until the row
# is hovered, and a "Clear completed (N)" button.
_TODOMVC_2014 = Selectors(
    new_todo="#new-todo",
    item="#todo-list > li",
    toggle="input.toggle",
    destroy="button.destroy",
    count="#todo-count",
    active='#filters a[href="#/active"]',
    all='#filters a[href="#/"]',
    clear_completed="#clear-completed",
)

APPS: dict[str, App] = {
    app.name: app
    for app in (
        App(
            "vanillajs",
            "plain JavaScript",
            "Oscar Godson",
            NEXT_TO,
            _TODOMVC_2014,
            "Re-renders the list from a string template on every change.",
        ),
        App(
            "backbone",
            "Backbone.js 1.1.2, jQuery 2.0.3",
            "Addy Osmani",
            VERB_FIRST,
            _TODOMVC_2014,
            "Each row also holds a hidden .edit input whose value is the title.",
        ),
        App(
            "angularjs",
            "AngularJS 1.3.0",
            "Christoph Burgdorf, Eric Bidelman, Jacob Mumm, Igor Minar",
            IN_THE_ROW,
            _TODOMVC_2014,
            "The new-todo input is in a <form ng-submit>; ng-repeat rows, ng-show footer.",
        ),
        App(
            "react",
            "React 0.12.0 with the in-browser JSX transformer",
            "Pete Hunt",
            VERB_FIRST,
            _TODOMVC_2014,
            "JSXTransformer fetches and compiles the .jsx files in the page before the "
            "first render; the counter and the clear button are split into <span>s "
            "('Clear completed (', '1', ')').",
        ),
        App(
            "vue",
            "Vue.js 0.10.0",
            "Evan You",
            NEXT_TO,
            Selectors(
                new_todo="#new-todo",
                item="#todo-list > li.todo",
                toggle="input.toggle",
                destroy="button.destroy",
                count="#todo-count",
                active='#filters a[href="#/active"]',
                all='#filters a[href="#/all"]',
                clear_completed="#clear-completed",
            ),
            "The All filter is #/all.",
        ),
        App(
            "mithril",
            "Mithril 0.1.20",
            "Taylor Hakes, Jean-Philippe Monette",
            IN_THE_ROW,
            Selectors(
                new_todo="#new-todo",
                item="#todo-list > li",
                toggle="input.toggle",
                destroy="button.destroy",
                count="#todo-count",
                active='#filters a[href$="#/active"]',
                all='#filters a[href$="#/"]',
                clear_completed="#clear-completed",
            ),
            "Virtual DOM; the filter links are absolute (/index.html#/active), and "
            "there is no 'Mark all as complete' label.",
        ),
        App(
            "knockoutjs",
            "Knockout 3.1.0",
            "Ashish Sharma, Ryan Niemeyer",
            NEXT_TO,
            Selectors(
                new_todo="#new-todo",
                item="#todo-list > li",
                toggle="input.toggle",
                destroy="button.destroy",
                count="#todo-count",
                active='#filters a[href="#/active"]',
                all='#filters a[href="#/all"]',
                clear_completed="#clear-completed",
            ),
            "Data-bound text in <span>s: '<strong>1</strong> <span>item</span> left', "
            "'Clear completed (<span>1</span>)'.",
        ),
        App(
            "dojo",
            "Dojo Toolkit 1.8.3 (dijit, dojox/mvc)",
            "James Thomas, Ed Chatelain",
            VERB_FIRST,
            Selectors(
                new_todo="#new-todo",
                item="#todo-list > li",
                # A dijit CheckBox: the .toggle <div> draws the box; the real
                # <input> inside it has opacity 0.
                toggle=".toggle input[type=checkbox]",
                destroy="button.destroy",
                count="#todo-count",
                active='#filters a[href="#/active"]',
                all='#filters a[href="#/"]',
                clear_completed="#clear-completed",
                wait_until="networkidle",
            ),
            "Widgets parsed from the markup after an AMD build layer loads; the row "
            "checkbox is a dijit CheckBox (native input at opacity 0); the title is an "
            "InlineEditBox <label role=button>; rows filtered out stay in the DOM with "
            "display: none; the counter's plural 's' is a <span> hidden by CSS, so its "
            "text content reads '1 items left' while the page shows '1 item left'.",
        ),
        App(
            "flight",
            "Twitter Flight 1.1, jQuery 1.8.3, RequireJS 2.1.11",
            "Michal Kuklis",
            IN_THE_ROW,
            replace(_TODOMVC_2014, wait_until="networkidle"),
            "The new-todo input is in the static HTML, but RequireJS attaches its "
            "handlers only after fetching ~25 modules and templates, after the load "
            "event: a todo typed and entered before that is silently lost.",
        ),
        App(
            "closure",
            "Google Closure Library (compiled)",
            "Chris Price",
            NEXT_TO,
            _TODOMVC_2014,
            "goog.ui.Container rows with aria-checked; the counter follows the filters "
            "in the footer.",
        ),
    )
}


@dataclass(frozen=True)
class Step:
    """One sentence of the plain-English test, and the explicit step(s) (action,
    CSS selector, value) that do the same on this app: the baseline's selectors.
    The harness swaps a failing sentence for them to see what fails after it."""

    words: str
    explicit: tuple[dict[str, str | None], ...]


def _do(
    action: str, selector: str | None = None, value: str | None = None
) -> dict[str, str | None]:
    return {"action": action, "selector": selector, "value": value}


def flow(app: App) -> list[Step]:
    """The test a person would write for the flow: the same sentences on every
    app but for how it says to delete a row."""
    css = app.selectors
    first_row = f'{css.item}:has-text("{FIRST}")'
    second_row = f'{css.item}:has-text("{SECOND}")'
    # An app that wires itself up after the load event needs a pause after opening.
    settle = (_do("wait", None, "1000"),) if css.wait_until == "networkidle" else ()
    return [
        Step("Open the app", (_do("navigate", None, "/"), *settle)),
        Step(
            f"Type '{FIRST}' into the 'What needs to be done?' field",
            (_do("fill", css.new_todo, FIRST),),
        ),
        Step("Press Enter", (_do("press", css.new_todo, "Enter"),)),
        Step(f"Type '{SECOND}' into the new todo field", (_do("fill", css.new_todo, SECOND),)),
        Step("Press Enter", (_do("press", css.new_todo, "Enter"),)),
        Step(f"I should see '{FIRST}'", (_do("assert_text", None, FIRST),)),
        Step(f"I should see '{SECOND}'", (_do("assert_text", None, SECOND),)),
        Step("I should see '2 items left'", (_do("assert_text", css.count, "2 items left"),)),
        Step(f"Check '{FIRST}'", (_do("check", f"{first_row} {css.toggle}"),)),
        Step("I should see '1 item left'", (_do("assert_text", css.count, "1 item left"),)),
        Step("Click 'Active'", (_do("click", css.active),)),
        Step(f"Verify '{FIRST}' is not visible", (_do("assert_hidden", first_row),)),
        Step("Click 'All'", (_do("click", css.all),)),
        Step(app.delete, (_do("hover", second_row), _do("click", f"{second_row} {css.destroy}"))),
        Step(f"I should not see '{SECOND}'", (_do("assert_not_text", None, SECOND),)),
        Step("Click 'Clear completed'", (_do("click", css.clear_completed),)),
        Step("Verify the todo list is empty", (_do("assert_count", css.item, "0"),)),
    ]


def plain_english(app: App) -> list[str]:
    """The app's test in words only."""
    return [step.words for step in flow(app)]


def steps(
    test: Sequence[Step], explicit: Collection[int] = (), delete: str | None = None
) -> list[dict[str, Any]]:
    """StepSpecs with words only, as a test case written in plain English has;
    the steps at the indexes in ``explicit`` as their explicit equivalents instead
    (step ids ``s<n>a``, ``s<n>b``, …), and the delete sentence replaced by
    ``delete`` when given."""
    specs: list[dict[str, Any]] = []
    for i, step in enumerate(test, start=1):
        words = delete if delete is not None and step.words in DELETE_PHRASINGS else step.words
        if i - 1 in explicit:
            specs += [
                {"step_id": f"s{i}{chr(97 + j)}", "description": None, **fields}
                for j, fields in enumerate(step.explicit)
            ]
        else:
            specs.append({"step_id": f"s{i}", "description": words})
    return specs


def step_index(step_id: str) -> int:
    """Which sentence of the flow (0-based) a step id of ``steps`` belongs to."""
    return int(step_id[1:].rstrip("abcdefghij")) - 1


# --------------------------------------------------------------------------- serving


class _SlowQuietHandler(SimpleHTTPRequestHandler):
    latency_s = LATENCY_MS / 1000

    def do_GET(self) -> None:
        time.sleep(self.latency_s)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(app: App, latency_ms: int = LATENCY_MS) -> Iterator[str]:
    """The app's directory as static files on a free loopback port (an origin of
    its own, so apps never share localStorage), each response held
    ``latency_ms``; yields its base URL."""
    handler_class = type("Handler", (_SlowQuietHandler,), {"latency_s": latency_ms / 1000})
    handler = functools.partial(handler_class, directory=str(app.root))
    with serving(handler) as url:
        yield url


# --------------------------------------------------------------------------- outcomes


@dataclass
class Outcome:
    """How one run of the flow on one app ended."""

    passed: bool
    seconds: float
    failed_step: str | None = None  # the step's words (bugbrain) or name (baseline)
    failed_step_id: str | None = None  # bugbrain's
    error_type: str | None = None
    error: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)  # bugbrain's step results

    def first_line(self) -> str:
        return (self.error or "").strip().splitlines()[0] if self.error else ""


class BaselineStepFailed(Exception):
    def __init__(self, step: str, cause: BaseException) -> None:
        super().__init__(f"{step}: {cause}")
        self.step = step
        self.cause = cause


@contextlib.contextmanager
def _step(name: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        raise BaselineStepFailed(name, exc) from exc


# --------------------------------------------------------------------------- the baseline


async def baseline_flow(page: Page, url: str, app: App) -> None:
    """The flow as an engineer writes it in Playwright for this app's markup."""
    css = app.selectors
    items = page.locator(css.item)
    count = page.locator(css.count)
    with _step("open the app"):
        await page.goto(url + "/", wait_until=css.wait_until)
    new_todo = page.locator(css.new_todo)
    for title in (FIRST, SECOND):
        with _step(f"add '{title}'"):
            await new_todo.fill(title)
            await new_todo.press("Enter")
    with _step("both are listed, 2 items left"):
        await expect(items).to_have_count(2)
        await expect(items.nth(0)).to_contain_text(FIRST)
        await expect(items.nth(1)).to_contain_text(SECOND)
        await expect(count).to_have_text(re.compile(r"^\s*2 items left\s*$"), use_inner_text=True)
    with _step(f"complete '{FIRST}'"):
        await items.filter(has_text=FIRST).locator(css.toggle).check()
        await expect(count).to_have_text(re.compile(r"^\s*1 item left\s*$"), use_inner_text=True)
    with _step("the Active filter hides it"):
        await page.locator(css.active).click()
        await expect(items.filter(has_text=FIRST)).to_be_hidden()
        await expect(items.filter(has_text=SECOND)).to_be_visible()
    with _step("back to All"):
        await page.locator(css.all).click()
        await expect(items.filter(has_text=FIRST)).to_be_visible()
    with _step(f"delete '{SECOND}'"):
        row = items.filter(has_text=SECOND)
        await row.hover()  # the delete button is shown only while its row is hovered
        await row.locator(css.destroy).click()
        await expect(items.filter(has_text=SECOND)).to_have_count(0)
    with _step("clear completed"):
        await page.locator(css.clear_completed).click()
        await expect(items).to_have_count(0)


async def run_baseline(browser: Browser, app: App, url: str) -> Outcome:
    """The hand-written flow in a fresh context of ``browser``."""
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    started = time.monotonic()
    try:
        await baseline_flow(await context.new_page(), url, app)
    except BaselineStepFailed as failed:
        return Outcome(
            False,
            time.monotonic() - started,
            failed_step=failed.step,
            error_type=type(failed.cause).__name__,
            error=str(failed.cause),
        )
    finally:
        await context.close()
    return Outcome(True, time.monotonic() - started)


# --------------------------------------------------------------------------- bugbrain


def run_spec_data(
    app: App, url: str, artifacts: Path, step_specs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A RunSpec with one test, the app's plain-English steps, as a plan with
    screenshots disabled and the default timeouts would produce."""
    return {
        "execution_id": f"exec_real_{app.name}",
        "chromium_path": CHROMIUM,
        "headless": True,
        "screenshot_mode": "disabled",
        "trace_mode": "off",
        "element_wait_timeout_ms": TIMEOUT_MS,
        "navigation_timeout_ms": NAVIGATION_TIMEOUT_MS,
        "base_url": url,
        "artifacts_dir": str(artifacts),
        "tests": [
            {
                "test_id": app.name,
                "name": f"TodoMVC {app.name}",
                "steps": step_specs if step_specs is not None else steps(flow(app)),
            }
        ],
    }


async def run_bugbrain(
    app: App, url: str, step_specs: list[dict[str, Any]] | None = None
) -> Outcome:
    """The plain-English test (or ``step_specs``) through bugbrain's runner, which
    launches a browser of its own."""
    events: list[dict[str, Any]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"bugbrain-real-{app.name}-") as artifacts:
        spec = parse_spec(run_spec_data(app, url, Path(artifacts), step_specs))
        await run_spec(spec, lambda event: events.append(dict(event)))
    seconds = time.monotonic() - started
    finished = [e["result"] for e in events if e["event"] == "test_finished"]
    if len(finished) != 1:
        return Outcome(False, seconds, error=f"the runner reported {len(finished)} results")
    result = finished[0]
    step_results: list[dict[str, Any]] = [dict(s) for s in result["steps"]]
    failed = next((s for s in step_results if s["status"] != "passed"), None)
    if result["status"] == "passed" and failed is None:
        return Outcome(True, seconds, steps=step_results)
    return Outcome(
        False,
        seconds,
        failed_step=failed["name"] if failed else None,
        failed_step_id=failed["step_id"] if failed else None,
        error_type=str(result.get("error_type") or ""),
        error=str(result.get("error") or ""),
        steps=step_results,
    )
