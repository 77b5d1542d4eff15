"""Every bad input gets the one error shape, the right status, names the field,
and writes nothing.

One table drives it: each row is a request (method, path, query, JSON or raw
body, Authorization header) and what must come back (status, error code, the
field named in ``details``). Around every row the SQLite file is read (read-only)
and must be unchanged afterwards: row counts of every table and the
``updated_at`` of every row that has one, plus the state of this module's
executions and keys.

A second table asks for workspace A's objects with workspace B's key and checks
that the answer is indistinguishable from asking for ids that do not exist.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests
import sqlalchemy as sa

from tests.support import seed
from tests.support.servers import Api, BugbrainServer, ShopServer

API = "/api/v1"
WORKSPACE_A = "bad-input-a"
WORKSPACE_B = "bad-input-b"
TABLES = (
    "projects",
    "test_cases",
    "test_plans",
    "executions",
    "test_results",
    "api_keys",
    "workspaces",
)
MAX_TIMEOUT = 21600  # settings.max_timeout_seconds default
# Well formed (prefix + 32 base58 characters) but never issued.
UNKNOWN_KEY = "bugbrain_sk_prod_" + "7Zq4mNx2Kp9RtWv3Ys8Hb6Jc5Ld1Fg4E"
# Ids of the right shape that exist nowhere.
FAKE = {
    "$project": "proj_1111111111111111",
    "$case": "test_1111111111111111",
    "$plan": "tp_1111111111111111",
    "$execution": "exec_1111111111111111",
}
TERMINAL = ("completed", "failed", "cancelled")


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    url: str
    api: Api  # workspace A
    other: Api  # workspace B
    db: str  # the server's database URL
    workspace_ids: tuple[str, str]
    revoked_key: str
    ids: dict[str, str]  # placeholder -> real id
    artifact: str  # stored path of one of the execution's screenshots

    def fill(self, value: Any) -> Any:
        """Replace placeholders ($project, ...) in strings, lists and dicts."""
        if isinstance(value, str):
            for name in sorted(self.ids, key=len, reverse=True):
                value = value.replace(name, self.ids[name])
            return value
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {self.fill(k): self.fill(v) for k, v in value.items()}
        return value


def _cli(server: BugbrainServer, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "bugbrain.cli", *args],
        env=server.env(),
        capture_output=True,
        check=True,
        timeout=60,
        text=True,
    )
    return out.stdout


def _artifact_path(results: dict[str, Any]) -> str:
    urls = [t.get("screenshot") for t in results["test_results"]]
    urls += [s.get("screenshot") for t in results["test_results"] for s in t.get("steps", [])]
    for url in urls:
        if url:
            path = urlsplit(url).path
            assert path.startswith(f"{API}/artifacts/"), url
            return unquote(path.removeprefix(f"{API}/artifacts/"))
    raise AssertionError(f"the execution stored no screenshot: {results}")


@pytest.fixture(scope="module")
def world(bugbrain: BugbrainServer, shop: ShopServer) -> World:
    api = bugbrain.client(WORKSPACE_A)
    other = bugbrain.client(WORKSPACE_B)

    proj = seed.project(api, shop.url, environments={"staging": {"base_url": shop.url}})
    case = seed.test_case(
        api,
        proj["id"],
        "About",
        [{"description": "Open about", "action": "navigate", "value": "/about"}],
    )
    plan = seed.plan(api, proj["id"], [case])
    other_proj = seed.project(api, shop.url, name="Other")
    other_case = seed.test_case(
        api,
        other_proj["id"],
        "Other about",
        [{"description": "Open about", "action": "navigate", "value": "/about"}],
    )
    other_plan = seed.plan(api, other_proj["id"], [other_case])

    response = api.post(
        f"{API}/executions",
        json={"test_plan_id": plan, "project_id": proj["id"], "timeout_seconds": 60},
    )
    assert response.status_code == 200, response.text
    execution = response.json()
    assert execution["status"] in TERMINAL, execution
    results = api.ok("GET", f"{API}/executions/{execution['id']}/results")

    # A key that existed and was revoked.
    name = f"revoked-{uuid.uuid4().hex[:8]}"
    revoked = bugbrain.create_key(WORKSPACE_A, name=name)
    listed = json.loads(
        _cli(
            bugbrain,
            "keys",
            "list",
            "--json",
            "--workspace",
            WORKSPACE_A,
            "--data-dir",
            str(bugbrain.data_dir),
        )
    )
    (key_id,) = [k["id"] for k in listed if k["name"] == name]
    _cli(bugbrain, "keys", "revoke", key_id, "--data-dir", str(bugbrain.data_dir))

    db = bugbrain.database_url
    with _reading(db) as conn:
        found: dict[str, str] = dict(
            conn.execute(
                sa.text("SELECT name, id FROM workspaces WHERE name IN (:a, :b)"),
                {"a": WORKSPACE_A, "b": WORKSPACE_B},
            ).all()
        )
    artifact = _artifact_path(results)
    return World(
        url=bugbrain.url,
        api=api,
        other=other,
        db=db,
        workspace_ids=(found[WORKSPACE_A], found[WORKSPACE_B]),
        revoked_key=revoked,
        ids={
            "$project": proj["id"],
            "$case": case,
            "$plan": plan,
            "$other_project": other_proj["id"],
            "$other_case": other_case,
            "$other_plan": other_plan,
            "$execution": execution["id"],
            "$artifact": artifact,
        },
        artifact=artifact,
    )


@contextlib.contextmanager
def _reading(url: str) -> Iterator[sa.Connection]:
    """A read-only look at the server's database (SQLite: without taking a lock)."""
    engine = sa.create_engine(
        f"sqlite:///file:{url.split('///', 1)[1]}?mode=ro&uri=true"
        if url.startswith("sqlite")
        else url.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def snapshot(world: World) -> dict[str, Any]:
    """Everything a bad request could have written."""
    out: dict[str, Any] = {}
    ws = {"a": world.workspace_ids[0], "b": world.workspace_ids[1]}
    with _reading(world.db) as conn:

        def rows(sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(sa.text(sql), params or {}).all()]

        for table in TABLES:
            out[f"{table} rows"] = rows(f"SELECT count(*) FROM {table}")[0][0]
        for table in ("projects", "test_cases", "test_plans"):
            out[f"{table} updated_at"] = rows(f"SELECT id, updated_at FROM {table} ORDER BY id")
        # Executions of other test modules may still be moving; ours are finished.
        out["executions"] = rows(
            "SELECT id, status, completed_at, cancelled_at, cancellation_reason, "
            "passed_tests, failed_tests, skipped_tests FROM executions "
            "WHERE workspace_id IN (:a, :b) ORDER BY id",
            ws,
        )
        out["test_results"] = rows(
            "SELECT r.execution_id, r.position, r.status FROM test_results r "
            "JOIN executions e ON e.id = r.execution_id "
            "WHERE e.workspace_id IN (:a, :b) ORDER BY 1, 2",
            ws,
        )
        out["api_keys revoked"] = rows(
            "SELECT id, revoked_at, expires_at FROM api_keys ORDER BY id"
        )
    return out


def assert_error(response: requests.Response, status: int, code: str, field: str | None) -> None:
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code != 500, f"{where}: 500 {response.text}"
    assert response.status_code == status, f"{where}: {response.status_code} {response.text}"
    assert response.headers.get("content-type", "").startswith("application/json"), (
        f"{where}: {response.headers.get('content-type')} {response.text}"
    )
    body = response.json()
    assert isinstance(body, dict), body
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict), body
    assert {"code", "message"} <= set(error) <= {"code", "message", "details"}, body
    assert isinstance(error["code"], str), body
    assert error["code"] == code, f"{where}: {body}"
    assert isinstance(error["message"], str), body
    assert error["message"].strip(), body
    details = error.get("details", [])
    assert isinstance(details, list), body
    for detail in details:
        assert isinstance(detail, dict), body
        assert set(detail) == {"field", "message"}, body
        assert isinstance(detail["field"], str), body
        assert isinstance(detail["message"], str), body
        assert detail["message"], body
    if field is not None:
        assert field in [d["field"] for d in details], f"{where}: no detail for {field!r}: {body}"


