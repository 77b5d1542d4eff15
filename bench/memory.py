"""Memory of an execution by concurrency: peak PSS of the runner child plus every
descendant (Playwright driver, Chromium and its helpers), sampled every ~100 ms,
for plans of N tests that each open a page and hold it ~2 s, run with
parallelism N (so N pages are open at once), for N = 1, 2, 4, 8, interleaved
round after round. Reports the median peak per N, the ratio to N = 1 measured
in the same run, and the least-squares slope: PSS per extra concurrent test.

    .venv/bin/python bench/memory.py [--rounds 3] [--hold-ms 2000]
        [--screenshot-mode MODE] [--trace-mode MODE]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time

import common
import psutil

LEVELS = (1, 2, 4, 8)
MIB = 1024 * 1024


def _runner_tree(server_pid: int) -> list[psutil.Process]:
    """The runner child(ren) of the server and all their descendants."""
    try:
        children = psutil.Process(server_pid).children()
    except psutil.NoSuchProcess:
        return []
    tree: list[psutil.Process] = []
    for child in children:
        with contextlib.suppress(psutil.Error):
            if "bugbrain.runner.child" in " ".join(child.cmdline()):
                tree.append(child)
                tree.extend(child.children(recursive=True))
    return tree


class PeakSampler:
    """Samples the summed PSS of the runner tree every ``interval`` seconds."""

    def __init__(self, server_pid: int, interval: float = 0.1) -> None:
        self.server_pid = server_pid
        self.interval = interval
        self.peak = 0
        self.peak_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            total, count = 0, 0
            for process in _runner_tree(self.server_pid):
                with contextlib.suppress(psutil.Error):
                    total += process.memory_full_info().pss
                    count += 1
            if count:
                self.samples += 1
                if total > self.peak:
                    self.peak, self.peak_processes = total, count
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def slope(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares: (slope, intercept)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx
    return b, my - b * mx


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hold-ms", type=int, default=2000)
    parser.add_argument(
        "--screenshot-mode", help="plan screenshot_mode (default: the plan default)"
    )
    parser.add_argument("--trace-mode", help="plan trace_mode (default: the plan default)")
    args = parser.parse_args()
    info = common.print_machine()
    steps = [
        {"description": "Open catalog page", "action": "navigate", "value": "/about"},
        {"description": "Hold the page", "action": "wait", "value": str(args.hold_ms)},
    ]
    extra = {"screenshot_mode": args.screenshot_mode} if args.screenshot_mode else {}
    if args.trace_mode:
        extra["trace_mode"] = args.trace_mode
    peaks: dict[int, list[float]] = {level: [] for level in LEVELS}
    procs: dict[int, list[int]] = {level: [] for level in LEVELS}
    with common.stack(workers=1) as env:
        source = env.source
        assert env.server.proc is not None
        server_pid = env.server.proc.pid
        plans = {
            level: common.seed_plan(
                env.api,
                env.shop.url,
                {f"hold_{i + 1}": steps for i in range(level)},
                name=f"p{level}",
                parallelism=level,
                **extra,
            )
            for level in LEVELS
        }
        for round_no in range(-1, args.rounds):  # one warm-up round
            line = []
            for level in LEVELS:
                with PeakSampler(server_pid) as sampler:
                    seconds, answer = common.run_execution(env.api, *plans[level])
                if answer["passed_tests"] != level:
                    print(f"  p{level} did not pass every test: {answer.get('failure_message')}")
                    return 1
                line.append(
                    f"p{level}={sampler.peak / MIB:.0f} MiB/{sampler.peak_processes} procs "
                    f"({seconds:.1f}s, {sampler.samples} samples)"
                )
                if round_no >= 0:
                    peaks[level].append(sampler.peak / MIB)
                    procs[level].append(sampler.peak_processes)
            label = "warm-up" if round_no < 0 else f"round {round_no + 1}/{args.rounds}"
            print(f"{label:<12} " + "  ".join(line), flush=True)

    med = {level: common.median(peaks[level]) for level in LEVELS}
    per_test, base = slope([float(x) for x in LEVELS], [med[x] for x in LEVELS])
    rows = [
        [
            str(level),
            f"{med[level]:.0f} MiB",
            f"{common.ratio(med[level], med[1]):.2f}",
            str(int(common.median(procs[level]))),
            ", ".join(f"{p:.0f}" for p in peaks[level]),
        ]
        for level in LEVELS
    ]
    headers = ["concurrent tests", "median peak PSS", "vs 1", "processes", "rounds (MiB)"]
    summary = (
        f"PSS per extra concurrent test (least-squares slope over the medians): "
        f"{per_test:.0f} MiB; intercept (runner + browser with no page) {base:.0f} MiB."
    )
    print()
    print(common.table(headers, rows))
    print(summary)
    print("\nMarkdown:\n")
    print(common.machine_markdown(info))
    print(f"bugbrain: snapshot of src/ with sha256 {source}.")
    mode = (
        f"{args.screenshot_mode or 'plan default'}, trace_mode {args.trace_mode or 'plan default'}"
    )
    print(
        f"Tests hold a page {args.hold_ms} ms; screenshot_mode {mode}; "
        f"{args.rounds} rounds interleaved; PSS sampled every 100 ms.\n"
    )
    print(common.markdown_table(headers, rows))
    print()
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
