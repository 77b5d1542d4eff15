"""Where bugbrain's time goes, next to the plain Playwright script (vs_playwright's b).

For the 20 tests of bench/shop_plan.py, interleaved round after round:

  api        synchronous ``POST /api/v1/executions`` (screenshots disabled), as in
             vs_playwright's a
  child      the runner child alone (``python -m bugbrain.runner.child spec.json``),
             no server: API, queue, worker and database are left out
  child-nt   the same with ``trace_mode: "off"`` (the plan default records a
             Playwright trace of every test, kept on failure)
  child-nh   the child with ``healing: "off"`` (no element fingerprint per step)
  script     the Playwright script with a timer around each step

Each is cut into phases (process start to browser launched, tests, teardown),
and steps are compared action by action (median ms per step).

    .venv/bin/python bench/profile_runner.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import common
import psutil
import shop_plan


def spec_for(base_url: str, artifacts: Path, **extra: Any) -> dict[str, Any]:
    tests = [
        {
            "position": position,
            "test_id": f"t{position}",
            "name": name,
            "steps": [{"step_id": f"step_{i + 1}", **step} for i, step in enumerate(steps)],
        }
        for position, (name, steps) in enumerate(shop_plan.TESTS.items())
    ]
    return {
        "execution_id": "profile",
        "artifacts_dir": str(artifacts),
        "chromium_path": common.CHROMIUM,
        "headless": True,
        "navigation_timeout_ms": common.NAVIGATION_TIMEOUT_MS,
        "element_wait_timeout_ms": common.ELEMENT_TIMEOUT_MS,
        "screenshot_mode": "disabled",
        "parallelism": 1,
        "base_url": base_url,
        "tests": tests,
        **extra,
    }


def _children_cpu() -> float:
    """CPU seconds of every waited-for descendant so far (the whole tree, as each
    level reaps the one below it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(spec_path: Path, src: Path) -> dict[str, Any]:
    """Run the runner child; time-stamp each event line as it arrives."""
    cpu = _children_cpu()
    start = time.time()
    proc = subprocess.Popen(
        [common.PYTHON, "-m", "bugbrain.runner.child", str(spec_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**common.with_src(src), "PYTHONUNBUFFERED": "1"},
    )
    events: list[tuple[float, dict[str, Any]]] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            events.append((time.time(), json.loads(line)))

    reader = threading.Thread(target=pump)
    reader.start()
    proc.wait(timeout=900)
    reader.join()
    end = time.time()
    cpu = _children_cpu() - cpu
    at = {e["event"]: t for t, e in events if e["event"] in ("browser_started", "done")}
    finished = [(t, e) for t, e in events if e["event"] == "test_finished"]
    first_test = min(t for t, e in events if e["event"] == "test_started")
    steps = [
        (step["action"], step["duration_ms"] / 1000)
        for _t, e in finished
        for step in e["result"]["steps"]
    ]
    passed = sum(1 for _t, e in finished if e["result"]["status"] == "passed")
    return {
        "wall": end - start,
        "startup": at["browser_started"] - start,
        "to_first_test": first_test - start,
        "tests": max(t for t, _e in finished) - first_test,
        "teardown": end - max(t for t, _e in finished),
        "in_tests": sum(e["result"]["duration_ms"] for _t, e in finished) / 1000,
        "steps": steps,
        "passed": passed,
        "cpu": cpu,
    }


def run_script(script: Path, base_url: str) -> dict[str, Any]:
    cpu = _children_cpu()
    start = time.time()
    out = subprocess.run(
        [common.PYTHON, str(script), base_url],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    end = time.time()
    cpu = _children_cpu() - cpu
    data = json.loads(out.stdout.strip().splitlines()[-1])
    phases = data["phases"]
    return {
        "wall": end - start,
        "startup": phases["launched"] - start,
        "to_first_test": phases["launched"] - start,
        "tests": phases["tests_done"] - phases["launched"],
        "teardown": end - phases["tests_done"],
        "in_tests": sum(r["ms"] for r in data["tests"].values()) / 1000,
        "steps": [tuple(s) for s in data["steps"]],
        "passed": data["passed"],
        "imports": phases["imported"] - start,
        "cpu": cpu,
    }


class ChildWatch:
    """Polls the server's children every 10 ms: when the runner child appeared
    and when it was gone (reaped)."""

    def __init__(self, server_pid: int) -> None:
        self.server = psutil.Process(server_pid)
        self.appeared: float | None = None
        self.gone: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        seen = False
        while not self._stop.is_set():
            try:
                running = any(
                    "bugbrain.runner.child" in " ".join(c.cmdline()) for c in self.server.children()
                )
            except psutil.Error:
                running = seen
            now = time.perf_counter()
            if running and not seen:
                seen, self.appeared = True, now
            elif seen and not running and self.gone is None:
                self.gone = now
            time.sleep(0.01)

    def __enter__(self) -> ChildWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_api(env: common.Stack, project_id: str, plan_id: str) -> dict[str, Any]:
    assert env.server.proc is not None
    with ChildWatch(env.server.proc.pid) as watch:
        start = time.perf_counter()
        seconds, answer = common.run_execution(env.api, project_id, plan_id)
        end = time.perf_counter()
    tests = answer["results"]["test_results"]
    out = {
        "wall": seconds,
        "in_tests": sum(t["duration_ms"] for t in tests) / 1000,
        "passed": sum(1 for t in tests if t["status"] == "passed"),
    }
    if watch.appeared is not None and watch.gone is not None:
        out["before_child"] = watch.appeared - start
        out["child_life"] = watch.gone - watch.appeared
        out["after_child"] = end - watch.gone
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    common.print_machine()
    with common.stack(workers=1) as env:
        src = env.tmp / "src"
        base = env.shop.url
        script = env.tmp / "timed_script.py"
        script.write_text(shop_plan.async_script(shop_plan.TESTS, timed=True))
        specs = {}
        child_variants: tuple[tuple[str, dict[str, Any]], ...] = (
            ("child", {}),
            ("child-nt", {"trace_mode": "off"}),
            ("child-nh", {"healing": "off"}),
        )
        for key, extra in child_variants:
            artifacts = env.tmp / f"artifacts-{key}"
            artifacts.mkdir()
            specs[key] = env.tmp / f"spec-{key}.json"
            specs[key].write_text(json.dumps(spec_for(base, artifacts, **extra)))
        project_id, plan_id = common.seed_plan(
            env.api, base, shop_plan.TESTS, screenshot_mode="disabled", parallelism=1
        )
        variants = {
            "api": lambda: run_api(env, project_id, plan_id),
            "child": lambda: run_child(specs["child"], src),
            "child-nt": lambda: run_child(specs["child-nt"], src),
            "child-nh": lambda: run_child(specs["child-nh"], src),
            "script": lambda: run_script(script, base),
        }
        results: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for round_no in range(-1, args.rounds):  # one warm-up round
            line = []
            for key, fn in variants.items():
                result = fn()
                line.append(f"{key}={result['wall']:.2f}s ({result['passed']}/20)")
                if round_no >= 0:
                    results[key].append(result)
            label = "warm-up" if round_no < 0 else f"round {round_no + 1}"
            print(f"{label:<9} " + "  ".join(line), flush=True)

    def med(key: str, field: str) -> float:
        values = [r[field] for r in results[key] if field in r]
        return common.median(values) if values else float("nan")

    fields = ["wall", "startup", "tests", "teardown", "in_tests", "cpu"]
    rows = [[key] + [f"{med(key, f):.2f}" for f in fields] for key in variants]
    print("\nPhases (median seconds; startup = process start to browser launched):")
    headers = ["variant", "wall", "startup", "tests", "teardown", "sum of tests", "CPU s"]
    print(common.table(headers, rows))
    print(
        f"\nscript imports (process start to Playwright imported): {med('script', 'imports'):.2f} s"
    )
    api_extra = med("api", "wall") - med("child", "wall")
    print(f"api wall - child wall (server, queue, DB, polling): {api_extra:.2f} s")
    print(
        f"api: POST to runner child started {med('api', 'before_child'):.2f} s, "
        f"child alive {med('api', 'child_life'):.2f} s, "
        f"child gone to answer {med('api', 'after_child'):.2f} s"
    )

    per_action: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    children = ("child", "child-nt", "child-nh")
    for key in (*children, "script"):
        for r in results[key]:
            for action, seconds in r["steps"]:
                per_action[action][key].append(seconds * 1000)
    rows = []
    for action, by_key in sorted(per_action.items()):
        meds = {k: common.median(v) for k, v in by_key.items()}
        n = len(by_key["script"]) // max(1, len(results["script"]))
        rows.append(
            [action, str(n)]
            + [f"{meds.get(k, float('nan')):.0f}" for k in (*children, "script")]
            + [f"{(meds['child'] - meds['script']) * n:.0f}"]
        )
    print("\nPer step (median ms); extra ms = (child - script) x steps of that action:")
    print(common.table(["action", "steps", *children, "script", "extra ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