# --------------------------------------------------------------------------- the table

NO_BODY = object()
KEY = "$key"  # Authorization: Bearer <workspace A's key>
REVOKED = "$revoked"  # Authorization: Bearer <a revoked key>


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    status: int
    code: str
    field: str | None = None
    params: dict[str, str] | None = None
    body: Any = NO_BODY
    raw: bytes | None = None
    content_type: str = "application/json"
    authorization: str | None = KEY
    bug: str | None = None  # a known src/ bug: the row is expected to fail (strict xfail)


def send(world: World, row: Row) -> requests.Response:
    headers: dict[str, str] = {}
    if row.authorization == KEY:
        headers["Authorization"] = f"Bearer {world.api.key}"
    elif row.authorization == REVOKED:
        headers["Authorization"] = f"Bearer {world.revoked_key}"
    elif row.authorization is not None:
        headers["Authorization"] = row.authorization
    kwargs: dict[str, Any] = {"headers": headers, "timeout": 60}
    if row.params is not None:
        kwargs["params"] = world.fill(row.params)
    if row.raw is not None:
        headers["Content-Type"] = row.content_type
        kwargs["data"] = row.raw
    elif row.body is not NO_BODY:
        kwargs["json"] = world.fill(row.body)
    return requests.request(row.method, world.url + world.fill(row.path), **kwargs)


def invalid(name: str, method: str, path: str, field: str, **kw: Any) -> Row:
    return Row(name, method, path, 422, "validation_error", field, **kw)


# ---- GET /executions

LIST = {"project_id": "$project"}
EXECUTION_LIST_ROWS = [
    invalid(
        "exec list limit=0", "GET", f"{API}/executions", "limit", params={**LIST, "limit": "0"}
    ),
    invalid(
        "exec list limit=101", "GET", f"{API}/executions", "limit", params={**LIST, "limit": "101"}
    ),
    invalid(
        "exec list limit=abc", "GET", f"{API}/executions", "limit", params={**LIST, "limit": "abc"}
    ),
    invalid(
        "exec list limit=1.5", "GET", f"{API}/executions", "limit", params={**LIST, "limit": "1.5"}
    ),
    invalid(
        "exec list offset=-1", "GET", f"{API}/executions", "offset", params={**LIST, "offset": "-1"}
    ),
    invalid(
        "exec list offset=x", "GET", f"{API}/executions", "offset", params={**LIST, "offset": "x"}
    ),
    invalid(
        "exec list status=bogus",
        "GET",
        f"{API}/executions",
        "status",
        params={**LIST, "status": "bogus"},
    ),
    invalid(
        "exec list created_after=yesterday",
        "GET",
        f"{API}/executions",
        "created_after",
        params={**LIST, "created_after": "yesterday"},
    ),
    invalid(
        "exec list created_before=notadate",
        "GET",
        f"{API}/executions",
        "created_before",
        params={**LIST, "created_before": "notadate"},
    ),
    invalid(
        "exec list created_after=0 (a number, not a date)",
        "GET",
        f"{API}/executions",
        "created_after",
        params={**LIST, "created_after": "0"},
    ),
    invalid(
        "exec list missing project_id",
        "GET",
        f"{API}/executions",
        "project_id",
        params={"limit": "10"},
    ),
    invalid(
        "exec list empty project_id",
        "GET",
        f"{API}/executions",
        "project_id",
        params={"project_id": ""},
    ),
    invalid(
        "exec list test_plan_id too long",
        "GET",
        f"{API}/executions",
        "test_plan_id",
        params={**LIST, "test_plan_id": "x" * 41},
    ),
    Row(
        "exec list unknown project_id",
        "GET",
        f"{API}/executions",
        404,
        "not_found",
        params={"project_id": FAKE["$project"]},
    ),
]

# ---- POST /executions and /executions/async

