"""What a passing step's screenshot costs when someone opens it.

With ``screenshot_source: "dom_snapshot"`` (the plan default) a passing step's
screenshot is rendered from its DOM snapshot the first time its URL is opened
(api/step_screenshots.py). This runs the 20 demo-shop tests once, then opens
every step's screenshot URL in order, timing each request: the first opening
renders (the first of all also launches the renderer's Chromium), a second
opening of the same URL reads the kept PNG. It prints the medians and the API
server's CPU over the renders.

    .venv/bin/python bench/render_cost.py
"""

from __future__ import annotations

import statistics
import time
import urllib.request

import common
import psutil
import shop_plan


def _open(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read()
    assert body.startswith(b"\x89PNG"), url
    return time.perf_counter() - start


def main() -> None:
    common.print_machine()
    with common.stack() as env:
        project_id, plan_id = common.seed_plan(
            env.api, env.shop.url, shop_plan.TESTS, screenshot_mode="every_step", parallelism=1
        )
        _, answer = common.run_execution(env.api, project_id, plan_id)
        results = env.api.call("GET", f"/api/v1/executions/{answer['id']}/results")
        steps = [s for t in results["test_results"] for s in t["steps"] if s.get("screenshot")]
        sources = {s["screenshot_source"] for s in steps}
        assert sources == {"dom_snapshot"}, sources
        server = psutil.Process(env.server.proc.pid) if env.server.proc else None

        def cpu() -> float:
            if server is None:
                return 0.0
            total = 0.0
            for proc in [server, *server.children(recursive=True)]:
                try:
                    times = proc.cpu_times()
                except psutil.Error:
                    continue
                total += times.user + times.system
            return total

        before = cpu()
        first = [_open(s["screenshot"]) for s in steps]
        spent = cpu() - before
        again = [_open(s["screenshot"]) for s in steps]
        print(f"{len(steps)} step screenshots of one execution")
        print(f"first opening (renders), the very first: {first[0] * 1000:.0f} ms")
        rest = statistics.median(first[1:]) * 1000
        print(f"first opening (renders), median of the rest: {rest:.0f} ms")
        print(f"second opening (the kept PNG), median: {statistics.median(again) * 1000:.1f} ms")
        print(f"API server CPU over all renders (its browser included): {spent:.1f} s, "
              f"{spent / len(steps) * 1000:.0f} ms per screenshot")  # fmt: skip


if __name__ == "__main__":
    main()
