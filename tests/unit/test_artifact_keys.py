"""Artifact paths, object keys and the artifact settings (pure): a key is made by
the server from a path that stays inside its execution, and bad settings stop
the process at start with a message naming the variable."""

from __future__ import annotations

import pytest

from bugbrain.artifacts import keys
from bugbrain.errors import ConfigError
from bugbrain.settings import S3Location, Settings, load_settings

EXEC = "exec_3kTq9ZbW2"


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        (f"{EXEC}/login/step_1.png", (EXEC, "login", "step_1.png")),
        (f"{EXEC}/login/attempt_2/trace.zip", (EXEC, "login", "attempt_2", "trace.zip")),
        (f"{EXEC}/spec.json", (EXEC, "spec.json")),
        (f"{EXEC}/a b/ünïcode.png", (EXEC, "a b", "ünïcode.png")),
        (f"{EXEC}/..png", (EXEC, "..png")),  # a name, not a step up
    ],
)
def test_paths_inside_an_execution_are_split(path: str, segments: tuple[str, ...]) -> None:
    assert keys.split_path(path) == segments


REFUSED = [
    "",
    EXEC,  # an execution, not a file in it
    f"{EXEC}/",
    f"/{EXEC}/x.png",  # absolute
    f"{EXEC}/../secret.key",
    f"{EXEC}/a/../../other/x.png",
    f"../{EXEC}/x.png",
    "..",
    f"{EXEC}/./x.png",
    f"{EXEC}//x.png",
    f"{EXEC}/a\\..\\..\\x.png",  # backslashes
    f"{EXEC}\\x.png",
    f"{EXEC}/x.png\x00.txt",  # control characters
    f"{EXEC}/x\n.png",
    f"{EXEC}/x\x7f.png",
]


@pytest.mark.parametrize("path", REFUSED)
def test_paths_that_could_leave_their_execution_are_refused(path: str) -> None:
    assert keys.split_path(path) is None
    assert keys.object_key("ci/artifacts", path) is None
    assert keys.object_key("", path) is None


@pytest.mark.parametrize(
    ("prefix", "key"),
    [
        ("", f"{EXEC}/login/step_1.png"),
        ("ci", f"ci/{EXEC}/login/step_1.png"),
        ("team/bugbrain", f"team/bugbrain/{EXEC}/login/step_1.png"),
    ],
)
def test_object_key_is_prefix_then_path(prefix: str, key: str) -> None:
    assert keys.object_key(prefix, f"{EXEC}/login/step_1.png") == key


def test_keys_longer_than_s3_takes_are_refused() -> None:
    long_name = "x" * (keys.MAX_KEY_BYTES - len(EXEC) - 1)
    assert keys.object_key("", f"{EXEC}/{long_name}") is not None
    assert keys.object_key("p", f"{EXEC}/{long_name}") is None
    assert keys.object_key("", f"{EXEC}/{long_name[:-1]}é") is None  # bytes, not characters


def test_execution_prefix() -> None:
    assert keys.execution_prefix("", EXEC) == f"{EXEC}/"
    assert keys.execution_prefix("a/b", EXEC) == f"a/b/{EXEC}/"
    for bad in ("", "..", ".", "a/b", "a\\b", "x\x00"):
        with pytest.raises(ValueError, match="not an execution id"):
            keys.execution_prefix("p", bad)


@pytest.mark.parametrize(
    ("name", "served", "stored", "download"),
    [
        ("step_1.png", "image/png", "image/png", False),
        ("trace.zip", "application/zip", "application/zip", True),
        ("page.mhtml", "multipart/related", "application/x-mimearchive", True),
        ("spec.json", None, "application/json", False),
        ("runner.log", None, "application/octet-stream", False),
    ],
)
def test_content_types(name: str, served: str | None, stored: str, download: bool) -> None:
    assert keys.media_type(name) == served
    assert keys.stored_media_type(name) == stored
    assert keys.is_download(name) is download


# ---- settings ---------------------------------------------------------------

S3_ENV = {
    "BUGBRAIN_ARTIFACTS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "BUGBRAIN_ARTIFACTS_S3_REGION": "eu-west-3",
    "BUGBRAIN_ARTIFACTS_S3_ACCESS_KEY_ID": "AKIA",
    "BUGBRAIN_ARTIFACTS_S3_SECRET_ACCESS_KEY": "s3cr3t",
}