GOOD = {"test_plan_id": "$plan", "project_id": "$project"}
CREATE_BODIES: list[tuple[str, Any, int, str, str | None]] = [
    ("missing test_plan_id", {"project_id": "$project"}, 422, "validation_error", "test_plan_id"),
    ("empty object", {}, 422, "validation_error", "project_id"),
    (
        "unknown test_plan_id",
        {**GOOD, "test_plan_id": FAKE["$plan"]},
        422,
        "validation_error",
        "test_plan_id",
    ),
    (
        "plan of another project",
        {**GOOD, "test_plan_id": "$other_plan"},
        422,
        "validation_error",
        "test_plan_id",
    ),
    (
        "test_plan_id not a string",
        {**GOOD, "test_plan_id": 123},
        422,
        "validation_error",
        "test_plan_id",
    ),
    ("test_plan_id empty", {**GOOD, "test_plan_id": ""}, 422, "validation_error", "test_plan_id"),
    (
        "test_plan_id too long",
        {**GOOD, "test_plan_id": "t" * 41},
        422,
        "validation_error",
        "test_plan_id",
    ),
    ("missing project_id", {"test_plan_id": "$plan"}, 422, "validation_error", "project_id"),
    (
        "unknown project_id",
        {**GOOD, "project_id": FAKE["$project"]},
        422,
        "validation_error",
        "project_id",
    ),
    ("project_id null", {**GOOD, "project_id": None}, 422, "validation_error", "project_id"),
    (
        "timeout_seconds 0",
        {**GOOD, "timeout_seconds": 0},
        422,
        "validation_error",
        "timeout_seconds",
    ),
    (
        "timeout_seconds -5",
        {**GOOD, "timeout_seconds": -5},
        422,
        "validation_error",
        "timeout_seconds",
    ),
    (
        "timeout_seconds 'x'",
        {**GOOD, "timeout_seconds": "x"},
        422,
        "validation_error",
        "timeout_seconds",
    ),
    (
        "timeout_seconds '30'",
        {**GOOD, "timeout_seconds": "30"},
        422,
        "validation_error",
        "timeout_seconds",
    ),
    (
        "timeout_seconds 1.5",
        {**GOOD, "timeout_seconds": 1.5},
        422,
        "validation_error",
        "timeout_seconds",
    ),
    (
        "timeout_seconds true",
        {**GOOD, "timeout_seconds": True},
        422,
        "validation_error",
        "timeout_seconds",
    ),
    (
        "timeout_seconds above max",
        {**GOOD, "timeout_seconds": MAX_TIMEOUT + 1},
        422,
        "validation_error",
        "timeout_seconds",
    ),
    (
        "timeout_seconds huge",
        {**GOOD, "timeout_seconds": 10**30},
        422,
        "validation_error",
        "timeout_seconds",
    ),
    ("variables list", {**GOOD, "variables": ["a", "b"]}, 422, "validation_error", "variables"),
    ("variables string", {**GOOD, "variables": "a=b"}, 422, "validation_error", "variables"),
    (
        "variables nested object",
        {**GOOD, "variables": {"nested": {"a": 1}}},
        422,
        "validation_error",
        "variables.nested",
    ),
    (
        "variables null value",
        {**GOOD, "variables": {"k": None}},
        422,
        "validation_error",
        "variables.k",
    ),
    (
        "variables bad name",
        {**GOOD, "variables": {"1 bad": "x"}},
        422,
        "validation_error",
        "variables",
    ),
    (
        "environment unknown",
        {**GOOD, "environment": "production"},
        422,
        "validation_error",
        "environment",
    ),
    (
        "environment bad name",
        {**GOOD, "environment": "no spaces"},
        422,
        "validation_error",
        "environment",
    ),
    (
        "environment not a string",
        {**GOOD, "environment": 5},
        422,
        "validation_error",
        "environment",
    ),
    (
        "wait_for_completion 'yes'",
        {**GOOD, "wait_for_completion": "yes"},
        422,
        "validation_error",
        "wait_for_completion",
    ),
    (
        "wait_for_completion 1",
        {**GOOD, "wait_for_completion": 1},
        422,
        "validation_error",
        "wait_for_completion",
    ),
    (
        "unknown field timeout_second",
        {**GOOD, "timeout_second": 30},
        422,
        "validation_error",
        "timeout_second",
    ),
    ("JSON array body", [GOOD], 400, "invalid_body", "body"),
    ("JSON string body", "hello", 400, "invalid_body", "body"),
    ("JSON number body", 42, 400, "invalid_body", "body"),
]
CREATE_RAW: list[tuple[str, bytes, str, int, str]] = [
    ("body not JSON", b"{bad", "application/json", 400, "invalid_json"),
    ("body truncated JSON", b'{"test_plan_id": "x", ', "application/json", 400, "invalid_json"),
    ("empty body", b"", "application/json", 400, "invalid_body"),
    ("JSON null body", b"null", "application/json", 400, "invalid_body"),
    (
        "JSON sent as text/plain",
        b'{"test_plan_id": "x", "project_id": "y"}',
        "text/plain",
        400,
        "invalid_body",
    ),
]


def _execution_create_rows() -> list[Row]:
    rows: list[Row] = []
    for path in ("/executions", "/executions/async"):
        for name, body, status, code, field in CREATE_BODIES:
            rows.append(
                Row(f"POST {path} {name}", "POST", API + path, status, code, field, body=body)
            )
        for name, raw, content_type, status, code in CREATE_RAW:
            rows.append(
                Row(
                    f"POST {path} {name}",
                    "POST",
                    API + path,
                    status,
                    code,
                    "body",
                    raw=raw,
                    content_type=content_type,
                )
            )
        rows.append(
            Row(
                f"POST {path} no auth",
                "POST",
                API + path,
                401,
                "unauthorized",
                body=GOOD,
                authorization=None,
            )
        )
        rows.append(
            Row(
                f"POST {path} revoked key",
                "POST",
                API + path,
                401,
                "unauthorized",
                body=GOOD,
                authorization=REVOKED,
            )
        )
    return rows


EXECUTION_OTHER_ROWS = [
    Row("DELETE finished execution", "DELETE", f"{API}/executions/$execution", 409, "conflict"),
]

# ---- projects

