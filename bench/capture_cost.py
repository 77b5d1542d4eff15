"""What one step screenshot costs, and where: wall time and CPU per capture,
by Chromium process kind, for each format ``Page.captureScreenshot`` offers.

A page whose button repaints it; round after round, interleaved, 40 clicks
with no capture (the baseline) and 40 clicks each followed by a capture in a
format. Per capture: the wall time added over the baseline, and the CPU
seconds added in the browser process (which encodes), the GPU process (which
composites the frame in software and copies it), the renderer, Playwright's
driver (node) and Python. How long a capture of an idle page takes is printed
too: the part that is waiting for a frame rather than work.

A screencast (frames pushed on every change, scaled down) is measured too: what
it adds to the clicks when it runs beside them. ``--flags`` instead compares
launch flags that might make compositing cheaper, the runner's capture each.

    .venv/bin/python bench/capture_cost.py [--rounds 3] [--clicks 40] [--flags]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

import common
import psutil
from playwright.async_api import CDPSession, Page, async_playwright

PAGE = (
    '<html><body><h1>Shop</h1><button id=b onclick="document.body.style.background='
    "document.body.style.background=='red'?'blue':'red'\">Go</button>"
    + "".join(f"<p>Item {i}: some text, a price, a link</p>" for i in range(30))
    + "</body></html>"
)
FORMATS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "png (optimizeForSpeed, the runner's)": {"format": "png", "optimizeForSpeed": True},
    "png": {"format": "png"},
    "jpeg q80": {"format": "jpeg", "quality": 80, "optimizeForSpeed": True},
    "jpeg q50": {"format": "jpeg", "quality": 50, "optimizeForSpeed": True},
    "webp q50": {"format": "webp", "quality": 50},
    # Half the pixels to encode, but Chromium emulates the scale: the renderer relays out.
    "png, clip at scale 0.5": {
        "format": "png",
        "optimizeForSpeed": True,
        "clip": {"x": 0, "y": 0, "width": 1280, "height": 720, "scale": 0.5},
    },
}
# Launch flags that might make compositing a frame cheaper, each measured with the
# runner's capture in a browser of its own (--flags).
LAUNCH_VARIANTS: dict[str, list[str]] = {
    "the runner's flags": [],
    "--disable-gpu-compositing": ["--disable-gpu-compositing"],
    "--in-process-gpu": ["--in-process-gpu"],
    "--force-color-profile=srgb": ["--force-color-profile=srgb"],
    "--disable-features=UseSkiaRenderer": ["--disable-features=UseSkiaRenderer"],
}
RUNNERS = FORMATS["png (optimizeForSpeed, the runner's)"]
KINDS = ("browser", "gpu-process", "renderer", "other chromium", "node", "python")


def _kind(proc: psutil.Process) -> str:
    if proc.pid == os.getpid():
        return "python"
    if "node" in proc.name():
        return "node"
    kind = next((a[7:] for a in proc.cmdline() if a.startswith("--type=")), "browser")
    return kind if kind in KINDS else "other chromium"


def _cpu() -> dict[str, float]:
    me = psutil.Process()
    out = dict.fromkeys(KINDS, 0.0)
    for proc in [me, *me.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            out[_kind(proc)] += times.user + times.system
        except psutil.Error:
            pass
    return out


async def _loop(
    page: Page, cdp: CDPSession, params: dict[str, Any] | None, clicks: int
) -> tuple[float, dict[str, float]]:
    before, start = _cpu(), time.perf_counter()
    for _ in range(clicks):
        await page.click("#b")
        if params is not None:
            await cdp.send("Page.captureScreenshot", params)
    wall = time.perf_counter() - start
    after = _cpu()
    return wall / clicks, {k: (after[k] - before[k]) / clicks for k in KINDS}


def _added(
    walls: list[float], cpus: list[dict[str, float]], base_wall: float, base_cpu: dict[str, float]
) -> tuple[float, dict[str, float]]:
    wall = statistics.median(walls[1:]) - base_wall
    return wall, {k: statistics.median(c[k] for c in cpus[1:]) - base_cpu[k] for k in KINDS}


def _row(name: str, wall: float, cpu: dict[str, float]) -> str:
    cells = " | ".join(f"{cpu[k] * 1000:.1f}" for k in KINDS)
    return f"| {name} | {wall * 1000:.1f} | {sum(cpu.values()) * 1000:.1f} | {cells} |"


async def _screencast_loop(
    page: Page, cdp: CDPSession, clicks: int
) -> tuple[float, dict[str, float], int]:
    """Clicks with a screencast running (JPEG, 640 wide): a frame per change, made
    beside the clicks rather than in their way, but none tied to a step's end."""
    frames = 0
    acks: list[asyncio.Future[Any]] = []

    def on_frame(event: dict[str, Any]) -> None:
        nonlocal frames
        frames += 1
        ack = {"sessionId": event["sessionId"]}
        acks.append(asyncio.ensure_future(cdp.send("Page.screencastFrameAck", ack)))

    cdp.on("Page.screencastFrame", on_frame)
    params = {"format": "jpeg", "quality": 60, "maxWidth": 640, "maxHeight": 360}
    await cdp.send("Page.startScreencast", params)
    await asyncio.sleep(0.2)
    frames = 0
    wall, cpu = await _loop(page, cdp, None, clicks)
    await asyncio.sleep(0.1)
    await cdp.send("Page.stopScreencast")
    await asyncio.gather(*acks)
    cdp.remove_listener("Page.screencastFrame", on_frame)
    return wall, cpu, frames


