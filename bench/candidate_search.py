"""Time of the self-healing candidate search (``runner.heal_reads.search``) by page size.

Generates pages of about 1,000, 5,000 and 20,000 elements (a shop-like mix: header
and navigation, a sidebar list, product cards, an orders table, a form, a footer),
fingerprints one "Add to cart" button in the middle of the grid, renames the class of
every such button (so the step's selector matches nothing) and times ``search`` with
the fingerprint and without it (words only). Reports medians (and minimums: the
machine may be shared) of ``--rounds`` runs, and the medians of the phases of a
fingerprint search (and of ``fingerprint_of``, which runs before every step that
names an element): the page snapshot (one ``evaluate``:
JavaScript + transfer), decoding, scoring and the selector checks. Target: < 300 ms
at 5,000 elements.

    .venv/bin/python bench/candidate_search.py [--rounds 11] [--sizes 1000,5000,20000]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import common
from playwright.async_api import Page, async_playwright

from bugbrain.elements.healing import search as heal
from bugbrain.runner import heal_reads as healing
from bugbrain.runner.page_scripts import FINGERPRINT_JS

TARGET_MS = 300.0
TARGET_SIZE = 5000
SELECTOR = "#card-{n} .add-to-cart-btn"

_CARD = """<div class="card product" id="card-{i}" data-testid="product-{i}">
<img src="data:," alt="Product {i}" width="40" height="40">
<h3 class="card-title">Product {i}</h3><p class="price">${p}.00</p>
<div class="actions"><button class="add-to-cart-btn" type="button">Add to cart</button>
<a class="wishlist" href="#w{i}">Add to wishlist</a></div></div>"""
_ROW = """<tr><td>#{i}</td><td>2024-05-{d:02d}</td><td><span class="status">Shipped</span></td>
<td>${p}.00</td><td><button class="btn view">View</button></td></tr>"""
_FIELD = """<div class="field"><label for="f{i}">Field {i}</label>
<input id="f{i}" name="field{i}" placeholder="Value {i}"></div>"""


def page_html(target: int) -> tuple[str, int]:
    """A page of about ``target`` elements; returns (html, cards)."""
    # Per unit: a card (7 elements), a table row (8), a list item (2), a field (3).
    units = max(1, (target - 30) // 20)
    cards = units
    head = (
        '<header class="site-header"><nav class="main-nav">'
        + "".join(f'<a class="nav-link" href="/c/{i}">Category {i}</a>' for i in range(8))
        + "</nav></header>"
    )
    side = (
        '<aside class="sidebar"><ul class="filters">'
        + "".join(f'<li><a href="#f{i}">Filter {i}</a></li>' for i in range(units))
        + "</ul></aside>"
    )
    grid = (
        '<main><section class="grid" aria-label="Products">'
        + "".join(_CARD.format(i=i, p=10 + i % 90) for i in range(cards))
        + "</section>"
    )
    table = (
        '<table class="orders"><thead><tr><th>Order</th><th>Date</th><th>Status</th>'
        "<th>Total</th><th></th></tr></thead><tbody>"
        + "".join(_ROW.format(i=i, d=1 + i % 28, p=5 + i % 50) for i in range(units))
        + "</tbody></table>"
    )
    form = (
        '<form class="profile">'
        + "".join(_FIELD.format(i=i) for i in range(units))
        + '<button type="submit">Save</button></form></main>'
    )
    foot = '<footer><a href="/about">About</a><a href="/help">Help</a></footer>'
    html = f"<!doctype html><html><body>{head}{side}{grid}{table}{form}{foot}</body></html>"
    return html, cards


async def _count(page: Page) -> int:
    return int(await page.evaluate("document.querySelectorAll('body *').length"))


async def _times_ms(fn: Callable[[], Awaitable[Any]], rounds: int) -> tuple[list[float], Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(rounds):
        start = time.perf_counter()
        result = await fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


async def _phases(page: Page, fp: dict[str, Any], rounds: int) -> dict[str, float]:
    """Median ms of the search's phases (fingerprint mode)."""
    parts: dict[str, list[float]] = {"snapshot": [], "decode": [], "score": [], "select": []}
    query = heal.Fingerprint.from_dict(fp)
    assert query is not None
    for _ in range(rounds):
        t0 = time.perf_counter()
        options = {**heal.snapshot_options(query), "max": healing.MAX_ELEMENTS}
        raw = await page.evaluate(FINGERPRINT_JS, options)
        t1 = time.perf_counter()
        snap = heal.Snapshot.from_json(json.loads(raw))
        t2 = time.perf_counter()
        ranked = heal.rank(query, snap, "click", limit=6)
        t3 = time.perf_counter()
        await healing._materialize(page, snap, ranked)
        t4 = time.perf_counter()
        for key, a, b in (
            ("snapshot", t0, t1),
            ("decode", t1, t2),
            ("score", t2, t3),
            ("select", t3, t4),
        ):
            parts[key].append((b - a) * 1000)
    return {k: common.median(v) for k, v in parts.items()}