PROJECTS = f"{API}/projects"
PROJECT_ROWS = [
    invalid("project missing name", "POST", PROJECTS, "name", body={"base_url": "http://x"}),
    invalid("project empty name", "POST", PROJECTS, "name", body={"name": ""}),
    invalid("project blank name", "POST", PROJECTS, "name", body={"name": "   "}),
    invalid("project name not a string", "POST", PROJECTS, "name", body={"name": 7}),
    invalid("project name too long", "POST", PROJECTS, "name", body={"name": "n" * 301}),
    invalid(
        "project base_url ftp",
        "POST",
        PROJECTS,
        "base_url",
        body={"name": "P", "base_url": "ftp://x"},
    ),
    invalid(
        "project base_url not a url",
        "POST",
        PROJECTS,
        "base_url",
        body={"name": "P", "base_url": "not a url"},
    ),
    *[
        invalid(
            f"project base_url {url}",
            "POST",
            PROJECTS,
            "base_url",
            body={"name": "P", "base_url": url},
        )
        for url in ("file:///etc/", "javascript:alert(1)", "data:text/html,x", "chrome://version")
    ],
    invalid(
        "project environment base_url file",
        "POST",
        PROJECTS,
        "environments.staging.base_url",
        body={"name": "P", "environments": {"staging": {"base_url": "file:///etc/"}}},
    ),
    invalid(
        "project patch base_url file",
        "PATCH",
        f"{PROJECTS}/$project",
        "base_url",
        body={"base_url": "file:///etc/"},
    ),
    invalid(
        "project patch environment base_url view-source",
        "PATCH",
        f"{PROJECTS}/$project",
        "environments.staging.base_url",
        body={"environments": {"staging": {"base_url": "view-source:http://x"}}},
    ),
    invalid(
        "project default_environment unknown",
        "POST",
        PROJECTS,
        "default_environment",
        body={"name": "P", "environments": {"staging": {}}, "default_environment": "prod"},
    ),
    invalid(
        "project default_environment without environments",
        "POST",
        PROJECTS,
        "default_environment",
        body={"name": "P", "default_environment": "staging"},
    ),
    invalid(
        "project environment bad name",
        "POST",
        PROJECTS,
        "environments.bad name!",
        body={"name": "P", "environments": {"bad name!": {}}},
    ),
    invalid(
        "project environment base_url bad",
        "POST",
        PROJECTS,
        "environments.staging.base_url",
        body={"name": "P", "environments": {"staging": {"base_url": "ftp://x"}}},
    ),
    invalid(
        "project environment unknown field",
        "POST",
        PROJECTS,
        "environments.staging.url",
        body={"name": "P", "environments": {"staging": {"url": "http://x"}}},
    ),
    invalid(
        "project environments list",
        "POST",
        PROJECTS,
        "environments",
        body={"name": "P", "environments": ["staging"]},
    ),
    invalid(
        "project variables list",
        "POST",
        PROJECTS,
        "variables",
        body={"name": "P", "variables": [1]},
    ),
    invalid(
        "project unknown field",
        "POST",
        PROJECTS,
        "baseurl",
        body={"name": "P", "baseurl": "http://x"},
    ),
    Row("project body not JSON", "POST", PROJECTS, 400, "invalid_json", "body", raw=b"{bad"),
    Row("project body array", "POST", PROJECTS, 400, "invalid_body", "body", body=[]),
    invalid("project list limit=0", "GET", PROJECTS, "limit", params={"limit": "0"}),
    invalid("project list limit=501", "GET", PROJECTS, "limit", params={"limit": "501"}),
    invalid(
        "project patch name null", "PATCH", f"{PROJECTS}/$project", "name", body={"name": None}
    ),
    invalid("project patch empty name", "PATCH", f"{PROJECTS}/$project", "name", body={"name": ""}),
    invalid(
        "project patch default_environment unknown",
        "PATCH",
        f"{PROJECTS}/$project",
        "default_environment",
        body={"default_environment": "nope"},
    ),
    invalid(
        "project patch drops the default's environment",
        "PATCH",
        f"{PROJECTS}/$project",
        "default_environment",
        body={"environments": {}, "default_environment": "staging"},
    ),
    invalid(
        "project patch unknown field", "PATCH", f"{PROJECTS}/$project", "nme", body={"nme": "x"}
    ),
    Row(
        "project patch unknown id",
        "PATCH",
        f"{PROJECTS}/{FAKE['$project']}",
        404,
        "not_found",
        body={"name": "x"},
    ),
    Row(
        "project patch body array",
        "PATCH",
        f"{PROJECTS}/$project",
        400,
        "invalid_body",
        "body",
        body=[{"name": "x"}],
    ),
    Row(
        "project patch body not JSON",
        "PATCH",
        f"{PROJECTS}/$project",
        400,
        "invalid_json",
        "body",
        raw=b"name=x",
    ),
    Row("project delete unknown id", "DELETE", f"{PROJECTS}/{FAKE['$project']}", 404, "not_found"),
]

# ---- test cases

