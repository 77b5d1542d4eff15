"""What Playwright's own tracing costs a hand-written script: the floor under
bugbrain's every-step screenshots made from DOM snapshots (issue 10).

The 20 demo-shop tests as the plain Playwright script of ``vs_playwright.py``
(variant b), each test's context traced, in four modes, interleaved round
after round (one warm-up round first, not counted):

  trace        ``tracing.start(snapshots=False)``, the trace discarded: what
               bugbrain's default ``trace_mode: on_failure`` does on a pass
  snap         ``snapshots=True``, every trace saved: what every-step
               screenshots from DOM snapshots need
  group        snap, each step inside ``tracing.group`` / ``group_end``, awaited
               (two round trips to the driver a step)
  group-sent   snap, each step's group opened and closed without awaiting the
               answers, collected at the end of the test (``runner.internal_calls.
               TraceGroups``, what the runner does)

Prints the median wall time, time inside the tests, CPU of every process, and
each mode's ratio to ``trace``.

    .venv/bin/python bench/trace_cost.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import shop_plan

MODES = ("trace", "snap", "group", "group-sent")
_OPEN = {
    "group": "await page.context.tracing.group('step')",
    "group-sent": "SENT.append(page.context.tracing._impl_obj._channel.tracingGroup("
    "name='step', location=None))",
}
_CLOSE = {
    "group": "await page.context.tracing.group_end()",
    "group-sent": "SENT.append(page.context.tracing._impl_obj._channel.tracingGroupEnd())",
}


def traced_script(traces: Path) -> str:
    """``shop_plan.async_script`` with the mode (``sys.argv[2]``) applied to it."""
    lines, in_test = [], False
    for line in shop_plan.async_script(shop_plan.TESTS).splitlines():
        if line.startswith("async def test_"):
            in_test = True
        elif not line.startswith(" "):
            in_test = False
        is_step = line.startswith("    await ") or line.startswith("    response = await")
        if in_test and is_step:
            lines += [f"    if MODE == {m!r}: {code}" for m, code in _OPEN.items()]
            lines.append(line)
            lines += [f"    if MODE == {m!r}: {code}" for m, code in _CLOSE.items()]
        else:
            lines.append(line)
    script = "\n".join(lines) + "\n"
    script = script.replace("PHASES = {", "MODE = sys.argv[2]\nSENT = []\nPHASES = {", 1).replace(
        "            page = await context.new_page()\n",
        "            await context.tracing.start(screenshots=False, snapshots=MODE != 'trace')\n"
        "            page = await context.new_page()\n",
    )
    return script.replace(
        "            finally:\n                await context.close()\n",
        "            finally:\n"
        "                await asyncio.gather(*SENT)\n"
        "                SENT.clear()\n"
        "                if MODE == 'trace':\n"
        "                    await context.tracing.stop()\n"
        "                else:\n"
        f"                    await context.tracing.stop(path={str(traces)!r} + '/trace.zip')\n"
        "                await context.close()\n",
    )


def run(script: Path, url: str, mode: str) -> tuple[float, float, float]:
    """(wall s, s inside the tests, CPU s of the script and its browser)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(script), url, mode], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    if answer["passed"] != len(shop_plan.TESTS):
        raise RuntimeError(f"{mode}: {answer}")
    return wall, sum(t["ms"] for t in answer["tests"].values()) / 1000, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    common.print_machine()
    results: dict[str, list[tuple[float, float, float]]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory(prefix="bugbrain-trace-cost-") as tmp:
        script = Path(tmp) / "pw_traced.py"
        script.write_text(traced_script(Path(tmp)))
        shop = common.Shop()
        shop.start()
        try:
            for round_no in range(-1, args.rounds):
                cells = []
                for mode in MODES:
                    measured = run(script, shop.url, mode)
                    cells.append(f"{mode}={measured[0]:.2f}s")
                    if round_no >= 0:
                        results[mode].append(measured)
                label = "warm-up" if round_no < 0 else f"round {round_no + 1}/{args.rounds}"
                print(f"{label:<12} " + "  ".join(cells), flush=True)
        finally:
            shop.stop()
    medians = {
        m: [statistics.median(r[i] for r in rs) for i in range(3)] for m, rs in results.items()
    }
    base = medians["trace"]
    print("\n| mode | wall | × trace | in tests | × trace | CPU | × trace |")
    print("|---|---|---|---|---|---|---|")
    for mode, (wall, in_test, cpu) in medians.items():
        print(
            f"| {mode} | {wall:.2f} s | {wall / base[0]:.2f} | {in_test:.2f} s | "
            f"{in_test / base[1]:.2f} | {cpu:.2f} s | {cpu / base[2]:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
