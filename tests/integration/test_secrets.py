"""Secret variables end to end: a plan fills secrets (the sign-in works), then
fails on a step whose expected and actual text hold one; no API response, log,
trace, page archive, runner file or database row shows any of them."""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import subprocess
import time
import uuid
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests

from bugbrain.contract.masking import MASK, spellings
from tests.support.servers import BUGBRAIN, Api, BugbrainServer, serving

pytestmark = pytest.mark.browser

# Characters that URLs, JSON and HTML each encode differently.
PASSWORD = f"Pw&{uuid.uuid4().hex[:10]}/x y"
TOKEN = f"tok-{uuid.uuid4().hex}"
EXTRA = f'ex"tra-{uuid.uuid4().hex[:12]}'
SECRETS = (PASSWORD, TOKEN, EXTRA)

LOGIN_PAGE = b"""<!doctype html><html><head><title>Login</title></head><body>
<label for="pw">Password</label><input id="pw" type="text">
<label for="note">Note</label><input id="note" type="text">
<button id="go">Sign in</button><div id="out"></div>
<script>
document.getElementById('go').onclick = async () => {
  const pw = document.getElementById('pw').value;
  const note = document.getElementById('note').value;
  console.error('signing in with ' + pw + ' / ' + note);
  fetch('/missing?token=' + encodeURIComponent(pw) + '&n=' + encodeURIComponent(note));
  const r = await fetch('/api/login', {method: 'POST',
    headers: {'content-type': 'application/json'}, body: JSON.stringify({password: pw, note})});
  document.getElementById('out').textContent = await r.text();
  setTimeout(() => { throw new Error('after signing in as ' + pw); }, 0);
};
</script></body></html>"""


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/login":
            self._send(200, LOGIN_PAGE, "text/html; charset=utf-8")
        else:
            self._send(404, b"no such page")

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("password") == PASSWORD and body.get("note") == f"{TOKEN} {EXTRA}":
            # Echoed: the page then shows the secret, as a careless app might.
            self._send(200, f"Welcome, {body['password']}".encode())
        else:
            self._send(403, b"Denied")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serving(_Site) as url:
        yield url


@pytest.fixture(scope="module")
def api(bugbrain: BugbrainServer) -> Api:
    return bugbrain.client("secrets")


def _leaks(data: bytes) -> list[str]:
    """Which secrets ``data`` holds, in any spelling."""
    return [
        secret
        for secret in SECRETS
        if any(spelled.encode() in data for spelled in spellings(secret))
    ]


def _mhtml_parts(data: bytes) -> list[bytes]:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    parts = [p.get_payload(decode=True) for p in message.walk() if not p.is_multipart()]
    return [p for p in parts if isinstance(p, bytes)]


STEPS = [
    {"description": "Open the login page", "action": "navigate", "value": "/login"},
    {"action": "fill", "selector": "#pw", "value": "{{password}}"},
    {"description": "Fill the Note field with {{token}} {{extra}}"},
    {"description": "Click the Sign in button"},
    {"description": "Signed in", "action": "assert_text", "selector": "#out", "value": "Welcome"},
    # Fails, with the secret in what it expected and in what it found.
    {"action": "assert_text", "selector": "#out", "value": "{{password}} is not welcome"},
]