CASES = f"{API}/test-cases"
CASE = {"project_id": "$project", "name": "T"}
# A navigate step may open http(s) only: anything else could read the server's files.
REFUSED_URLS = {
    "file": "file:///etc/passwd",
    "FILE upper case": "FILE:///etc/passwd",
    "file after a tab": "\tfile:///etc/passwd",
    "file with a tab inside": "fi\tle:///etc/passwd",
    "file with a variable": "file:///{{path}}",
    "view-source": "view-source:file:///etc/passwd",
    "chrome": "chrome://version",
    "chrome-extension": "chrome-extension://abcdefgh/x.html",
    "javascript": "javascript:alert(document.cookie)",
    "data": "data:text/html,<p>x</p>",
    "blob": "blob:http://127.0.0.1/0b4c3a2e",
    "filesystem": "filesystem:file:///etc/passwd",
    "about:version": "about:version",
    "ftp": "ftp://127.0.0.1/x",
    "ws": "ws://127.0.0.1/",
}
FILE_URL = REFUSED_URLS["file"]
OPEN_OK = {"action": "navigate", "value": "/about"}
CLICK = {"action": "click", "selector": "#a"}
CASE_URL_ROWS = [
    *[
        invalid(
            f"case navigate {name}",
            "POST",
            CASES,
            "steps[2].value",
            body={**CASE, "steps": [OPEN_OK, CLICK, {"action": "navigate", "value": url}]},
        )
        for name, url in REFUSED_URLS.items()
    ],
    invalid(
        "case goto file",
        "POST",
        CASES,
        "steps[0].value",
        body={**CASE, "steps": [{"action": "goto", "value": FILE_URL}]},
    ),
    invalid(
        "case navigate file in selector",
        "POST",
        CASES,
        "steps[0].selector",
        body={**CASE, "steps": [{"action": "navigate", "selector": FILE_URL}]},
    ),
    invalid(
        "case plain English go to file",
        "POST",
        CASES,
        "steps[0].description",
        body={**CASE, "steps": [{"description": f"Go to {FILE_URL}"}]},
    ),
    invalid(
        "case plain English navigate action takes the file from its words",
        "POST",
        CASES,
        "steps[1].description",
        body={
            **CASE,
            "steps": [OPEN_OK, {"action": "navigate", "description": f"Open {FILE_URL}"}],
        },
    ),
    invalid(
        "case plain English open quoted data",
        "POST",
        CASES,
        "steps[1].description",
        body={**CASE, "steps": [OPEN_OK, {"description": "Open 'data:text/html,<p>x</p>'"}]},
    ),
    invalid(
        "case second of two refused steps",
        "POST",
        CASES,
        "steps[1].value",
        body={
            **CASE,
            "steps": [
                {"action": "navigate", "value": FILE_URL},
                {"action": "navigate", "value": "chrome://version"},
            ],
        },
    ),
    invalid(
        "case patch navigate file",
        "PATCH",
        f"{CASES}/$case",
        "steps[0].value",
        body={"steps": [{"action": "navigate", "value": FILE_URL}]},
    ),
    invalid(
        "case patch plain English view-source",
        "PATCH",
        f"{CASES}/$case",
        "steps[1].description",
        body={"steps": [OPEN_OK, {"description": "Go to 'view-source:file:///etc/passwd'"}]},
    ),
]
CASE_ROWS = [
    *CASE_URL_ROWS,
    invalid("case missing project_id", "POST", CASES, "project_id", body={"name": "T"}),
    invalid(
        "case unknown project_id",
        "POST",
        CASES,
        "project_id",
        body={**CASE, "project_id": FAKE["$project"]},
    ),
    invalid("case missing name", "POST", CASES, "name", body={"project_id": "$project"}),
    invalid("case status bogus", "POST", CASES, "status", body={**CASE, "status": "bogus"}),
    invalid("case priority urgent", "POST", CASES, "priority", body={**CASE, "priority": "urgent"}),
    invalid(
        "case step unknown action",
        "POST",
        CASES,
        "steps[0].action",
        body={**CASE, "steps": [{"action": "teleport", "description": "x"}]},
    ),
    invalid(
        "case second step unknown action",
        "POST",
        CASES,
        "steps[1].action",
        body={**CASE, "steps": [{"action": "click", "selector": "#a"}, {"action": "fly"}]},
    ),
    invalid(
        "case step without action or description",
        "POST",
        CASES,
        "steps[0]",
        body={**CASE, "steps": [{"selector": "#a"}]},
    ),
    invalid(
        "case step unknown field",
        "POST",
        CASES,
        "steps[0].target",
        body={**CASE, "steps": [{"action": "click", "target": "#a"}]},
    ),
    invalid(
        "case step not an object", "POST", CASES, "steps[0]", body={**CASE, "steps": ["click #a"]}
    ),
    invalid("case steps not a list", "POST", CASES, "steps", body={**CASE, "steps": "click"}),
    invalid("case tags not a list", "POST", CASES, "tags", body={**CASE, "tags": "smoke"}),
    invalid("case tag not a string", "POST", CASES, "tags[0]", body={**CASE, "tags": [1]}),
    invalid("case empty tag", "POST", CASES, "tags[1]", body={**CASE, "tags": ["a", ""]}),
    invalid("case list missing project_id", "GET", CASES, "project_id", params={}),
    invalid(
        "case list project_id too long", "GET", CASES, "project_id", params={"project_id": "p" * 41}
    ),
    invalid(
        "case list limit=501",
        "GET",
        CASES,
        "limit",
        params={"project_id": "$project", "limit": "501"},
    ),
    invalid(
        "case list status deleted",
        "GET",
        CASES,
        "status",
        params={"project_id": "$project", "status": "deleted"},
    ),
    invalid(
        "case list plan of another project",
        "GET",
        CASES,
        "test_plan_id",
        params={"project_id": "$project", "test_plan_id": "$other_plan"},
    ),
    Row(
        "case list unknown project",
        "GET",
        CASES,
        404,
        "not_found",
        params={"project_id": FAKE["$project"]},
    ),
    invalid("case patch name null", "PATCH", f"{CASES}/$case", "name", body={"name": None}),
    invalid("case patch steps null", "PATCH", f"{CASES}/$case", "steps", body={"steps": None}),
    invalid(
        "case patch priority urgent",
        "PATCH",
        f"{CASES}/$case",
        "priority",
        body={"priority": "urgent"},
    ),
    invalid(
        "case patch project_id",
        "PATCH",
        f"{CASES}/$case",
        "project_id",
        body={"project_id": "$other_project"},
    ),
    Row(
        "case patch unknown id",
        "PATCH",
        f"{CASES}/{FAKE['$case']}",
        404,
        "not_found",
        body={"name": "x"},
    ),
    Row("case delete unknown id", "DELETE", f"{CASES}/{FAKE['$case']}", 404, "not_found"),
]

# ---- test plans