async def run(sizes: list[int], rounds: int) -> list[list[str]]:
    rows: list[list[str]] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=common.CHROMIUM, headless=True, args=common.BROWSER_ARGS
        )
        page = await browser.new_page(viewport=common.VIEWPORT)
        for size in sizes:
            html, cards = page_html(size)
            await page.set_content(html)
            elements = await _count(page)
            selector = SELECTOR.format(n=cards // 2)
            fp = await healing.fingerprint_of(page, selector)
            assert fp is not None, selector
            fp_of_ms, _ = await _times_ms(
                functools.partial(healing.fingerprint_of, page, selector), rounds
            )
            await page.evaluate(
                "document.querySelectorAll('.add-to-cart-btn')"
                ".forEach((b) => { b.className = 'product-add-btn'; })"
            )

            async def with_fp(fp: dict[str, Any] = fp, selector: str = selector) -> Any:
                return await healing.search(
                    page, action="click", selector=selector, description=None, fingerprint=fp
                )

            async def words(selector: str = selector) -> Any:
                return await healing.search(
                    page,
                    action="click",
                    selector=selector,
                    description="Click Add to cart",
                    fingerprint=None,
                )

            await with_fp()  # warm-up
            fp_ms, found = await _times_ms(with_fp, rounds)
            words_ms, _ = await _times_ms(words, rounds)
            phases = await _phases(page, fp, rounds)
            best = found.candidates[0] if found.candidates else None
            rows.append(
                [
                    f"{elements:,}",
                    f"{common.median(fp_of_ms):.1f}",
                    f"{common.median(fp_ms):.0f} ({min(fp_ms):.0f})",
                    f"{common.median(words_ms):.0f} ({min(words_ms):.0f})",
                    f"{phases['snapshot']:.0f}",
                    f"{phases['decode']:.0f}",
                    f"{phases['score']:.0f}",
                    f"{phases['select']:.0f}",
                    f"{best.score:.2f} {'auto' if found.auto_ok else 'no'}" if best else "-",
                    best.selector if best else "-",
                ]
            )
            print(" | ".join(rows[-1]), flush=True)
        await browser.close()
    return rows


HEADERS = [
    "elements",
    "fingerprint_of (ms)",
    "search, fingerprint: median (min) ms",
    "search, words: median (min) ms",
    "snapshot",
    "decode",
    "score",
    "selectors",
    "best",
    "suggested selector",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--sizes", default="1000,5000,20000")
    args = parser.parse_args()
    info = common.print_machine()
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = os.getloadavg()[0]
    rows = asyncio.run(run(sizes, args.rounds))
    load_after = os.getloadavg()[0]
    print()
    print(common.table(HEADERS, rows))
    print()
    print(common.markdown_table(HEADERS, rows))
    print()
    print(common.machine_markdown(info))
    print(
        f"Load average (1 min) {load_before:.1f} before, {load_after:.1f} after "
        f"({os.cpu_count()} cores); medians of {args.rounds} runs."
    )
    at_target = [r for r, s in zip(rows, sizes, strict=True) if s == TARGET_SIZE]
    if at_target:
        ms = float(at_target[0][2].split()[0])
        verdict = "meets" if ms < TARGET_MS else "MISSES"
        print(f"\n{verdict} the target: {ms:.0f} ms < {TARGET_MS:.0f} ms at {TARGET_SIZE:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
