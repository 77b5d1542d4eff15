"""bugbrain vs a hand-written Playwright script vs pytest-playwright.

The same 20 demo-shop tests (bench/shop_plan.py) run, interleaved, round after round:

  a   bugbrain: synchronous ``POST /api/v1/executions`` until the answer (terminal
      status), plan with ``screenshot_mode: "disabled"`` and parallelism 1
  b   a plain asyncio Playwright script (one browser, one fresh context per test),
      started as a subprocess
  c   pytest-playwright running one test function per test case, as a subprocess
  ct  pytest-playwright with ``--tracing retain-on-failure`` (informational): what
      bugbrain's default ``trace_mode: "on_failure"`` does, so a's like for like
  a+  bugbrain again with ``screenshot_mode: "every_step"``: the
      plan default, whose passing steps' screenshots are DOM snapshots in the
      trace (``screenshot_source: "dom_snapshot"``), rendered when first opened
  ap  a+ with ``screenshot_source: "pixels"`` (informational, ``--pixels``): every
      step's frame captured as it ends
  a0  bugbrain with screenshots disabled and ``trace_mode: "off"`` (informational;
      only where the API has ``trace_mode``, whose default records a Playwright
      trace of every test and keeps it on failure)
  as  bugbrain as a with ``trace_snapshots: true`` (informational): DOM snapshots
      around every traced action, as pytest-playwright's traces have
  a1  bugbrain as a, on test cases that never ran before (informational): each
      round seeds new ones, so every element step reads its fingerprint for
      self-healing, which later runs skip while the stored one is recent
  w   bugbrain as a, on the same tests written in plain English
      (``shop_plan.WORDS``), with the default ``page_ready: "network_quiet"``:
      the first step in words after each navigation waits for a quiet network
  w+  w with ``screenshot_mode: "every_step"`` (with a+; the plan default
      ``screenshot_source: "dom_snapshot"``). a+/a and w+/w are issue 10's bar:
      every-step screenshots cost at most 1.15x none
  wl  w with ``page_ready: "load"`` (the load event only); w/wl is what the
      quiet wait costs (a's steps are explicit: it never waits)

Every variant launches the same Chromium with the same arguments, viewport and
timeouts, and starts a process of its own, so start-up counts for all, with one
difference that is the product's: the server keeps a warm runner per worker
(started, Chromium launched, after the previous execution), so bugbrain's
start-up happens before the API call. ``BUGBRAIN_WARM_RUNNERS=0`` in the
environment measures it with runners started cold. Wall times are medians over the rounds; the
ratios compare medians of the same run. Every run must pass all 20 tests.

    .venv/bin/python bench/vs_playwright.py [--rounds 5] [--warmup 1] [--no-every-step] ...
    (--help lists the switches that leave variants out)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common
import psutil
import shop_plan

TARGET_B = 1.15
# Every-step screenshots (the plan default) against none (issue 10).
TARGET_SCREENSHOTS = 1.15
TARGET_C = 1.0


@dataclass
class Run:
    seconds: float
    passed: int
    failed: int
    test_ms: float | None = None  # time inside the tests, as the runner itself reports it
    errors: list[str] = field(default_factory=list)
    cpu: float | None = None  # CPU seconds of every process involved
    # Steps that waited for the page to be ready (runner/readiness.py), and the
    # sum of their ready_ms: what the readiness wait took in this run.
    waits: int | None = None
    ready_ms: int | None = None


def _children_cpu() -> float:
    """CPU seconds of our reaped descendants (each level reaps the one below)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _server_cpu(pid: int) -> float:
    """CPU seconds of the server plus its reaped children (the runner and its tree)."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_bugbrain(api: common.Api, server_pid: int, project_id: str, plan_id: str) -> Run:
    cpu = _server_cpu(server_pid)
    seconds, answer = common.run_execution(api, project_id, plan_id)
    cpu = _server_cpu(server_pid) - cpu
    tests = answer["results"]["test_results"]
    passed = sum(1 for t in tests if t["status"] == "passed")
    errors = [f"{t['name']}: {t.get('error')}" for t in tests if t["status"] != "passed"]
    if answer["status"] != "completed":
        errors.insert(0, f"execution {answer['status']}: {answer.get('failure_message')}")
    # Read after the timing: the full results, for the readiness waits of the steps.
    full = api.call("GET", f"/api/v1/executions/{answer['id']}/results")
    waited = [
        step["ready_ms"]
        for test in full["test_results"]
        for step in test.get("steps") or []
        if step.get("ready_ms") is not None
    ]
    return Run(
        seconds,
        passed,
        len(tests) - passed,
        test_ms=sum(t.get("duration_ms") or 0 for t in tests),
        errors=errors,
        cpu=cpu,
        waits=len(waited),
        ready_ms=sum(waited),
    )


def run_script(script: Path, shop_url: str) -> Run:
    cpu = _children_cpu()
    start = time.perf_counter()
    out = subprocess.run(
        [common.PYTHON, str(script), shop_url],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=script.parent,
        timeout=900,
        check=False,
    )
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    try:
        summary = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return Run(seconds, 0, len(shop_plan.TESTS), errors=[out.stderr[-2000:]])
    tests = summary["tests"]
    errors = [f"{name}: {r['error']}" for name, r in tests.items() if r["error"]]
    return Run(
        seconds,
        summary["passed"],
        summary["failed"],
        test_ms=sum(r["ms"] for r in tests.values()),
        errors=errors,
        cpu=cpu,
    )


def run_pytest(directory: Path, shop_url: str, *extra: str) -> Run:
    cpu = _children_cpu()
    start = time.perf_counter()
    out = subprocess.run(
        [
            *(common.PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("-c", str(directory / "pytest.ini"), "--rootdir", str(directory)),
            *("--base-url", shop_url, "--browser", "chromium", *extra, "test_shop.py"),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=directory,
        timeout=900,
        check=False,
    )
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    tail = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", tail)) else 0
    failed = int(m.group(1)) if (m := re.search(r"(\d+) (failed|error)", tail)) else 0
    errors = [] if out.returncode == 0 else [(out.stdout + out.stderr)[-3000:]]
    return Run(seconds, passed, failed, errors=errors, cpu=cpu)


def _readiness(runs: list[Run]) -> str:
    waited = [r for r in runs if r.waits]
    if not waited:
        return "—"
    steps = common.median([float(r.waits or 0) for r in waited])
    total = common.median([float(r.ready_ms or 0) for r in waited])
    return f"{steps:.0f}, {total / 1000:.2f} s"


def write_baselines(directory: Path) -> Path:
    script = directory / "pw_script.py"
    script.write_text(shop_plan.async_script(shop_plan.TESTS))
    (directory / "test_shop.py").write_text(shop_plan.pytest_file(shop_plan.TESTS))
    (directory / "conftest.py").write_text(shop_plan.pytest_conftest())
    (directory / "pytest.ini").write_text("[pytest]\n")
    return script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded rounds first")
    parser.add_argument(
        "--no-every-step", action="store_true", help="skip the screenshots-on variant"
    )
    parser.add_argument(
        "--no-trace-off", action="store_true", help="skip the trace_mode off variant"
    )
    parser.add_argument(
        "--no-trace-snapshots", action="store_true", help="skip the trace_snapshots variant"
    )
    parser.add_argument(
        "--pixels", action="store_true", help="add every_step screenshots captured as pixels"
    )
    parser.add_argument(
        "--no-traced-pytest", action="store_true", help="skip pytest-playwright with traces"
    )
    parser.add_argument(
        "--no-first-run", action="store_true", help="skip the never-ran-before variant"
    )
    parser.add_argument(
        "--no-words", action="store_true", help="skip the plain-English variants (w, wl)"
    )
    parser.add_argument("--keep", type=Path, help="also copy the generated baselines here")
    args = parser.parse_args()

    info = common.print_machine()
    total = len(shop_plan.TESTS)
    steps = sum(len(s) for s in shop_plan.TESTS.values())
    words = sum(len(s) for s in shop_plan.WORDS.values())
    print(f"{total} tests, {steps} steps ({words} in the plain-English plan);", end=" ")
    print(f"{args.rounds} rounds (+{args.warmup} warm-up)\n")

    with common.stack(workers=1) as env:
        base = env.shop.url
        source = env.source
        assert env.server.proc is not None
        server_pid = env.server.proc.pid
        gen = env.tmp / "baselines"
        gen.mkdir()
        script = write_baselines(gen)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in gen.iterdir():
                (args.keep / path.name).write_text(path.read_text())
        project_id, plan_off = common.seed_plan(
            env.api, base, shop_plan.TESTS, screenshot_mode="disabled", parallelism=1
        )
        case_ids = env.api.call("GET", f"/api/v1/test-plans/{plan_off}")["test_case_ids"]

        def another_plan(name: str, **settings: Any) -> str | None:
            body = {"project_id": project_id, "name": name, "test_case_ids": case_ids}
            try:
                return str(env.api.call("POST", "/api/v1/test-plans", {**body, **settings})["id"])
            except RuntimeError as exc:  # e.g. a setting this version does not have
                print(f"(no plan {name}: {exc})")
                return None

        plan_on = another_plan("bench every_step", screenshot_mode="every_step", parallelism=1)
        plan_px = another_plan(
            "bench every_step pixels",
            screenshot_mode="every_step",
            screenshot_source="pixels",
            parallelism=1,
        )
        plan_ts = another_plan(
            "bench trace snapshots", screenshot_mode="disabled", parallelism=1, trace_snapshots=True
        )
        plan_nt = another_plan(
            "bench no trace", screenshot_mode="disabled", parallelism=1, trace_mode="off"
        )

        variants: dict[str, Any] = {
            "a": (
                "bugbrain (screenshots disabled)",
                lambda: run_bugbrain(env.api, server_pid, project_id, plan_off),
            ),
            "b": ("Playwright script (async)", lambda: run_script(script, base)),
            "c": ("pytest-playwright", lambda: run_pytest(gen, base)),
        }
        if not args.no_traced_pytest:
            variants["ct"] = (
                "pytest-playwright (--tracing retain-on-failure)",
                lambda: run_pytest(
                    gen, base, "--tracing", "retain-on-failure", "--output", str(gen / "out")
                ),
            )
        if not args.no_every_step and plan_on:
            variants["a+"] = (
                "bugbrain (every_step screenshots)",
                lambda: run_bugbrain(env.api, server_pid, project_id, plan_on),
            )
        if args.pixels and plan_px:
            variants["ap"] = (
                "bugbrain (every_step screenshots, pixels)",
                lambda: run_bugbrain(env.api, server_pid, project_id, plan_px),
            )
        if not args.no_trace_off and plan_nt:
            variants["a0"] = (
                "bugbrain (screenshots disabled, trace off)",
                lambda: run_bugbrain(env.api, server_pid, project_id, plan_nt),
            )
        if not args.no_trace_snapshots and plan_ts:
            variants["as"] = (
                "bugbrain (screenshots disabled, trace_snapshots)",
                lambda: run_bugbrain(env.api, server_pid, project_id, plan_ts),
            )
        if not args.no_first_run:

            def first_run() -> Run:
                fresh_project, fresh_plan = common.seed_plan(
                    env.api, base, shop_plan.TESTS, screenshot_mode="disabled", parallelism=1
                )
                return run_bugbrain(env.api, server_pid, fresh_project, fresh_plan)

            variants["a1"] = ("bugbrain (screenshots disabled, first run)", first_run)
        if not args.no_words:
            words_project, plan_w = common.seed_plan(
                env.api,
                base,
                shop_plan.WORDS_TESTS,
                name="bench words",
                screenshot_mode="disabled",
                parallelism=1,
            )
            words_cases = env.api.call("GET", f"/api/v1/test-plans/{plan_w}")["test_case_ids"]
            plan_wl = str(
                env.api.call(
                    "POST",
                    "/api/v1/test-plans",
                    {
                        "project_id": words_project,
                        "name": "bench words load",
                        "test_case_ids": words_cases,
                        "screenshot_mode": "disabled",
                        "parallelism": 1,
                        "page_ready": "load",
                    },
                )["id"]
            )
            variants["w"] = (
                "bugbrain, plain English (page_ready network_quiet)",
                lambda: run_bugbrain(env.api, server_pid, words_project, plan_w),
            )
            variants["wl"] = (
                "bugbrain, plain English (page_ready load)",
                lambda: run_bugbrain(env.api, server_pid, words_project, plan_wl),
            )
            if not args.no_every_step:
                plan_wplus = str(
                    env.api.call(
                        "POST",
                        "/api/v1/test-plans",
                        {
                            "project_id": words_project,
                            "name": "bench words every_step",
                            "test_case_ids": words_cases,
                            "screenshot_mode": "every_step",
                            "parallelism": 1,
                        },
                    )["id"]
                )
                variants["w+"] = (
                    "bugbrain, plain English (every_step screenshots)",
                    lambda: run_bugbrain(env.api, server_pid, words_project, plan_wplus),
                )
        runs: dict[str, list[Run]] = {key: [] for key in variants}
        for round_no in range(-args.warmup, args.rounds):
            label = "warm-up" if round_no < 0 else f"round {round_no + 1}/{args.rounds}"
            line = []
            for key, (_name, fn) in variants.items():
                run = fn()
                line.append(f"{key}={run.seconds:.2f}s ({run.passed}/{total})")
                if run.errors:
                    print(f"  {key} failures:\n    " + "\n    ".join(run.errors[:5]))
                if round_no >= 0:
                    runs[key].append(run)
            print(f"{label:<12} " + "  ".join(line), flush=True)

    med = {key: common.median([r.seconds for r in rs]) for key, rs in runs.items()}
    all_pass = all(r.passed == total and r.failed == 0 for rs in runs.values() for r in rs)
    rows = []
    for key, (name, _fn) in variants.items():
        rs = runs[key]
        inside = [r.test_ms for r in rs if r.test_ms is not None]
        cpu = [r.cpu for r in rs if r.cpu is not None]
        rows.append(
            [
                key,
                name,
                common.fmt_s(med[key]),
                f"{min(r.seconds for r in rs):.2f} to {max(r.seconds for r in rs):.2f} s",
                f"{common.median(inside) / 1000:.2f} s" if inside else "—",
                f"{common.median(cpu):.1f} s" if cpu else "—",
                _readiness(rs),
                ", ".join(f"{r.passed}/{total}" for r in rs),
            ]
        )
    headers = [
        "",
        "runner",
        "median wall",
        "range",
        "median in-test",
        "median CPU",
        "readiness waits: steps, sum of ready_ms (median)",
        "passed per round",
    ]

    def ratio_row(top: str, bottom: str, target: float | None) -> list[str]:
        value = common.ratio(med[top], med[bottom])
        per_round = [
            common.ratio(x.seconds, y.seconds) for x, y in zip(runs[top], runs[bottom], strict=True)
        ]
        verdict = "(info)" if target is None else ("met" if value <= target else "MISSED")
        return [
            f"{top}/{bottom}",
            f"{value:.2f}",
            f"{common.median(per_round):.2f}",
            "—" if target is None else f"≤ {target}",
            verdict,
        ]

    ratios = [ratio_row("a", "b", TARGET_B), ratio_row("a", "c", TARGET_C)]
    if "ct" in med:
        ratios += [ratio_row("a", "ct", None)]
    if "a+" in med:
        ratios += [ratio_row("a+", "b", None), ratio_row("a+", "a", TARGET_SCREENSHOTS)]
    if "ap" in med:
        ratios += [ratio_row("ap", "a", None)]
    if "a0" in med:
        ratios += [ratio_row("a0", "b", None), ratio_row("a0", "c", None)]
    if "as" in med:
        ratios += [ratio_row("as", base, None) for base in ("c", "ct") if base in med]
    if "a1" in med:
        ratios += [ratio_row("a1", "b", None), ratio_row("a1", "c", None)]
    if "w" in med:
        ratios += [ratio_row("w", "wl", None), ratio_row("w", "b", None)]
        ratios += [ratio_row("wl", "b", None), ratio_row("w", "a", None)]
    if "w+" in med:
        ratios += [ratio_row("w+", "w", TARGET_SCREENSHOTS)]
    ratio_headers = ["ratio", "of medians", "median of per-round", "target", ""]
    print()
    print(common.table(headers, rows))
    print()
    print(common.table(ratio_headers, ratios))
    print("\nall runs passed all tests" if all_pass else "\nSOME RUNS FAILED TESTS: invalid")
    print("\nMarkdown:\n")
    print(common.machine_markdown(info))
    print(f"bugbrain: snapshot of src/ with sha256 {source}.")
    print(f"{total} tests / {steps} steps, {args.rounds} rounds interleaved.\n")
    print(common.markdown_table(headers, rows))
    print()
    print(common.markdown_table(ratio_headers, ratios))
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main())