PLANS = f"{API}/test-plans"
PLAN = {"project_id": "$project", "name": "P"}
PLAN_ROWS = [
    invalid("plan missing project_id", "POST", PLANS, "project_id", body={"name": "P"}),
    invalid(
        "plan unknown project_id",
        "POST",
        PLANS,
        "project_id",
        body={**PLAN, "project_id": FAKE["$project"]},
    ),
    invalid("plan missing name", "POST", PLANS, "name", body={"project_id": "$project"}),
    invalid("plan parallelism 0", "POST", PLANS, "parallelism", body={**PLAN, "parallelism": 0}),
    invalid("plan parallelism 17", "POST", PLANS, "parallelism", body={**PLAN, "parallelism": 17}),
    invalid(
        "plan parallelism '2'", "POST", PLANS, "parallelism", body={**PLAN, "parallelism": "2"}
    ),
    invalid(
        "plan screenshot_mode sometimes",
        "POST",
        PLANS,
        "screenshot_mode",
        body={**PLAN, "screenshot_mode": "sometimes"},
    ),
    invalid("plan browser firefox", "POST", PLANS, "browser", body={**PLAN, "browser": "firefox"}),
    invalid(
        "plan element_wait_timeout_ms 50",
        "POST",
        PLANS,
        "element_wait_timeout_ms",
        body={**PLAN, "element_wait_timeout_ms": 50},
    ),
    invalid(
        "plan element_wait_timeout_ms too big",
        "POST",
        PLANS,
        "element_wait_timeout_ms",
        body={**PLAN, "element_wait_timeout_ms": 120_001},
    ),
    invalid(
        "plan stop_on_first_failure 'no'",
        "POST",
        PLANS,
        "stop_on_first_failure",
        body={**PLAN, "stop_on_first_failure": "no"},
    ),
    invalid(
        "plan trace_mode sometimes",
        "POST",
        PLANS,
        "trace_mode",
        body={**PLAN, "trace_mode": "sometimes"},
    ),
    invalid(
        "plan trace_snapshots 'yes'",
        "POST",
        PLANS,
        "trace_snapshots",
        body={**PLAN, "trace_snapshots": "yes"},
    ),
    invalid("plan retries 6", "POST", PLANS, "retries", body={**PLAN, "retries": 6}),
    invalid("plan healing always", "POST", PLANS, "healing", body={**PLAN, "healing": "always"}),
    invalid(
        "plan page_ready networkidle",
        "POST",
        PLANS,
        "page_ready",
        body={**PLAN, "page_ready": "networkidle"},
    ),
    invalid("plan page_ready null", "POST", PLANS, "page_ready", body={**PLAN, "page_ready": None}),
    invalid(
        "plan screenshot_source png",
        "POST",
        PLANS,
        "screenshot_source",
        body={**PLAN, "screenshot_source": "png"},
    ),
    invalid(
        "plan screenshot_source null",
        "POST",
        PLANS,
        "screenshot_source",
        body={**PLAN, "screenshot_source": None},
    ),
    invalid(
        "plan unknown test case id",
        "POST",
        PLANS,
        "test_case_ids[0]",
        body={**PLAN, "test_case_ids": [FAKE["$case"]]},
    ),
    invalid(
        "plan unknown test case id second",
        "POST",
        PLANS,
        "test_case_ids[1]",
        body={**PLAN, "test_case_ids": ["$case", FAKE["$case"]]},
    ),
    invalid(
        "plan duplicate test case ids",
        "POST",
        PLANS,
        "test_case_ids[1]",
        body={**PLAN, "test_case_ids": ["$case", "$case"]},
    ),
    invalid(
        "plan test case of another project",
        "POST",
        PLANS,
        "test_case_ids[0]",
        body={**PLAN, "test_case_ids": ["$other_case"]},
    ),
    invalid(
        "plan test_case_ids not a list",
        "POST",
        PLANS,
        "test_case_ids",
        body={**PLAN, "test_case_ids": "$case"},
    ),
    invalid(
        "plan test case id not a string",
        "POST",
        PLANS,
        "test_case_ids[0]",
        body={**PLAN, "test_case_ids": [1]},
    ),
    invalid("plan list missing project_id", "GET", PLANS, "project_id", params={}),
    invalid(
        "plan list offset=-1",
        "GET",
        PLANS,
        "offset",
        params={"project_id": "$project", "offset": "-1"},
    ),
    Row(
        "plan list unknown project",
        "GET",
        PLANS,
        404,
        "not_found",
        params={"project_id": FAKE["$project"]},
    ),
    invalid(
        "plan patch parallelism null",
        "PATCH",
        f"{PLANS}/$plan",
        "parallelism",
        body={"parallelism": None},
    ),
    invalid(
        "plan patch test case of another project",
        "PATCH",
        f"{PLANS}/$plan",
        "test_case_ids[0]",
        body={"test_case_ids": ["$other_case"]},
    ),
    invalid(
        "plan patch screenshot_source DOM",
        "PATCH",
        f"{PLANS}/$plan",
        "screenshot_source",
        body={"screenshot_source": "DOM_SNAPSHOT"},
    ),
    invalid(
        "plan patch page_ready LOAD",
        "PATCH",
        f"{PLANS}/$plan",
        "page_ready",
        body={"page_ready": "LOAD"},
    ),
    invalid(
        "plan patch browser firefox",
        "PATCH",
        f"{PLANS}/$plan",
        "browser",
        body={"browser": "firefox"},
    ),
    Row(
        "plan patch unknown id",
        "PATCH",
        f"{PLANS}/{FAKE['$plan']}",
        404,
        "not_found",
        body={"name": "x"},
    ),
    Row("plan delete unknown id", "DELETE", f"{PLANS}/{FAKE['$plan']}", 404, "not_found"),
]

# ---- authentication

AUTH_HEADERS: list[tuple[str, str | None]] = [
    ("no header", None),
    ("Basic", "Basic x"),
    ("Bearer garbage", "Bearer not-a-key"),
    ("Bearer empty", "Bearer "),
    ("bare key without scheme", f"bugbrain_sk_prod_{'7' * 32}"),
    ("Bearer wrong prefix", f"Bearer bugbrain_pk_prod_{'7' * 32}"),
    ("Bearer short secret", f"Bearer bugbrain_sk_prod_{'7' * 31}"),
    ("Bearer non-base58 secret", f"Bearer bugbrain_sk_prod_{'0' * 32}"),
    ("Bearer well-formed unknown key", f"Bearer {UNKNOWN_KEY}"),
    ("Bearer well-formed unknown dev key", f"Bearer {UNKNOWN_KEY.replace('_prod_', '_dev_')}"),
    ("Bearer key twice", f"Bearer {UNKNOWN_KEY} {UNKNOWN_KEY}"),
    ("Bearer revoked key", REVOKED),
]
AUTH_TARGETS = [
    ("GET", f"{API}/projects"),
    ("GET", f"{API}/executions?project_id=$project"),
    ("GET", f"{API}/executions/$execution/results"),
]
AUTH_ROWS = [
    Row(f"auth {label} {method} {path}", method, path, 401, "unauthorized", authorization=header)
    for label, header in AUTH_HEADERS
    for method, path in AUTH_TARGETS
] + [
    Row(
        "auth no header POST project",
        "POST",
        PROJECTS,
        401,
        "unauthorized",
        body={"name": "P"},
        authorization=None,
    ),
    Row(
        "auth unknown key DELETE project",
        "DELETE",
        f"{PROJECTS}/$project",
        401,
        "unauthorized",
        authorization=f"Bearer {UNKNOWN_KEY}",
    ),
    Row(
        "auth revoked key DELETE execution",
        "DELETE",
        f"{API}/executions/$execution",
        401,
        "unauthorized",
        authorization=REVOKED,
    ),
    # Auth is checked before the body: a bad body with a bad key is still a 401.
    Row(
        "auth unknown key with invalid body",
        "POST",
        f"{API}/executions",
        401,
        "unauthorized",
        body={"bogus": 1},
        authorization=f"Bearer {UNKNOWN_KEY}",
    ),
]