def test_artifacts_default_to_the_data_dir() -> None:
    settings = load_settings({})
    assert settings.artifacts_url == ""
    assert settings.artifacts_s3 is None
    assert Settings().artifacts_s3 is None


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("s3://bugbrain", S3Location("bugbrain", "")),
        ("s3://bugbrain/", S3Location("bugbrain", "")),
        ("s3://bugbrain/ci", S3Location("bugbrain", "ci")),
        ("s3://my.bucket-1/team/ci/", S3Location("my.bucket-1", "team/ci")),
        ("s3://b_1/run=3/x+y", S3Location("b_1", "run=3/x+y")),
    ],
)
def test_s3_url_names_bucket_and_prefix(url: str, location: S3Location) -> None:
    settings = load_settings({"BUGBRAIN_ARTIFACTS_URL": url, **S3_ENV})
    assert settings.artifacts_s3 == location
    assert settings.artifacts_s3_endpoint_url == "http://127.0.0.1:9000"
    assert settings.artifacts_s3_region == "eu-west-3"
    assert settings.artifacts_s3_access_key_id == "AKIA"
    assert settings.artifacts_s3_secret_access_key == "s3cr3t"


def test_the_secret_is_not_in_the_settings_repr() -> None:
    settings = load_settings({"BUGBRAIN_ARTIFACTS_URL": "s3://b", **S3_ENV})
    assert "s3cr3t" not in repr(settings)


def test_credentials_may_come_from_boto3s_own_chain() -> None:
    settings = load_settings({"BUGBRAIN_ARTIFACTS_URL": "s3://b/p"})
    assert settings.artifacts_s3 == S3Location("b", "p")
    assert settings.artifacts_s3_access_key_id == ""


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BUGBRAIN_ARTIFACTS_URL": "s3://"}, "BUGBRAIN_ARTIFACTS_URL: name a bucket"),
        ({"BUGBRAIN_ARTIFACTS_URL": "s3:///prefix"}, "BUGBRAIN_ARTIFACTS_URL: name a bucket"),
        ({"BUGBRAIN_ARTIFACTS_URL": "s3://b:9000/p"}, "BUGBRAIN_ARTIFACTS_URL: name a bucket"),
        ({"BUGBRAIN_ARTIFACTS_URL": "s3://b/p?x=1"}, "BUGBRAIN_ARTIFACTS_URL: no query"),
        ({"BUGBRAIN_ARTIFACTS_URL": "s3://b/a/../c"}, "BUGBRAIN_ARTIFACTS_URL: the prefix"),
        ({"BUGBRAIN_ARTIFACTS_URL": "s3://b/a//c"}, "BUGBRAIN_ARTIFACTS_URL: the prefix"),
        ({"BUGBRAIN_ARTIFACTS_URL": "s3://b/a\\c"}, "BUGBRAIN_ARTIFACTS_URL: the prefix"),
        ({"BUGBRAIN_ARTIFACTS_URL": "gs://bucket/p"}, "URL: unsupported scheme 'gs://'; use s3://"),
        ({"BUGBRAIN_ARTIFACTS_URL": "file:///srv/a"}, "URL: unsupported scheme 'file://'"),
        ({"BUGBRAIN_ARTIFACTS_URL": "/srv/artifacts"}, "BUGBRAIN_ARTIFACTS_URL: not a URL"),
        (
            {
                "BUGBRAIN_ARTIFACTS_URL": "s3://b",
                "BUGBRAIN_ARTIFACTS_S3_ENDPOINT_URL": "minio:9000",
            },
            "BUGBRAIN_ARTIFACTS_S3_ENDPOINT_URL: invalid value 'minio:9000'",
        ),
        (
            {"BUGBRAIN_ARTIFACTS_URL": "s3://b", "BUGBRAIN_ARTIFACTS_S3_ACCESS_KEY_ID": "AKIA"},
            "BUGBRAIN_ARTIFACTS_S3_ACCESS_KEY_ID and BUGBRAIN_ARTIFACTS_S3_SECRET_ACCESS_KEY",
        ),
        (
            {"BUGBRAIN_ARTIFACTS_URL": "s3://b", "BUGBRAIN_ARTIFACTS_S3_SECRET_ACCESS_KEY": "x"},
            "BUGBRAIN_ARTIFACTS_S3_ACCESS_KEY_ID and BUGBRAIN_ARTIFACTS_S3_SECRET_ACCESS_KEY",
        ),
        (
            {"BUGBRAIN_ARTIFACTS_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
            "BUGBRAIN_ARTIFACTS_S3_ENDPOINT_URL set, but BUGBRAIN_ARTIFACTS_URL is not",
        ),
    ],
)
def test_bad_artifact_settings_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert message in caught.value.message
    assert caught.value.code == "config_error"


def test_credentials_in_the_url_are_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"BUGBRAIN_ARTIFACTS_URL": "s3://AKIA:hunter2@bucket/p"})
    assert "hunter2" not in caught.value.message
    assert "BUGBRAIN_ARTIFACTS_S3_ACCESS_KEY_ID" in caught.value.message


def test_an_override_is_checked_too() -> None:
    with pytest.raises(ConfigError, match="BUGBRAIN_ARTIFACTS_URL"):
        load_settings({}, artifacts_url="s3://")
