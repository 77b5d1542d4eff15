"""``bugbrain demo``: the shop, the server, a seeded project and a real run."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import uvicorn

from bugbrain.datadir import DataDirLock
from bugbrain.db.engine import create_engine, read_tx, write_tx
from bugbrain.db.migrate import upgrade
from bugbrain.demo import content
from bugbrain.demo.shop import DEMO_EMAIL, DEMO_PASSWORD, create_shop_app
from bugbrain.errors import AuthError, ConfigError
from bugbrain.server import build_server
from bugbrain.services import keys
from bugbrain.settings import load_settings

WORKSPACE = "demo"
PLAN_NAME = "Shop regression"


class Api:
    """A minimal JSON client on the standard library (the demo needs no SDK)."""

    def __init__(self, base: str, key: str) -> None:
        self.base = base.rstrip("/")
        self.key = key

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback URL we built
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path} -> {exc.code}: {exc.read().decode()}") from None


def _demo_key(data_dir: Path) -> str:
    """Reuse the demo key across runs (keys are shown once and capped per workspace)."""
    path = data_dir / "demo-api-key.txt"
    engine = create_engine(load_settings(data_dir=data_dir).resolved_database_url)
    upgrade(engine)
    try:
        if path.exists():
            key = path.read_text().strip()
            # A revoked key, or one unknown after the database was wiped: make a new one.
            with read_tx(engine) as conn, contextlib.suppress(AuthError):
                keys.authenticate(conn, key)
                return key
        with write_tx(engine) as conn:
            created = keys.create_key(conn, name="demo", workspace=WORKSPACE)
        path.write_text(created.key)
        path.chmod(0o600)
        return created.key
    finally:
        engine.dispose()


def _wait_http(url: str, seconds: float = 30) -> None:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


def seed(api: Api, shop_url: str) -> dict[str, str]:
    """Create the demo project and plan, or reuse them from an earlier run
    (pointing them at this run's shop URL), so history accumulates."""
    body = content.project(shop_url)
    existing = api.call("GET", "/api/v1/projects?limit=500")["data"]
    found = next((p for p in existing if p["name"] == body["name"]), None)
    if found is not None:
        api.call("PATCH", f"/api/v1/projects/{found['id']}", body)
        plans = api.call("GET", f"/api/v1/test-plans?project_id={found['id']}")["data"]
        plan = next((p for p in plans if p["name"] == PLAN_NAME and p["test_case_ids"]), None)
        if plan is not None:
            return {"project_id": found["id"], "test_plan_id": plan["id"]}
        api.call("DELETE", f"/api/v1/projects/{found['id']}")
    project = api.call("POST", "/api/v1/projects", body)
    case_ids = [
        api.call("POST", "/api/v1/test-cases", {"project_id": project["id"], **case})["id"]
        for case in content.test_cases()
    ]
    plan = api.call(
        "POST",
        "/api/v1/test-plans",
        {
            "project_id": project["id"],
            "name": PLAN_NAME,
            "description": "Login, cart and checkout of the demo shop",
            "test_case_ids": case_ids,
            "parallelism": 2,
        },
    )
    return {"project_id": project["id"], "test_plan_id": plan["id"]}


def report(api: Api, base: str, key: str, ids: dict[str, str], execution: dict[str, Any]) -> None:
    out = sys.stdout
    execution_id = execution["id"]
    out.write(
        f"\nExecution {execution_id}: {execution['status']} — "
        f"{execution['passed_tests']} passed, {execution['failed_tests']} failed "
        f"of {execution['total_tests']} in {execution['duration_seconds']} s\n\n"
    )
    results = api.call("GET", f"/api/v1/executions/{execution_id}/results")
    files: dict[str, dict[str, str]] = {}
    for test in results["test_results"]:
        mark = {"passed": "PASS", "failed": "FAIL"}.get(test["status"], test["status"].upper())
        out.write(f"  {mark}  {test['name']:<32} {test['duration_ms']:>6} ms\n")
        if test.get("error"):
            out.write(f"        {test['error']}\n")
        files[test["name"]] = {
            label: test[key]
            for label, key in (("Trace", "trace"), ("Page as it failed", "page_archive"))
            if test.get(key)
        }
    analysis = api.call("GET", f"/api/v1/executions/{execution_id}/failure-analysis")
    for entry in analysis["analysis"]:
        out.write(
            f"\nWhy '{entry['test_name']}' failed: {entry['failure_category']} "
            f"(confidence {entry['confidence']})\n  {entry['description']}\n"
        )
        for fix in entry["fix_suggestions"]:
            out.write(f"  - {fix}\n")
        if entry["evidence"].get("screenshot"):
            out.write(f"  Screenshot: {entry['evidence']['screenshot']}\n")
        for label, url in files.get(entry["test_name"], {}).items():
            out.write(f"  {label}: {url}\n")
    out.write(
        "\nLook at:\n"
        f"  API docs        {base}/docs\n"
        f"  Results (JSON)  {base}/api/v1/executions/{execution_id}/results\n"
        f"  Demo shop       {ids['shop_url']}  (sign in as {DEMO_EMAIL} / {DEMO_PASSWORD})\n"
        f"\nAPI key (workspace '{WORKSPACE}'): {key}\n"
        "Try:\n"
        f'  curl -s "{base}/api/v1/executions?project_id={ids["project_id"]}&limit=10" '
        f'-H "Authorization: Bearer {key}"\n'
        f'  curl -s -X POST {base}/api/v1/executions/async -H "Authorization: Bearer {key}" '
        f"-H 'Content-Type: application/json' "
        f'-d \'{{"test_plan_id": "{ids["test_plan_id"]}", "project_id": "{ids["project_id"]}"}}\'\n'
    )
    out.flush()


def run_demo(data_dir: Path, port: int, shop_port: int, keep_running: bool) -> int:
    settings = load_settings(data_dir=data_dir, port=port, log_level="warning")
    lock = DataDirLock(data_dir)
    lock.acquire()
    try:
        key = _demo_key(data_dir)
        shop = uvicorn.Server(
            uvicorn.Config(
                create_shop_app(),
                host="127.0.0.1",
                port=shop_port,
                log_level="warning",
                access_log=False,
            )
        )
        threading.Thread(target=shop.run, name="demo-shop", daemon=True).start()
        server = build_server(settings)
        base = f"http://{settings.host}:{settings.port}"
        shop_url = f"http://127.0.0.1:{shop_port}"
        failure: list[BaseException] = []

        def drive() -> None:
            try:
                _wait_http(f"{shop_url}/health")
                _wait_http(f"{base}/health")
                api = Api(base, key)
                ids = seed(api, shop_url)
                print(f"Running test plan {ids['test_plan_id']} against {shop_url} …", flush=True)
                execution = api.call("POST", "/api/v1/executions", {**ids, "timeout_seconds": 300})
                report(api, base, key, {**ids, "shop_url": shop_url}, execution)
                if keep_running:
                    print(f"\nServer running on {base} — press Ctrl-C to stop.", flush=True)
            except BaseException as exc:  # noqa: BLE001 - Ctrl-C too: surface it, then stop the server
                failure.append(exc)
                print(f"demo failed: {exc}", file=sys.stderr, flush=True)
            if failure or not keep_running:
                server.should_exit = True

        threading.Thread(target=drive, name="demo-driver", daemon=True).start()
        server.run()
        shop.should_exit = True
        if not server.started:
            raise ConfigError(f"could not start the server on {base} (is the port in use?)")
        return 1 if failure else 0
    finally:
        lock.release()
