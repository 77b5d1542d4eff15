"""bugbrain's plain-English test and a hand-written Playwright baseline of the
same flow, on each of the real TodoMVC apps in tests/corpus/real/.

Serves each app on loopback, runs the baseline (one browser, a fresh context per
app) and bugbrain's runner (``run_spec``, a browser of its own per app, as the
worker's runner child does), and prints, per app: whether each passed, and the
first failing bugbrain step with its error; then the pass counts. Nothing leaves
the machine. The apps, the sentences and the baselines are in
tests/corpus/real_apps.py.

    .venv/bin/python bench/real_apps.py                      # every app
    .venv/bin/python bench/real_apps.py --apps react,dojo    # some
    .venv/bin/python bench/real_apps.py --phrasings all      # every delete phrasing on every app
    .venv/bin/python bench/real_apps.py --all-failures       # and what fails after the first
    .venv/bin/python bench/real_apps.py --json results.json  # also every step's result
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.corpus, when run as bench/real_apps.py

from playwright.async_api import async_playwright  # noqa: E402
from tests.corpus.real_apps import (  # noqa: E402
    APPS,
    BROWSER_ARGUMENTS,
    CHROMIUM,
    DELETE_PHRASINGS,
    LATENCY_MS,
    App,
    Outcome,
    flow,
    run_baseline,
    run_bugbrain,
    serve,
    step_index,
    steps,
)

SHORT = {phrasing: f"p{i}" for i, phrasing in enumerate(DELETE_PHRASINGS, start=1)}


def _cell(text: str, width: int = 150) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"


def _mark(outcome: Outcome) -> str:
    return "pass" if outcome.passed else "FAIL"


async def _later_failures(app: App, url: str, delete: str, first: Outcome) -> list[Outcome]:
    """What fails after the first failure: the failing sentence is swapped for its
    explicit steps (the baseline's selectors) and the test run again, until it
    passes. When the explicit steps fail too, every sentence before them is made
    explicit as well (once); an explicit step that still fails ends the search."""
    test = flow(app)
    explicit: set[int] = set()
    found: list[Outcome] = []
    outcome = first
    while not outcome.passed and outcome.failed_step_id is not None:
        index = step_index(outcome.failed_step_id)
        if index not in explicit:
            explicit.add(index)
        else:
            # Its explicit steps fail too, so the cause is earlier (an app that
            # lost what was typed before it was ready): make every step before it
            # explicit as well, once.
            earlier = set(range(index)) - explicit
            if not earlier:
                found.append(outcome)  # the explicit steps alone fail: not the words
                break
            explicit |= earlier
        outcome = await run_bugbrain(app, url, steps(test, explicit, delete))
        failed_id = outcome.failed_step_id
        if not outcome.passed and failed_id is not None and step_index(failed_id) not in explicit:
            found.append(outcome)
    return found


async def _run(
    apps: list[App], phrasings: str, all_failures: bool, latency_ms: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=BROWSER_ARGUMENTS
        )
        try:
            for app in apps:
                with serve(app, latency_ms) as url:
                    baseline = await run_baseline(browser, app, url)
                    deletes = DELETE_PHRASINGS if phrasings == "all" else (app.delete,)
                    for delete in deletes:
                        outcome = await run_bugbrain(app, url, steps(flow(app), delete=delete))
                        later = (
                            await _later_failures(app, url, delete, outcome) if all_failures else []
                        )
                        rows.append(
                            {
                                "app": app,
                                "delete": delete,
                                "baseline": baseline,
                                "bugbrain": outcome,
                                "later": later,
                            }
                        )
                        print(
                            f"  {app.name:<11} {SHORT[delete]} baseline {_mark(baseline)} "
                            f"({baseline.seconds:.1f} s), bugbrain {_mark(outcome)} "
                            f"({outcome.seconds:.1f} s)",
                            file=sys.stderr,
                            flush=True,
                        )
        finally:
            await browser.close()
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| app | delete | baseline | bugbrain | first failing bugbrain step | error |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        app: App = row["app"]
        baseline: Outcome = row["baseline"]
        outcome: Outcome = row["bugbrain"]
        base = _mark(baseline)
        if not baseline.passed:
            base += f" ({baseline.failed_step}: {_cell(baseline.first_line(), 80)})"
        failing = f"{outcome.failed_step}" if outcome.failed_step else ""
        error = f"{outcome.error_type}: {_cell(outcome.error or '')}" if not outcome.passed else ""
        lines.append(
            f"| {app.name} | {SHORT[row['delete']]} | {base} | {_mark(outcome)} | "
            f"{_cell(failing, 70)} | {error} |"
        )
    return "\n".join(lines)


def _later_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| app | delete | later failing step (earlier failures made explicit) | error |",
        "|---|---|---|---|",
    ]
    for row in rows:
        for later in row["later"]:
            step = _cell(later.failed_step or "", 70)
            error = f"{later.error_type}: {_cell(later.error or '')}"
            lines.append(f"| {row['app'].name} | {SHORT[row['delete']]} | {step} | {error} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default="all", help="comma-separated names, or 'all'")
    parser.add_argument(
        "--phrasings",
        choices=("assigned", "all"),
        default="assigned",
        help="the delete sentence each app's test uses, or all three on every app",
    )
    parser.add_argument(
        "--all-failures",
        action="store_true",
        help="after a failing sentence, run again with it made explicit (the baseline's "
        "selectors) to find what fails later; repeated until the test passes",
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=LATENCY_MS,
        help="how long the server holds each response (default %(default)s)",
    )
    parser.add_argument("--json", type=Path, help="write every step's result here")
    args = parser.parse_args()
    names = list(APPS) if args.apps == "all" else [n.strip() for n in args.apps.split(",")]
    unknown = [n for n in names if n not in APPS]
    if unknown:
        parser.error(f"unknown apps {unknown}; known: {', '.join(APPS)}")

    started = time.monotonic()
    apps = [APPS[n] for n in names]
    rows = asyncio.run(_run(apps, args.phrasings, args.all_failures, args.latency_ms))
    print()
    print(_table(rows))
    if args.all_failures:
        print()
        print(_later_table(rows))
    print()
    for phrasing, short in SHORT.items():
        print(f"{short}: {phrasing}")
    baselines = {row["app"].name: row["baseline"].passed for row in rows}
    passed = sum(row["bugbrain"].passed for row in rows)
    where = [row for row in rows if row["baseline"].passed]
    print()
    print(f"baseline passed on {sum(baselines.values())}/{len(baselines)} apps")
    print(f"bugbrain passed {passed}/{len(rows)} runs", end="")
    print(f" ({sum(r['bugbrain'].passed for r in where)}/{len(where)} where the baseline passed)")
    print(
        f"chromium: {CHROMIUM}; responses held {args.latency_ms} ms; "
        f"{time.monotonic() - started:.0f} s in all"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "app": row["app"].name,
                        "delete": row["delete"],
                        "baseline": asdict(row["baseline"]),
                        "bugbrain": asdict(row["bugbrain"]),
                        "later": [asdict(later) for later in row["later"]],
                    }
                    for row in rows
                ],
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
