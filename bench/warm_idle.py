"""What an idle warm runner costs: PSS and CPU of each worker's runner child
(started ahead, Chromium launched, waiting for a spec) on an idle server.

    .venv/bin/python bench/warm_idle.py [--workers 2] [--idle 20]
"""

from __future__ import annotations

import argparse
import sys
import time

import common
import psutil


def runner_trees(server_pid: int) -> list[list[psutil.Process]]:
    trees = []
    for child in psutil.Process(server_pid).children():
        if "bugbrain.runner.child" in " ".join(child.cmdline()):
            trees.append([child, *child.children(recursive=True)])
    return trees


def cpu(tree: list[psutil.Process]) -> float:
    return sum(p.cpu_times().user + p.cpu_times().system for p in tree)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idleness measured")
    args = parser.parse_args()
    common.print_machine()
    with common.stack(workers=args.workers) as env:
        assert env.server.proc is not None
        time.sleep(8)  # let every warm runner finish launching
        trees = runner_trees(env.server.proc.pid)
        before = [cpu(t) for t in trees]
        time.sleep(args.idle)
        print(f"\n{len(trees)} warm runners (workers={args.workers}):")
        for tree, start in zip(trees, before, strict=True):
            pss = sum(p.memory_full_info().pss for p in tree) / 2**20
            print(
                f"  pid {tree[0].pid}: {len(tree)} processes, PSS {pss:.0f} MiB, "
                f"start-up CPU {start:.2f} s, CPU while idle {cpu(tree) - start:.2f} s "
                f"in {args.idle:.0f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
