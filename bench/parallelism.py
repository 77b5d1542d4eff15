"""Speed-up of a plan's ``parallelism``: 16 tests that each open a page and wait
~1000 ms, run through the API with parallelism 1 and with parallelism 4,
interleaved round after round. Reports the median wall time of each (from the
synchronous ``POST /api/v1/executions`` to its answer) and the speed-up
median(p1) / median(p4). Target: >= 3x.

As a baseline measured in the same run, a plain asyncio Playwright script does
the same 16 tests (one browser, a fresh context per test, the runner's launch
arguments) with 1 and with 4 at a time: the speed-up the machine itself allows.

    .venv/bin/python bench/parallelism.py [--rounds 3] [--wait-ms 1000]
        [--screenshot-mode MODE] [--trace-mode MODE] [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import common

TARGET = 3.0
TESTS = 16
LEVELS = (1, 4)

BASELINE = f"""
import asyncio, sys
from playwright.async_api import async_playwright

async def main(base_url, parallelism, wait_ms, count):
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path={common.CHROMIUM!r}, headless=True, args={common.BROWSER_ARGS!r}
        )
        gate = asyncio.Semaphore(parallelism)

        async def one():
            async with gate:
                context = await browser.new_context(
                    base_url=base_url, viewport={common.VIEWPORT!r}
                )
                context.set_default_timeout({common.ELEMENT_TIMEOUT_MS})
                context.set_default_navigation_timeout({common.NAVIGATION_TIMEOUT_MS})
                page = await context.new_page()
                response = await page.goto("/about")
                assert response is not None and response.ok
                await page.wait_for_timeout(wait_ms)
                await context.close()
                return True

        done = await asyncio.gather(*(one() for _ in range(count)))
        await browser.close()
    print(sum(done))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
"""


def run_baseline(script: Path, base_url: str, level: int, wait_ms: int) -> tuple[float, int]:
    start = time.perf_counter()
    out = subprocess.run(
        [common.PYTHON, str(script), base_url, str(level), str(wait_ms), str(TESTS)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - start
    try:
        passed = int(json.loads(out.stdout.strip().splitlines()[-1]))
    except (IndexError, ValueError):
        print(out.stderr[-2000:])
        passed = 0
    return seconds, passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded rounds first")
    parser.add_argument("--wait-ms", type=int, default=1000)
    parser.add_argument(
        "--screenshot-mode", help="plan screenshot_mode (default: the plan default)"
    )
    parser.add_argument("--trace-mode", help="plan trace_mode (default: the plan default)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the Playwright baseline")
    args = parser.parse_args()
    info = common.print_machine()
    steps = [
        {"description": "Open about", "action": "navigate", "value": "/about"},
        {"description": "Dwell", "action": "wait", "value": str(args.wait_ms)},
    ]
    tests = {f"dwell_{i + 1:02d}": steps for i in range(TESTS)}
    extra = {"screenshot_mode": args.screenshot_mode} if args.screenshot_mode else {}
    if args.trace_mode:
        extra["trace_mode"] = args.trace_mode
    keys = [f"bugbrain p{level}" for level in LEVELS]
    if not args.no_baseline:
        keys += [f"playwright p{level}" for level in LEVELS]
    times: dict[str, list[float]] = {key: [] for key in keys}
    with common.stack(workers=1) as env:
        source = env.source
        script = env.tmp / "parallel_baseline.py"
        script.write_text(BASELINE)
        plans = {
            level: common.seed_plan(
                env.api, env.shop.url, tests, name=f"p{level}", parallelism=level, **extra
            )
            for level in LEVELS
        }
        for round_no in range(-args.warmup, args.rounds):
            line = []
            for key in keys:
                level = int(key.rsplit("p", 1)[1])
                if key.startswith("bugbrain"):
                    seconds, answer = common.run_execution(env.api, *plans[level])
                    passed = answer["passed_tests"]
                    why = answer.get("failure_message")
                else:
                    seconds, passed = run_baseline(script, env.shop.url, level, args.wait_ms)
                    why = "see above"
                line.append(f"{key}={seconds:.2f}s ({passed}/{TESTS})")
                if passed != TESTS:
                    print(f"  {key} did not pass every test: {why}")
                    return 1
                if round_no >= 0:
                    times[key].append(seconds)
            label = "warm-up" if round_no < 0 else f"round {round_no + 1}/{args.rounds}"
            print(f"{label:<12} " + "  ".join(line), flush=True)

    med = {key: common.median(values) for key, values in times.items()}
    rows = [
        [key, common.fmt_s(med[key]), ", ".join(f"{t:.2f}" for t in times[key])] for key in keys
    ]

    def speedup(runner: str) -> tuple[float, list[float]]:
        one, four = times[f"{runner} p1"], times[f"{runner} p4"]
        per_round = [common.ratio(a, b) for a, b in zip(one, four, strict=True)]
        return common.ratio(med[f"{runner} p1"], med[f"{runner} p4"]), per_round

    value, per_round = speedup("bugbrain")
    verdict = "met" if value >= TARGET else "MISSED"
    lines = [
        f"bugbrain speed-up p1/p4 = {value:.2f}x (target >= {TARGET}x: {verdict}); per round: "
        + ", ".join(f"{r:.2f}x" for r in per_round)
    ]
    if not args.no_baseline:
        base, base_rounds = speedup("playwright")
        lines.append(
            f"plain Playwright speed-up p1/p4 = {base:.2f}x; per round: "
            + ", ".join(f"{r:.2f}x" for r in base_rounds)
        )
        p1 = common.ratio(med["bugbrain p1"], med["playwright p1"])
        p4 = common.ratio(med["bugbrain p4"], med["playwright p4"])
        lines.append(f"bugbrain / Playwright wall time: p1 {p1:.2f}, p4 {p4:.2f}")
    ideal = TESTS * args.wait_ms / 1000
    lines.append(f"Pure waiting alone would be {ideal:.0f} s vs {ideal / 4:.0f} s.")
    headers = ["runner", "median wall", "rounds (s)"]
    print()
    print(common.table(headers, rows))
    print("\n".join(lines))
    print("\nMarkdown:\n")
    print(common.machine_markdown(info))
    print(f"bugbrain: snapshot of src/ with sha256 {source}.")
    shots = args.screenshot_mode or "plan default"
    trace = args.trace_mode or "plan default"
    print(
        f"{TESTS} tests x (navigate + wait {args.wait_ms} ms), screenshot_mode {shots}, "
        f"trace_mode {trace}, {args.rounds} rounds interleaved.\n"
    )
    print(common.markdown_table(headers, rows))
    print()
    print("\n".join(f"- {line}" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