def test_secrets_are_filled_and_appear_nowhere(
    api: Api, bugbrain: BugbrainServer, site: str
) -> None:
    responses: list[requests.Response] = []

    def call(method: str, path: str, **kwargs: Any) -> Any:
        response = api.request(method, path, **kwargs)
        assert response.status_code < 300, response.text
        responses.append(response)
        return response.json() if response.content else None

    project = call(
        "POST",
        "/api/v1/projects",
        json={
            "name": "Secrets",
            "variables": {"password": {"value": PASSWORD, "secret": True}},
            "environments": {
                "local": {
                    "base_url": site,
                    "variables": {"token": {"value": TOKEN, "secret": True}, "plain": "p"},
                }
            },
            "default_environment": "local",
        },
    )
    hidden = {"value": None, "secret": True}
    assert project["variables"] == {"password": hidden}
    assert project["environments"]["local"]["variables"] == {"token": hidden, "plain": "p"}
    case = call(
        "POST",
        "/api/v1/test-cases",
        json={"project_id": project["id"], "name": "Sign in", "steps": STEPS},
    )
    plan = call(
        "POST",
        "/api/v1/test-plans",
        json={
            "project_id": project["id"],
            "name": "Secrets",
            "test_case_ids": [case["id"]],
            "trace_snapshots": True,
            "element_wait_timeout_ms": 1500,
        },
    )
    execution = call(
        "POST",
        "/api/v1/executions",
        json={
            "project_id": project["id"],
            "test_plan_id": plan["id"],
            "variables": {"extra": {"value": EXTRA, "secret": True}},
        },
    )
    assert execution["status"] == "completed", execution
    exec_id = execution["id"]
    results = call("GET", f"/api/v1/executions/{exec_id}/results")
    (test,) = results["test_results"]
    # The secrets were really typed: the site let us in, and the last step failed.
    statuses = [s["status"] for s in test["steps"]]
    assert statuses == ["passed"] * 5 + ["failed"], test["steps"]
    fill, last = test["steps"][1], test["steps"][-1]
    assert fill["value"] == MASK
    assert MASK in fill["name"]
    assert MASK in (last["error"] or "")
    assert MASK in (last["expected"] or "")
    assert any(MASK in c["text"] for c in test["console_errors"]), test["console_errors"]
    assert any(MASK in e for e in test["page_errors"]), test["page_errors"]
    assert any(MASK in r["url"] for r in test["failed_requests"]), test["failed_requests"]
    call("GET", f"/api/v1/executions/{exec_id}/failure-analysis")
    call("GET", f"/api/v1/executions/{exec_id}/status")
    call("GET", f"/api/v1/executions/{exec_id}/heals")
    call("GET", f"/api/v1/executions?project_id={project['id']}")
    call("GET", f"/api/v1/projects/{project['id']}")
    call("GET", "/api/v1/projects")
    call("GET", f"/api/v1/test-cases/{case['id']}")

    for response in responses:
        assert not _leaks(response.content), (response.url, response.text[:2000])

    # Artifacts, through the API: the trace unzipped, the page archive decoded.
    assert test["trace"], test
    assert test["page_archive"], test
    trace = requests.get(test["trace"], timeout=30)
    assert trace.status_code == 200
    with zipfile.ZipFile(io.BytesIO(trace.content)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    assert any(name.endswith(".trace") for name in entries)
    traced = b"\n".join(entries.values())
    assert b'"method":"fill"' in traced  # the fill is still in the timeline, masked
    for name, data in entries.items():
        assert not _leaks(data), name
    archive_file = requests.get(test["page_archive"], timeout=30).content
    assert b"Welcome" in b"".join(_mhtml_parts(archive_file))
    for data in [archive_file, *_mhtml_parts(archive_file)]:
        assert not _leaks(data)

    # Every file the server keeps: its log, the runner's log and spec, screenshots
    # aside (pixels), and the database itself (the values are encrypted at rest).
    kept = [bugbrain.log_path, *sorted((bugbrain.data_dir / "artifacts" / exec_id).rglob("*"))]
    kept += sorted(bugbrain.data_dir.glob("bugbrain.db*"))
    checked = 0
    for path in kept:
        if path.is_file() and path.suffix != ".png":
            data = path.read_bytes()
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    data = b"\n".join(archive.read(n) for n in archive.namelist())
            elif path.suffix == ".mhtml":
                data = b"\n".join([data, *_mhtml_parts(data)])
            assert not _leaks(data), path
            checked += 1
    assert checked >= 4
    spec = json.loads((bugbrain.data_dir / "artifacts" / exec_id / "spec.json").read_text())
    assert set(spec["secrets"]) == {"password", "token", "extra"}
    assert "password" not in spec["variables"]


def _count(api: Api, path: str) -> int:
    return int(api.ok("GET", path)["pagination"]["total"])


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"value": 12345, "secret": True}, "must be a string"),
        ({"value": "s3cret", "secret": True, "note": "x"}, "unknown field"),
        ({"value": "s3cret"}, "secret: field required"),
    ],
    ids=["non-string", "unknown key", "no flag"],
)
def test_a_bad_secret_is_refused_and_nothing_is_written(
    api: Api, site: str, entry: dict[str, Any], problem: str
) -> None:
    before = _count(api, "/api/v1/projects")
    bad = api.post("/api/v1/projects", json={"name": "Bad", "variables": {"password": entry}})
    assert bad.status_code == 422, bad.text
    (detail,) = bad.json()["error"]["details"]
    assert detail["field"] == "variables.password"
    assert problem in detail["message"]
    assert "s3cret" not in bad.text
    assert _count(api, "/api/v1/projects") == before

    project = api.ok("POST", "/api/v1/projects", json={"name": "Good", "base_url": site})
    bad_env = api.patch(
        f"/api/v1/projects/{project['id']}",
        json={"environments": {"e": {"variables": {"password": entry}}}},
    )
    assert bad_env.status_code == 422, bad_env.text
    assert bad_env.json()["error"]["details"][0]["field"] == "environments.e.variables.password"
    assert api.ok("GET", f"/api/v1/projects/{project['id']}")["environments"] == {}

    case = api.ok(
        "POST",
        "/api/v1/test-cases",
        json={"project_id": project["id"], "name": "c", "steps": STEPS[:1]},
    )
    plan = api.ok(
        "POST",
        "/api/v1/test-plans",
        json={"project_id": project["id"], "name": "p", "test_case_ids": [case["id"]]},
    )
    listing = f"/api/v1/executions?project_id={project['id']}"
    bad_run = api.post(
        "/api/v1/executions",
        json={
            "project_id": project["id"],
            "test_plan_id": plan["id"],
            "variables": {"password": entry},
        },
    )
    assert bad_run.status_code == 422, bad_run.text
    assert bad_run.json()["error"]["details"][0]["field"] == "variables.password"
    assert _count(api, listing) == 0