async def flags(rounds: int, clicks: int) -> None:
    """The runner's capture under each launch variant, in a browser of its own."""
    print("| launch flags | ms added per capture: wall | CPU in all | " + " | ".join(KINDS) + " |")
    print("|---|---|---|" + "---|" * len(KINDS))
    async with async_playwright() as pw:
        for name, extra in LAUNCH_VARIANTS.items():
            browser = await pw.chromium.launch(
                executable_path=common.CHROMIUM, args=common.BROWSER_ARGS + extra
            )
            context = await browser.new_context(viewport={"width": 1280, "height": 720})
            page = await context.new_page()
            await page.set_content(PAGE)
            cdp = await context.new_cdp_session(page)
            results: dict[str, tuple[list[float], list[dict[str, float]]]] = {
                "none": ([], []),
                "capture": ([], []),
            }
            for _ in range(rounds + 1):
                for variant, params in (("none", None), ("capture", RUNNERS)):
                    wall, cpu = await _loop(page, cdp, params, clicks)
                    results[variant][0].append(wall)
                    results[variant][1].append(cpu)
            await browser.close()
            base_wall = statistics.median(results["none"][0][1:])
            base_cpu = {k: statistics.median(c[k] for c in results["none"][1][1:]) for k in KINDS}
            print(_row(name, *_added(*results["capture"], base_wall, base_cpu)), flush=True)


async def main(rounds: int, clicks: int) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=common.CHROMIUM, args=common.BROWSER_ARGS
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        page = await context.new_page()
        await page.set_content(PAGE)
        cdp = await context.new_cdp_session(page)
        walls: dict[str, list[float]] = {name: [] for name in FORMATS}
        cpus: dict[str, list[dict[str, float]]] = {name: [] for name in FORMATS}
        idle: list[float] = []
        cast_walls: list[float] = []
        cast_cpus: list[dict[str, float]] = []
        cast_frames: list[int] = []
        for _ in range(rounds + 1):  # the first round warms up
            for name, params in FORMATS.items():
                wall, cpu = await _loop(page, cdp, params, clicks)
                walls[name].append(wall)
                cpus[name].append(cpu)
            wall, cpu, frames = await _screencast_loop(page, cdp, clicks)
            cast_walls.append(wall)
            cast_cpus.append(cpu)
            cast_frames.append(frames)
            for _ in range(clicks):
                await asyncio.sleep(0.05)
                start = time.perf_counter()
                await cdp.send(
                    "Page.captureScreenshot", FORMATS["png (optimizeForSpeed, the runner's)"]
                )
                idle.append(time.perf_counter() - start)
        await browser.close()
    base_wall = statistics.median(walls["none"][1:])
    base_cpu = {k: statistics.median(c[k] for c in cpus["none"][1:]) for k in KINDS}
    print(f"{rounds} rounds x {clicks} clicks; Chromium {common.CHROMIUM}")
    print(f"a click alone: {base_wall * 1000:.1f} ms wall")
    idle_ms = statistics.median(idle) * 1000
    print(f"a capture of an idle page (50 ms after the last change): {idle_ms:.1f} ms\n")
    print("| format | ms added per capture: wall | CPU in all | " + " | ".join(KINDS) + " |")
    print("|---|---|---|" + "---|" * len(KINDS))
    for name in list(FORMATS)[1:]:
        print(_row(name, *_added(walls[name], cpus[name], base_wall, base_cpu)))
    frames = statistics.median(cast_frames[1:]) / clicks
    name = f"screencast, jpeg q60 640x360 ({frames:.2f} frames per click)"
    print(_row(name, *_added(cast_walls, cast_cpus, base_wall, base_cpu)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument(
        "--flags", action="store_true", help="compare launch flags instead of formats"
    )
    args = parser.parse_args()
    asyncio.run((flags if args.flags else main)(args.rounds, args.clicks))