# ---- unknown ids, routes, methods; artifacts

NOT_FOUND_ROWS = [
    Row(f"unknown id {method} {path}", method, path, 404, "not_found")
    for method, path in [
        ("GET", f"{API}/projects/x"),
        ("GET", f"{API}/test-cases/x"),
        ("GET", f"{API}/test-plans/x"),
        ("GET", f"{API}/executions/x"),
        ("GET", f"{API}/executions/x/status"),
        ("GET", f"{API}/executions/x/results"),
        ("GET", f"{API}/executions/x/failure-analysis"),
        ("DELETE", f"{API}/executions/x"),
        ("GET", f"{API}/executions/{FAKE['$execution']}"),
        ("DELETE", f"{API}/executions/{FAKE['$execution']}"),
        ("GET", f"{API}/artifacts/x/step_1.png"),
        ("GET", f"{API}/artifacts/$execution/nope.png"),
        ("GET", f"{API}/artifacts/$execution/%2e%2e/%2e%2e/secret.key"),
    ]
] + [
    Row("unknown route /api/v1/nope", "GET", f"{API}/nope", 404, "not_found"),
    Row("unknown route without auth", "GET", f"{API}/nope", 404, "not_found", authorization=None),
    Row("unknown route /nope", "GET", "/nope", 404, "not_found"),
    Row("unknown sub-route", "GET", f"{API}/executions/$execution/logs", 404, "not_found"),
    Row(
        "wrong method PUT projects", "PUT", PROJECTS, 405, "method_not_allowed", body={"name": "P"}
    ),
    Row(
        "wrong method PATCH executions",
        "PATCH",
        f"{API}/executions",
        405,
        "method_not_allowed",
        body={},
    ),
    Row(
        "wrong method POST execution id",
        "POST",
        f"{API}/executions/$execution",
        405,
        "method_not_allowed",
        body={},
    ),
    Row(
        "wrong method DELETE status",
        "DELETE",
        f"{API}/executions/$execution/status",
        405,
        "method_not_allowed",
    ),
    Row(
        "artifact bad signature",
        "GET",
        f"{API}/artifacts/$execution/x.png",
        403,
        "forbidden",
        params={"expires": "9999999999", "signature": "00" * 32},
        authorization=None,
    ),
    Row(
        "artifact malformed expiry",
        "GET",
        f"{API}/artifacts/$execution/x.png",
        403,
        "forbidden",
        params={"expires": "soon", "signature": "00"},
        authorization=None,
    ),
    Row(
        "artifact signature without expiry",
        "GET",
        f"{API}/artifacts/$execution/x.png",
        403,
        "forbidden",
        params={"signature": "00"},
        authorization=None,
    ),
    Row(
        "artifact without key or signature",
        "GET",
        f"{API}/artifacts/$execution/x.png",
        401,
        "unauthorized",
        authorization=None,
    ),
]

# ---- edge cases that once slipped through (500s, wrong codes, wrong fields)

HUGE = str(10**20)  # a valid integer, beyond SQLite's 64-bit INTEGER
EDGE_ROWS = [
    *[
        Row(
            f"offset {HUGE} on {path}",
            "GET",
            path,
            422,
            "validation_error",
            "offset",
            params={**params, "offset": HUGE},
        )
        for path, params in [
            (f"{API}/executions", LIST),
            (PROJECTS, {}),
            (CASES, LIST),
            (PLANS, LIST),
        ]
    ],
    Row(
        "artifact non-ASCII signature",
        "GET",
        f"{API}/artifacts/$execution/x.png",
        403,
        "forbidden",
        params={"expires": "9999999999", "signature": "\u00e9"},
        authorization=None,
    ),
    Row(
        "project body invalid UTF-8",
        "POST",
        PROJECTS,
        400,
        "invalid_json",
        "body",
        raw=b'{"name": "\xfc"}',
    ),
    Row(
        "project body unclosed deep nesting",
        "POST",
        PROJECTS,
        400,
        "invalid_json",
        "body",
        raw=b"[" * 100_000,
    ),
    Row(
        "project body with NaN (not JSON)",
        "POST",
        PROJECTS,
        400,
        "invalid_json",
        "body",
        raw=b'{"variables": {"a": NaN}}',
    ),
    invalid(
        "project environment named int with bad base_url",
        "POST",
        PROJECTS,
        "environments.int.base_url",
        body={"name": "P", "environments": {"int": {"base_url": "ftp://x"}}},
    ),
]

# NUL (U+0000): PostgreSQL's text cannot hold it, so no request string may, on any
# database; an id holding it names nothing.
NUL_ROWS = [
    invalid("NUL in a case name", "POST", CASES, "name", body={**CASE, "name": "a\x00b"}),
    invalid(
        "NUL in a step value",
        "POST",
        CASES,
        "steps[0].value",
        body={**CASE, "steps": [{"action": "navigate", "value": "/a\x00"}]},
    ),
    invalid(
        "NUL in a plan's test case id",
        "POST",
        PLANS,
        "test_case_ids[1]",
        body={**PLAN, "test_case_ids": ["$case", "tc_\x00"]},
    ),
    invalid(
        "NUL in a variable's name",
        "PATCH",
        f"{PROJECTS}/$project",
        "variables.a\\u0000",
        body={"variables": {"a\x00": "1"}},
    ),
    invalid(
        "NUL in a query", "GET", f"{API}/executions", "project_id", params={"project_id": "p\x00"}
    ),
    Row("NUL in a path", "GET", f"{CASES}/tc_%00", 404, "not_found", None),
]