def test_a_secret_is_replaced_by_sending_it_again(api: Api, site: str, tmp_path: Path) -> None:
    project = api.ok(
        "POST",
        "/api/v1/projects",
        json={"name": "P", "base_url": site, "variables": {"pw": {"value": "one", "secret": True}}},
    )
    updated = api.ok(
        "PATCH",
        f"/api/v1/projects/{project['id']}",
        json={"variables": {"pw": {"value": "two", "secret": True}, "user": "u"}},
    )
    assert updated["variables"] == {"pw": {"value": None, "secret": True}, "user": "u"}
    plain = api.ok(
        "PATCH", f"/api/v1/projects/{project['id']}", json={"variables": {"pw": "shown"}}
    )
    assert plain["variables"] == {"pw": "shown"}


class _Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint that keeps every body it is sent."""

    bodies: list[bytes] = []

    def do_POST(self) -> None:
        type(self).bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_run_output_junit_and_webhook_payloads_hold_no_secret(
    api: Api, bugbrain: BugbrainServer, site: str, tmp_path: Path
) -> None:
    """The same failing plan through `bugbrain run` (a secret from the
    environment, a JUnit report) with a webhook subscribed to its events."""
    _Receiver.bodies = []
    project = api.ok(
        "POST",
        "/api/v1/projects",
        json={
            "name": "Secrets, CI",
            "base_url": site,
            "variables": {
                "password": {"value": PASSWORD, "secret": True},
                "token": {"value": TOKEN, "secret": True},
            },
        },
    )
    case = api.ok(
        "POST",
        "/api/v1/test-cases",
        json={"project_id": project["id"], "name": "Sign in", "steps": STEPS},
    )
    plan = api.ok(
        "POST",
        "/api/v1/test-plans",
        json={
            "project_id": project["id"],
            "name": "Secrets, CI",
            "test_case_ids": [case["id"]],
            "element_wait_timeout_ms": 1500,
        },
    )
    with serving(_Receiver) as receiver:
        events = ["execution.completed", "test.failed"]
        api.ok("POST", "/api/v1/webhooks", json={"url": receiver, "events": events})
        report = tmp_path / "junit.xml"
        command = [*BUGBRAIN, "run", "--plan", plan["id"], "--project", project["id"]]
        command += ["--secret", "extra", "--junit", str(report), "--json"]
        env = {**os.environ, "BUGBRAIN_URL": bugbrain.url, "BUGBRAIN_API_KEY": api.key}
        done = subprocess.run(
            command,
            env={**env, "extra": EXTRA},  # --secret extra: its value from the environment
            capture_output=True,
            timeout=240,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 1, done.stderr  # the plan's last step fails
        outcome = json.loads(done.stdout)
        assert outcome["tests"][0]["status"] == "failed"
        deadline = time.monotonic() + 60
        while len(_Receiver.bodies) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    kinds = sorted(json.loads(body)["event"] for body in _Receiver.bodies)
    assert kinds == ["execution.completed", "test.failed"], kinds
    junit = report.read_bytes()
    assert MASK.encode() in junit  # the failure, masked, is there
    for name, data in [
        ("stdout", done.stdout),
        ("stderr", done.stderr),
        ("junit", junit),
        *(("webhook", body) for body in _Receiver.bodies),
        ("server log", bugbrain.log_path.read_bytes()),
    ]:
        assert not _leaks(data), name
