"""The baseline of ``api_throughput.py``: a bare FastAPI app with one JSON
endpoint (``GET /bare``, a dict the size and shape of a finished execution's
status), served by uvicorn with the options bugbrain's API process uses
(``bugbrain.server.uvicorn_options`` from the same source snapshot; code from
before that function existed ran uvicorn with its defaults, as here).

    PYTHONPATH=<src snapshot> .venv/bin/python bench/bare_api.py --port P
        [--loop asyncio|uvloop] [--http h11|httptools]   # to compare uvicorn's choices
        [--processes N]   # N uvicorn worker processes, as `bugbrain serve --api-processes N`
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI

# A finished execution's status body, as GET /executions/{id}/status gives it.
BODY = {
    "id": "exec_4f8Hq2LmZ9xKpR7T",
    "status": "completed",
    "passed_tests": 5,
    "failed_tests": 1,
    "skipped_tests": 0,
    "total_tests": 6,
    "duration_seconds": 7,
    "started_at": "2026-12-04T10:15:02.113Z",
    "completed_at": "2026-12-04T10:15:09.870Z",
}

app = FastAPI()


@app.get("/bare")
async def bare():  # type: ignore[no-untyped-def]  # FastAPI as a hello-world writes it
    return BODY


def options(log_level: str) -> dict[str, Any]:
    try:
        from bugbrain.server import uvicorn_options
        from bugbrain.settings import load_settings
    except ImportError:  # bugbrain from before it had them: uvicorn's defaults
        return {"log_level": log_level, "timeout_graceful_shutdown": 5}
    return uvicorn_options(load_settings(log_level=log_level))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--loop", help="override the event loop (asyncio, uvloop)")
    parser.add_argument("--http", help="override the HTTP implementation (h11, httptools)")
    parser.add_argument("--processes", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    config = options(args.log_level)
    config.update({k: v for k, v in (("loop", args.loop), ("http", args.http)) if v})
    print(f"bare FastAPI on port {args.port}, uvicorn options {config}", flush=True)
    if args.processes > 1:  # each process imports the app (this directory is on its path)
        uvicorn.run(
            "bare_api:app", host="127.0.0.1", port=args.port, workers=args.processes, **config
        )
    else:
        uvicorn.run(app, host="127.0.0.1", port=args.port, **config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