ROWS = [
    *NUL_ROWS,
    *EXECUTION_LIST_ROWS,
    *_execution_create_rows(),
    *EXECUTION_OTHER_ROWS,
    *PROJECT_ROWS,
    *CASE_ROWS,
    *PLAN_ROWS,
    *AUTH_ROWS,
    *NOT_FOUND_ROWS,
    *EDGE_ROWS,
]


def test_row_names_are_unique() -> None:
    names = [row.name for row in ROWS]
    assert len(names) == len(set(names))


def _param(row: Row) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=row.bug)] if row.bug else []
    return pytest.param(row, id=row.name, marks=marks)


@pytest.mark.parametrize("row", [_param(r) for r in ROWS])
def test_bad_input(world: World, row: Row) -> None:
    before = snapshot(world)
    response = send(world, row)
    assert_error(response, row.status, row.code, row.field)
    if row.status == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    assert snapshot(world) == before, f"{row.name} wrote to the database"


# --------------------------------------------------------------------------- cross-workspace


@dataclass(frozen=True)
class Cross:
    name: str
    method: str
    path: str
    body: Any = NO_BODY


CROSS = [
    Cross("GET project", "GET", f"{PROJECTS}/$project"),
    Cross("PATCH project", "PATCH", f"{PROJECTS}/$project", {"name": "taken over"}),
    Cross("DELETE project", "DELETE", f"{PROJECTS}/$project"),
    Cross("GET test case", "GET", f"{CASES}/$case"),
    Cross("PATCH test case", "PATCH", f"{CASES}/$case", {"name": "taken over"}),
    Cross("DELETE test case", "DELETE", f"{CASES}/$case"),
    Cross("GET plan", "GET", f"{PLANS}/$plan"),
    Cross("PATCH plan", "PATCH", f"{PLANS}/$plan", {"name": "taken over"}),
    Cross("DELETE plan", "DELETE", f"{PLANS}/$plan"),
    Cross("GET execution", "GET", f"{API}/executions/$execution"),
    Cross("GET execution status", "GET", f"{API}/executions/$execution/status"),
    Cross("GET execution results", "GET", f"{API}/executions/$execution/results"),
    Cross("GET failure analysis", "GET", f"{API}/executions/$execution/failure-analysis"),
    Cross("DELETE (cancel) execution", "DELETE", f"{API}/executions/$execution"),
    Cross("GET artifact with Bearer", "GET", f"{API}/artifacts/$artifact"),
    Cross("list executions", "GET", f"{API}/executions?project_id=$project"),
    Cross("list test cases", "GET", f"{CASES}?project_id=$project"),
    Cross("list plans", "GET", f"{PLANS}?project_id=$project"),
    Cross(
        "create execution on A's plan",
        "POST",
        f"{API}/executions",
        {"test_plan_id": "$plan", "project_id": "$project"},
    ),
    Cross(
        "create async execution on A's plan",
        "POST",
        f"{API}/executions/async",
        {"test_plan_id": "$plan", "project_id": "$project"},
    ),
    Cross(
        "create test case in A's project", "POST", CASES, {"project_id": "$project", "name": "x"}
    ),
    Cross("create plan in A's project", "POST", PLANS, {"project_id": "$project", "name": "x"}),
]


def _cross_send(world: World, api: Api, cross: Cross, ids: dict[str, str]) -> requests.Response:
    def fill(value: Any) -> Any:
        if isinstance(value, str):
            for name in sorted(ids, key=len, reverse=True):
                value = value.replace(name, ids[name])
            return value
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    kwargs: dict[str, Any] = {}
    if cross.body is not NO_BODY:
        kwargs["json"] = fill(cross.body)
    return api.request(cross.method, fill(cross.path), **kwargs)


def _normalized(body: dict[str, Any], real_to_fake: dict[str, str]) -> str:
    text = json.dumps(body, sort_keys=True)
    for real, fake in real_to_fake.items():
        text = text.replace(real, fake)
    return text


@pytest.mark.parametrize(
    ("name", "value", "found"),
    [
        ("created_after", "0001-01-01T00:00:00+01:00", 1),
        ("created_before", "9999-12-31T23:59:59-05:00", 1),
        ("created_after", "9999-12-31T23:59:59-05:00", 0),
        ("created_before", "0001-01-01T00:00:00+01:00", 0),
    ],
)
def test_date_filters_beyond_utc_range(world: World, name: str, value: str, found: int) -> None:
    """Valid dates whose UTC time is before year 1 or after 9999 are not
    errors: every execution is after (or before) them."""
    params = {"project_id": world.ids["$project"], name: value}
    body = world.api.ok("GET", f"{API}/executions", params=params)
    assert body["pagination"]["total"] == found


def test_objects_exist_for_their_own_workspace(world: World) -> None:
    """The cross-workspace 404s below mean something only if A can see its objects."""
    for path in (
        f"{PROJECTS}/$project",
        f"{CASES}/$case",
        f"{PLANS}/$plan",
        f"{API}/executions/$execution/status",
        f"{API}/artifacts/$artifact",
    ):
        response = world.api.get(world.fill(path))
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"


@pytest.mark.parametrize("cross", [pytest.param(c, id=c.name) for c in CROSS])
def test_other_workspace_is_like_unknown(world: World, cross: Cross) -> None:
    real = world.ids
    fake = {
        **world.ids,
        **FAKE,
        "$artifact": world.artifact.replace(world.ids["$execution"], FAKE["$execution"]),
    }
    before = snapshot(world)
    unknown = _cross_send(world, world.other, cross, fake)
    across = _cross_send(world, world.other, cross, real)
    assert snapshot(world) == before, f"{cross.name} with workspace B's key wrote something"

    assert across.status_code in (404, 422), across.text
    assert unknown.status_code == across.status_code, (unknown.text, across.text)
    code = "not_found" if across.status_code == 404 else "validation_error"
    field = "project_id" if across.status_code == 422 else None
    assert_error(unknown, across.status_code, code, field)
    assert_error(across, across.status_code, code, field)
    # Same words too, once the ids are swapped: nothing tells "exists elsewhere"
    # apart from "does not exist".
    real_to_fake = {real[k]: fake[k] for k in FAKE}
    real_to_fake[world.artifact] = fake["$artifact"]
    assert _normalized(across.json(), real_to_fake) == _normalized(unknown.json(), {})
