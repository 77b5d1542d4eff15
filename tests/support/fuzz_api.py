"""Fuzz the API with Schemathesis against a real server: ``python -m tests.support.fuzz_api``.

Everything runs inside a network namespace of its own (``unshare --net``) that
has nothing but a loopback interface: fuzzed projects carry arbitrary
``base_url``s and fuzzed steps arbitrary URLs, and the executions the fuzzer
starts drive a real Chromium, so nothing it does may reach past this machine's
loopback. In there it starts ``bugbrain serve`` with its own data directory,
creates an API key and a little seed data (a project whose one test case waits
1 ms on a blank page, so an execution costs a fraction of a second and touches
no network), then runs ``st run`` on ``/openapi.json`` and exits with its code.

Extra arguments are passed to ``st run`` (e.g. ``--max-examples 5``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bugbrain.api.routes.executions import SYNC_GRACE_SECONDS
from tests.support.servers import Api, BugbrainServer

INSIDE = "BUGBRAIN_FUZZ_NETNS"
# Exit code when no loopback-only network namespace can be made here.
NO_ISOLATION = 77
ROOT = Path(__file__).resolve().parents[2]
# POST /executions waits for the execution (wait_for_completion defaults to
# true), up to its timeout_seconds + SYNC_GRACE_SECONDS: executions here are
# cheap (one 1 ms wait on a blank page, two workers), their timeouts short,
# and a request may take as long as the longest wait the API allows.
MAX_TIMEOUT_SECONDS = 15
REQUEST_TIMEOUT_SECONDS = MAX_TIMEOUT_SECONDS + SYNC_GRACE_SECONDS + 5


def _st() -> str:
    local = Path(sys.executable).with_name("st")
    return str(local) if local.exists() else (shutil.which("st") or "st")


def reexec_isolated(argv: list[str]) -> int:
    """Run this module again in a new user and network namespace (loopback only)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        print("fuzz_api: 'unshare' (util-linux) is needed to isolate the network", file=sys.stderr)
        return NO_ISOLATION
    isolate = [unshare, "--user", "--map-root-user", "--net", "--"]
    probe = subprocess.run([*isolate, "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        print(f"fuzz_api: cannot make a network namespace: {probe.stderr}", file=sys.stderr)
        return NO_ISOLATION
    command = [*isolate, sys.executable, "-m", "tests.support.fuzz_api", *argv]
    env = {**os.environ, INSIDE: "1"}
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode


def loopback_only() -> None:
    if shutil.which("ip") is None:
        print("fuzz_api: 'ip' (iproute2) is needed to bring up loopback", file=sys.stderr)
        raise SystemExit(NO_ISOLATION)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
    names = [line.split(":")[1].strip() for line in links.stdout.splitlines() if line.strip()]
    if names != ["lo"]:
        raise SystemExit(f"fuzz_api: expected a loopback-only namespace, found {names}")


def seed(api: Api) -> dict[str, Any]:
    """One project, one cheap test case, its plan and a finished execution of
    it, and a screenshot (of another run, with screenshots on)."""
    project = api.ok(
        "POST",
        "/api/v1/projects",
        json={
            "name": "Fuzz",
            "base_url": "http://127.0.0.1:9",
            "environments": {"staging": {"base_url": "http://127.0.0.1:9"}},
            "variables": {"who": "fuzz"},
        },
    )
    case = api.ok(
        "POST",
        "/api/v1/test-cases",
        json={
            "project_id": project["id"],
            "name": "Blank page",
            "steps": [{"description": "Dwell", "action": "wait", "value": "1"}],
        },
    )
    plan = api.ok(
        "POST",
        "/api/v1/test-plans",
        json={
            "project_id": project["id"],
            "name": "Cheap",
            "test_case_ids": [case["id"]],
            "screenshot_mode": "disabled",
            "trace_mode": "off",
        },
    )
    pictured = api.ok(
        "POST",
        "/api/v1/test-plans",
        json={"project_id": project["id"], "name": "Pictured", "test_case_ids": [case["id"]]},
    )
    run = {"project_id": project["id"], "timeout_seconds": MAX_TIMEOUT_SECONDS}
    execution = api.ok("POST", "/api/v1/executions", json={**run, "test_plan_id": plan["id"]})
    shot = api.ok("POST", "/api/v1/executions", json={**run, "test_plan_id": pictured["id"]})
    url = shot["results"]["test_results"][0]["screenshot"]  # a signed URL
    artifact = url.split("/api/v1/artifacts/", 1)[1].split("?", 1)[0]
    return {
        "project": project,
        "case": case,
        "plan": plan,
        "execution": execution,
        "artifact": {"id": artifact},
    }


def config(seeded: dict[str, Any]) -> str:
    """schemathesis.toml: the seeded ids, offered where an operation takes one."""
    ids = {
        name: seeded[name]["id"] for name in ("project", "case", "plan", "execution", "artifact")
    }

    def bind(name: str, probability: float) -> str:
        return f'{{ dictionary = "{name}", probability = {probability} }}'

    return f"""
# Statuses a schema-valid request may get. 422 is there because a valid id
# may name nothing (see tests/support/fuzz_hooks.py, whose check then decides).
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]

[dictionaries]
project = {{ values = ["{ids["project"]}"] }}
test_case = {{ values = ["{ids["case"]}"] }}
plan = {{ values = ["{ids["plan"]}"] }}
execution = {{ values = ["{ids["execution"]}"] }}
artifact = {{ values = ["{ids["artifact"]}"] }}
environment = {{ values = ["staging"] }}

# Reads get the seeded objects half the time (and random ids otherwise).
[[operations]]
include-method = "GET"
parameters = {{ "path.execution_id" = {bind("execution", 0.5)}, \
"path.project_id" = {bind("project", 0.5)}, "path.test_case_id" = {bind("test_case", 0.5)}, \
"path.test_plan_id" = {bind("plan", 0.5)}, "query.project_id" = {bind("project", 0.7)}, \
"path.path" = {bind("artifact", 0.5)} }}

# Executions of the seeded plan, so that creating one can succeed.
[[operations]]
include-method = "POST"
include-path = "/api/v1/executions"
parameters = {{ "body.project_id" = {bind("project", 0.9)}, \
"body.test_plan_id" = {bind("plan", 0.9)}, "body.environment" = {bind("environment", 0.9)} }}

# Queued ones keep the workers busy: fewer of them.
[[operations]]
include-method = "POST"
include-path = "/api/v1/executions/async"
parameters = {{ "body.project_id" = {bind("project", 0.7)}, \
"body.test_plan_id" = {bind("plan", 0.7)}, "body.environment" = {bind("environment", 0.9)} }}

[[operations]]
include-method = "POST"
include-path-regex = "^/api/v1/test-(cases|plans)$"
parameters = {{ "body.project_id" = {bind("project", 0.7)} }}
"""


def main(argv: list[str]) -> int:
    if os.environ.get(INSIDE) != "1":
        return reexec_isolated(argv)
    loopback_only()
    with tempfile.TemporaryDirectory(prefix="bugbrain-fuzz-") as tmp:
        data = Path(tmp) / "data"
        server = BugbrainServer(
            data,
            workers=2,
            extra_env={
                "BUGBRAIN_MAX_TIMEOUT_SECONDS": str(MAX_TIMEOUT_SECONDS),
                "BUGBRAIN_DEFAULT_TIMEOUT_SECONDS": str(MAX_TIMEOUT_SECONDS),
            },
        )
        server.start()
        try:
            key = server.create_key("fuzz")
            seeded = seed(Api(server.url, key))
            print("seeded:", {k: v["id"] for k, v in seeded.items()}, flush=True)
            (Path(tmp) / "schemathesis.toml").write_text(config(seeded))
            command = [
                _st(),
                "--config-file",
                str(Path(tmp) / "schemathesis.toml"),
                "run",
                f"{server.url}/openapi.json",
                "--header",
                f"Authorization: Bearer {key}",
                "--generation-database",
                "none",
                "--request-timeout",
                str(REQUEST_TIMEOUT_SECONDS),
                *argv,
            ]
            path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
            protected = ",".join(seeded[name]["id"] for name in ("project", "case", "plan"))
            env = {
                **os.environ,
                "PYTHONPATH": path,
                "SCHEMATHESIS_HOOKS": "tests.support.fuzz_hooks",
                "BUGBRAIN_FUZZ_PROTECTED": protected,
            }
            code = subprocess.run(command, cwd=tmp, env=env, check=False).returncode
        finally:
            server.stop()
        # Errors that never reached a response (a worker's, a runner's) count too.
        log = server.log_path.read_text(errors="replace")
        if "Traceback" in log:
            print("---- server log ----\n" + log[-20000:], file=sys.stderr)
            return code or 1
        return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
