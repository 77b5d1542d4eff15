"""Artifacts in an S3-compatible bucket (``BUGBRAIN_ARTIFACTS_URL=s3://…``),
against a local S3 server (moto, in server mode, started by the fixtures):
the store on its own, the start-up checks of ``bugbrain serve``, and a real
server running a real execution whose links must all open from the bucket."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest
import requests
from botocore.config import Config
from sqlalchemy.engine import Engine

from bugbrain.artifacts import s3 as s3_store
from bugbrain.artifacts.base import ArtifactStream, open_store
from bugbrain.artifacts.s3 import S3ArtifactStore, client_config
from bugbrain.errors import ConfigError, Unavailable
from bugbrain.settings import S3Location, load_settings
from bugbrain.worker.pool import store_left_over
from tests.support import seed
from tests.support.s3 import LocalS3
from tests.support.servers import BUGBRAIN, BugbrainServer, ShopServer, free_port
from tests.unit.test_execution_state import engine, migrated, new_execution

__all__ = ["engine", "migrated"]  # fixtures: a migrated SQLite file

API = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    server = LocalS3()
    server.start()
    yield server
    server.stop()


def _store(s3: LocalS3, tmp_path: Path, bucket: str, prefix: str = "ci") -> S3ArtifactStore:
    settings = load_settings(
        {"BUGBRAIN_DATA_DIR": str(tmp_path), **s3.env(f"s3://{bucket}/{prefix}")}
    )
    store = open_store(settings)
    assert isinstance(store, S3ArtifactStore)
    return store


def _write(store: S3ArtifactStore, path: str, data: bytes) -> Path:
    file = store.working.root.joinpath(*path.split("/"))
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(data)
    return file


def _read(found: Path | ArtifactStream | None) -> bytes:
    assert isinstance(found, ArtifactStream), found
    try:
        return b"".join(found.chunks)
    finally:
        found.close()


# ---- the store on its own -----------------------------------------------------


def test_files_go_to_the_bucket_and_leave_the_disk(s3: LocalS3, tmp_path: Path) -> None:
    bucket = s3.create_bucket("store-files")
    store = _store(s3, tmp_path, bucket)
    shot = _write(store, "exec_1/login/step_1.png", PNG + b"shot")
    store.store_files(["exec_1/login/step_1.png", "exec_1/login/never_written.png"])
    assert not shot.exists()
    assert s3.keys(bucket) == ["ci/exec_1/login/step_1.png"]
    head = s3.client().head_object(Bucket=bucket, Key="ci/exec_1/login/step_1.png")
    assert head["ContentType"] == "image/png"
    found = store.open("exec_1/login/step_1.png")
    assert isinstance(found, ArtifactStream)
    assert (found.name, found.size) == ("step_1.png", len(PNG) + 4)
    assert found.etag
    assert found.last_modified is not None
    assert _read(found) == PNG + b"shot"
    assert store.open("exec_1/login/step_2.png") is None


def test_the_end_of_a_run_stores_the_rest(s3: LocalS3, tmp_path: Path) -> None:
    bucket = s3.create_bucket("store-execution")
    store = _store(s3, tmp_path, bucket, prefix="")
    _write(store, "exec_2/spec.json", b"{}")
    _write(store, "exec_2/runner.log", b"log")
    _write(store, "exec_2/t/attempt_2/trace.zip", b"PK\x03\x04")
    _write(store, "exec_3/t/s.png", PNG)
    assert store.left_over() == ["exec_2", "exec_3"]
    assert store.store_execution("exec_2")
    assert not store.execution_dir("exec_2").exists()
    assert store.left_over() == ["exec_3"]
    assert s3.keys(bucket) == [
        "exec_2/runner.log",
        "exec_2/spec.json",
        "exec_2/t/attempt_2/trace.zip",
    ]
    assert store.store_execution("exec_never_ran")


def test_a_file_on_its_way_is_served_from_the_disk(s3: LocalS3, tmp_path: Path) -> None:
    bucket = s3.create_bucket("working-copy")
    store = _store(s3, tmp_path, bucket)
    _write(store, "exec_4/t/s.png", PNG + b"local")
    found = store.open("exec_4/t/s.png")
    store.store_files(["exec_4/t/s.png"])  # stored and deleted while it is being read
    assert _read(found) == PNG + b"local"
    assert _read(store.open("exec_4/t/s.png")) == PNG + b"local"


ESCAPES = [
    "exec_5/../exec_6/t/s.png",
    "exec_5/t/../../exec_6/t/s.png",
    "../ci/exec_6/t/s.png",
    "/exec_6/t/s.png",
    "exec_5/..\\exec_6\\t\\s.png",
    "exec_5//t/s.png",
    "exec_6",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_paths_that_leave_an_execution_name_nothing(s3: LocalS3, tmp_path: Path, path: str) -> None:
    bucket = s3.create_bucket(f"escapes-{ESCAPES.index(path)}")
    store = _store(s3, tmp_path, bucket)
    _write(store, "exec_6/t/s.png", PNG)
    store.store_files(["exec_6/t/s.png"])
    # An object outside the prefix too, as a key built from the path would reach it.
    s3.client().put_object(Bucket=bucket, Key="exec_6/t/s.png", Body=PNG)
    assert store.open(path) is None
    store.store_files([path])  # refused, and logged
    assert store.open("exec_6/t/s.png") is not None


def test_deleting_an_execution_deletes_its_objects_only(
    s3: LocalS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3_store, "DELETE_BATCH", 2)  # several pages, as past 1000 keys
    bucket = s3.create_bucket("deletes")
    store = _store(s3, tmp_path, bucket)
    client = s3.client()
    kept = ["ci/exec_70/a.png", "exec_7/a.png"]
    for key in ["ci/exec_7/a.png", "ci/exec_7/t/b.png", *kept]:
        client.put_object(Bucket=bucket, Key=key, Body=PNG)
    for i in range(5):
        client.put_object(Bucket=bucket, Key=f"ci/exec_7/many/{i}.png", Body=b"")
    _write(store, "exec_7/t/left.png", PNG)
    store.delete_execution("exec_7")
    assert s3.keys(bucket) == kept
    assert not store.execution_dir("exec_7").exists()


def test_a_bucket_that_cannot_be_reached(s3: LocalS3, tmp_path: Path) -> None:
    """Reads are 503 (Unavailable); writes keep the file on disk for later."""
    client = boto3.session.Session(
        aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1"
    ).client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        config=client_config("http://x").merge(Config(retries={"max_attempts": 1})),
    )
    store = S3ArtifactStore(S3Location("gone", "ci"), tmp_path / "artifacts", client)
    file = _write(store, "exec_8/t/s.png", PNG)
    store.store_files(["exec_8/t/s.png"])
    assert file.exists()
    assert not store.store_execution("exec_8")
    assert file.exists()
    file.unlink()
    with pytest.raises(Unavailable, match="did not answer"):
        store.open("exec_8/t/s.png")
    store.delete_execution("exec_8")  # logged, not raised
    with pytest.raises(ConfigError, match="BUGBRAIN_ARTIFACTS_URL: cannot reach"):
        store.check()


def test_a_missing_bucket_fails_the_check(s3: LocalS3, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bucket 'no-such-bucket' does not exist"):
        _store(s3, tmp_path, "no-such-bucket")


def test_a_restart_stores_what_a_killed_server_left(
    s3: LocalS3, tmp_path: Path, engine: Engine
) -> None:
    """A server killed mid-run leaves files in its working directory: the next
    start stores those of executions that still exist, and drops the others."""
    bucket = s3.create_bucket("left-over")
    store = _store(s3, tmp_path, bucket)
    execution_id = new_execution(engine)
    _write(store, f"{execution_id}/t/s.png", PNG)
    _write(store, f"{execution_id}/runner.log", b"killed")
    _write(store, "exec_deleted_since/t/s.png", PNG)
    assert store.left_over() == sorted([execution_id, "exec_deleted_since"])
    storing = store_left_over(engine, store, threading.Event())
    assert storing is not None
    storing.join(timeout=60)
    assert store.left_over() == []
    assert s3.keys(bucket) == [f"ci/{execution_id}/runner.log", f"ci/{execution_id}/t/s.png"]


# ---- bugbrain serve refuses bad settings ----------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BUGBRAIN_ARTIFACTS_URL": "s3://"}, "BUGBRAIN_ARTIFACTS_URL: name a bucket"),
        ({"BUGBRAIN_ARTIFACTS_URL": "gcs://bucket/p"}, "BUGBRAIN_ARTIFACTS_URL: unsupported"),
        ({"BUGBRAIN_ARTIFACTS_URL": "s3://missing-bucket/p"}, "'missing-bucket' does not exist"),
    ],
)
def test_serve_refuses_bad_artifact_settings(
    s3: LocalS3, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    full = s3.env("s3://unused") if "missing" in message else {}
    out = subprocess.run(
        [*BUGBRAIN, "serve", "--port", str(free_port())],
        env={**os.environ, "BUGBRAIN_DATA_DIR": str(tmp_path), **full, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2, out.stderr[-2000:]
    assert message in out.stderr


# ---- a real server, a real execution ------------------------------------------------

BUCKET = "bugbrain-e2e"
PREFIX = "team/ci"


@pytest.fixture(scope="module")
def served(s3: LocalS3, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BugbrainServer]:
    s3.create_bucket(BUCKET)
    server = BugbrainServer(
        tmp_path_factory.mktemp("s3-data"),
        workers=1,
        extra_env=s3.env(f"s3://{BUCKET}/{PREFIX}"),
    )
    server.start()
    yield server
    server.stop()


def _urls(results: dict[str, Any]) -> dict[str, list[str]]:
    """Every artifact URL of the results, by kind."""
    found: dict[str, list[str]] = {"screenshot": [], "trace": [], "page_archive": []}
    for test in results["test_results"]:
        for item in [test, *test["steps"]]:
            if item.get("screenshot"):
                found["screenshot"].append(item["screenshot"])
        for kind in ("trace", "page_archive"):
            if test.get(kind):
                found[kind].append(test[kind])
    return found


def _path(url: str) -> str:
    path = urlsplit(url).path
    assert path.startswith(f"{API}/artifacts/"), url
    return unquote(path.removeprefix(f"{API}/artifacts/"))


@pytest.mark.browser
def test_an_execution_s_artifacts_live_in_the_bucket(
    served: BugbrainServer, shop: ShopServer, s3: LocalS3
) -> None:
    api = served.client("s3")
    project_id, plan_id = seed.simple_plan(
        api,
        shop.url,
        {"Signs in": seed.PASSING, "Adds to cart": seed.FAILING},
        element_wait_timeout_ms=1000,
    )
    body = {"project_id": project_id, "test_plan_id": plan_id}
    execution = api.ok("POST", f"{API}/executions", json=body)
    assert execution["status"] == "completed", execution
    execution_id = execution["id"]
    results = api.ok("GET", f"{API}/executions/{execution_id}/results")
    assert [t["status"] for t in results["test_results"]] == ["passed", "failed"]
    urls = _urls(results)
    assert len(urls["screenshot"]) >= 5
    assert urls["trace"]
    assert urls["page_archive"]

    # Nothing of the execution is left on the server's disk: every byte below
    # comes from the bucket. Passing steps' screenshots are rendered from the
    # trace there when first opened (screenshot_source: dom_snapshot), and kept
    # there.
    assert not (served.data_dir / "artifacts" / execution_id).exists()
    keys = s3.keys(BUCKET)
    assert all(key.startswith(f"{PREFIX}/{execution_id}/") for key in keys), keys
    sources = {_path(s["screenshot"]): s["screenshot_source"] for t in results["test_results"]
               for s in t["steps"] if s.get("screenshot")}  # fmt: skip
    assert set(sources.values()) == {"dom_snapshot", "pixels"}  # passed and failed steps
    for url in [u for kind in urls.values() for u in kind]:
        rendered_later = sources.get(_path(url)) == "dom_snapshot"
        assert (f"{PREFIX}/{_path(url)}" in keys) != rendered_later, url
    assert f"{PREFIX}/{execution_id}/runner.log" in keys

    # Every link opens without a key, as a local file's would.
    for url in urls["screenshot"]:
        shot = requests.get(url, timeout=30)
        assert shot.status_code == 200, (url, shot.text)
        assert shot.headers["content-type"] == "image/png"
        assert shot.headers["cache-control"] == "private, max-age=3600"
        assert int(shot.headers["content-length"]) == len(shot.content)
        assert shot.content.startswith(PNG)
        assert f"{PREFIX}/{_path(url)}" in s3.keys(BUCKET)  # rendered ones too, now
    (trace_url,) = urls["trace"]
    trace = requests.get(trace_url, timeout=30)
    assert trace.status_code == 200
    assert trace.headers["content-type"] == "application/zip"
    assert trace.headers["content-disposition"] == 'attachment; filename="trace.zip"'
    assert trace.content.startswith(b"PK")
    (archive_url,) = urls["page_archive"]
    archive = requests.get(archive_url, timeout=30)
    assert archive.status_code == 200
    assert archive.headers["content-type"].startswith("multipart/related")
    assert archive.headers["content-disposition"] == 'attachment; filename="page.mhtml"'
    assert b"Content-Type: multipart/related" in archive.content[:2000]

    # The same path with the workspace's key; another workspace's key gets nothing.
    shot_path = _path(urls["screenshot"][0])
    assert api.get(f"{API}/artifacts/{shot_path}").content.startswith(PNG)
    stranger = served.client("s3-stranger")
    assert stranger.get(f"{API}/artifacts/{shot_path}").status_code == 404

    # A tampered signature or path is refused.
    url = urls["screenshot"][0]
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert requests.get(tampered, timeout=30).status_code == 403
    query = urlsplit(url).query
    other = f"{served.url}{API}/artifacts/{execution_id}/spec.json?{query}"
    assert requests.get(other, timeout=30).status_code == 403
    for escape in (
        f"{execution_id}/%2e%2e/%2e%2e/secret.key",
        f"{execution_id}/%2e%2e/{execution_id}/runner.log",
        f"{execution_id}/..%5c..%5csecret.key",
        f"{execution_id}//runner.log",
    ):
        refused = api.get(f"{API}/artifacts/{escape}")
        assert refused.status_code == 404, (escape, refused.text)
        assert refused.json()["error"]["code"] == "not_found"

    # Deleting the project deletes its objects.
    assert api.delete(f"{API}/projects/{project_id}").status_code == 204
    assert s3.keys(BUCKET, f"{PREFIX}/{execution_id}/") == []
    assert requests.get(url, timeout=30).status_code == 404
