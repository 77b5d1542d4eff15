"""Identifiers and API key material (bugbrain.ids), and settings loading."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from bugbrain import ids
from bugbrain.errors import ConfigError
from bugbrain.settings import Settings, load_settings

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
KEY_RE = re.compile(rf"^bugbrain_sk_(prod|dev)_[{BASE58}]{{32}}$")
SECRET = "7Zq4mNx2Kp9RtWv3Ys8Hb6Jc5Ld1Fg4E"  # 32 base58 characters

# --------------------------------------------------------------------------- ids


def test_base58_alphabet_has_no_lookalikes() -> None:
    for token in (ids.base58_token(64) for _ in range(50)):
        assert len(token) == 64
        assert set(token) <= set(BASE58)
        assert not set(token) & set("0OIl")


@pytest.mark.parametrize(("prefix", "length"), [("exec", 16), ("proj", 16), ("key", 8)])
def test_new_id(prefix: str, length: int) -> None:
    new = ids.new_id(prefix, length)
    assert re.fullmatch(rf"{prefix}_[{BASE58}]{{{length}}}", new), new


def test_new_ids_are_unique() -> None:
    made = {ids.new_id("exec") for _ in range(2000)}
    assert len(made) == 2000


@pytest.mark.parametrize("environment", ["prod", "dev"])
def test_new_api_key_format(environment: str) -> None:
    key = ids.new_api_key(environment)
    assert key.startswith(f"bugbrain_sk_{environment}_")
    assert KEY_RE.fullmatch(key), key
    assert len(key) == len(f"bugbrain_sk_{environment}_") + 32
    assert ids.is_well_formed_key(key)


def test_new_api_keys_are_unique() -> None:
    assert len({ids.new_api_key("prod") for _ in range(500)}) == 500


WELL_FORMED = [
    (f"bugbrain_sk_prod_{SECRET}", True),
    (f"bugbrain_sk_dev_{SECRET}", True),
    ("bugbrain_sk_prod_" + "1" * 32, True),
    ("bugbrain_sk_prod_" + "z" * 32, True),
    # wrong environment, prefix or case
    (f"bugbrain_sk_test_{SECRET}", False),
    (f"bugbrain_sk_{SECRET}", False),
    (f"bugbrain_pk_prod_{SECRET}", False),
    (f"BUGBRAIN_SK_PROD_{SECRET}", False),
    (f"bugbrain_sk_Prod_{SECRET}", False),
    (f"sk_prod_{SECRET}", False),
    # wrong length
    (f"bugbrain_sk_prod_{SECRET[:-1]}", False),
    (f"bugbrain_sk_prod_{SECRET}1", False),
    ("bugbrain_sk_prod_", False),
    ("", False),
    # characters outside base58
    ("bugbrain_sk_prod_" + "0" * 32, False),
    ("bugbrain_sk_prod_" + "O" * 32, False),
    ("bugbrain_sk_prod_" + "I" * 32, False),
    ("bugbrain_sk_prod_" + "l" * 32, False),
    ("bugbrain_sk_prod_" + "_" * 32, False),
    (f"bugbrain_sk_prod_{SECRET[:-1]}é", False),
    # surrounding text
    (f"Bearer bugbrain_sk_prod_{SECRET}", False),
    (f" bugbrain_sk_prod_{SECRET}", False),
    (f"bugbrain_sk_prod_{SECRET}\n", False),
    (f"bugbrain_sk_prod_{SECRET[:31]} ", False),
]


@pytest.mark.parametrize(("key", "expected"), WELL_FORMED)
def test_is_well_formed_key(key: str, expected: bool) -> None:
    assert ids.is_well_formed_key(key) is expected


def test_hash_key_is_stable_sha256_hex() -> None:
    key = f"bugbrain_sk_prod_{SECRET}"
    digest = ids.hash_key(key)
    assert digest == ids.hash_key(key)
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert SECRET not in digest


def test_hash_key_differs_per_key() -> None:
    keys = [ids.new_api_key("prod") for _ in range(100)]
    assert len({ids.hash_key(k) for k in keys}) == 100
    assert ids.hash_key(f"bugbrain_sk_prod_{SECRET}") != ids.hash_key(f"bugbrain_sk_dev_{SECRET}")


# --------------------------------------------------------------------------- settings


def test_defaults_with_empty_environment() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.port == 8000
    assert settings.workers == 2
    assert settings.default_timeout_seconds == 300
    assert settings.max_timeout_seconds == 21600
    assert settings.headless is True
    assert settings.data_dir == Path("./bugbrain-data")


def test_given_environ_replaces_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUGBRAIN_PORT", "1234")
    assert load_settings({}).port == 8000
    assert load_settings().port == 1234


def test_environment_overrides() -> None:
    settings = load_settings(
        {
            "BUGBRAIN_DATA_DIR": "/srv/bugbrain",
            "BUGBRAIN_DATABASE_URL": "postgresql://db/bugbrain",
            "BUGBRAIN_HOST": "0.0.0.0",
            "BUGBRAIN_PORT": "9000",
            "BUGBRAIN_PUBLIC_URL": "https://bugbrain.example",
            "BUGBRAIN_WORKERS": "4",
            "BUGBRAIN_HEADLESS": "no",
            "BUGBRAIN_HEARTBEAT_SECONDS": "1.5",
            "BUGBRAIN_LEASE_SECONDS": "45",
            "BUGBRAIN_MAX_TIMEOUT_SECONDS": "600",
            "BUGBRAIN_FINGERPRINT_REFRESH_SECONDS": "0",
            "BUGBRAIN_LOG_LEVEL": "debug",
        }
    )
    assert settings.data_dir == Path("/srv/bugbrain")
    assert settings.database_url == "postgresql://db/bugbrain"
    assert settings.resolved_database_url == "postgresql://db/bugbrain"
    assert not settings.is_sqlite
    assert settings.host == "0.0.0.0"
    assert settings.port == 9000
    assert settings.public_url == "https://bugbrain.example"
    assert settings.workers == 4
    assert settings.headless is False
    assert settings.heartbeat_seconds == 1.5
    assert settings.lease_seconds == 45
    assert settings.max_timeout_seconds == 600
    assert settings.fingerprint_refresh_seconds == 0
    assert settings.log_level == "debug"


def test_empty_and_unknown_variables_are_ignored() -> None:
    settings = load_settings({"BUGBRAIN_PORT": "", "BUGBRAIN_NOPE": "x", "PORT": "1"})
    assert settings == Settings()


BOOLS = [
    ("1", True),
    ("true", True),
    ("TRUE", True),
    ("yes", True),
    (" on ", True),
    ("0", False),
    ("false", False),
    ("No", False),
    ("off", False),
]


@pytest.mark.parametrize(("raw", "expected"), BOOLS)
def test_bool_variables(raw: str, expected: bool) -> None:
    assert load_settings({"BUGBRAIN_HEADLESS": raw}).headless is expected


BAD = [
    ("BUGBRAIN_PORT", "eighty"),
    ("BUGBRAIN_PORT", "80.5"),
    ("BUGBRAIN_WORKERS", "two"),
    ("BUGBRAIN_LEASE_SECONDS", "30s"),
    ("BUGBRAIN_MAX_TIMEOUT_SECONDS", "6h"),
    ("BUGBRAIN_POLL_SECONDS", "fast"),
    ("BUGBRAIN_HEADLESS", "maybe"),
]


@pytest.mark.parametrize(("name", "raw"), BAD)
def test_bad_value_names_the_variable(name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: raw})
    assert name in str(caught.value)
    assert repr(raw) in str(caught.value)
    assert caught.value.code == "config_error"


def test_explicit_overrides_win_over_environment() -> None:
    environ = {"BUGBRAIN_PORT": "9000", "BUGBRAIN_WORKERS": "4", "BUGBRAIN_DATA_DIR": "/env"}
    settings = load_settings(environ, port=9100, data_dir=Path("/flag"), workers=None)
    assert settings.port == 9100
    assert settings.data_dir == Path("/flag")
    assert settings.workers == 4  # None means "not given"


def test_bad_environment_value_is_reported_even_with_an_override() -> None:
    # The environment is still parsed, so a bad value there is reported.
    with pytest.raises(ConfigError, match="BUGBRAIN_PORT"):
        load_settings({"BUGBRAIN_PORT": "x"}, port=9100)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BUGBRAIN_WORKERS": "0"}, "workers must be at least 1 with SQLite"),
        ({"BUGBRAIN_WORKERS": "-1"}, "workers must be 0 or more"),
        ({"BUGBRAIN_PORT": "0"}, "port"),
        ({"BUGBRAIN_PORT": "65536"}, "port"),
        ({"BUGBRAIN_LEASE_SECONDS": "4"}, "lease_seconds"),
        ({"BUGBRAIN_LEASE_SECONDS": "5"}, "at least two heartbeat_seconds"),
        ({"BUGBRAIN_HEARTBEAT_SECONDS": "6"}, "heartbeat_seconds"),
        ({"BUGBRAIN_HEARTBEAT_SECONDS": "0"}, "heartbeat_seconds"),
        ({"BUGBRAIN_PROJECT_CONCURRENCY": "-1"}, "project_concurrency"),
        ({"BUGBRAIN_SHUTDOWN_GRACE_SECONDS": "-1"}, "shutdown_grace_seconds"),
        ({"BUGBRAIN_FINGERPRINT_REFRESH_SECONDS": "-1"}, "fingerprint_refresh_seconds"),
        ({"BUGBRAIN_MAX_TIMEOUT_SECONDS": "60"}, "default_timeout_seconds"),
        ({"BUGBRAIN_DEFAULT_TIMEOUT_SECONDS": "0"}, "default_timeout_seconds"),
    ],
)
def test_out_of_range_values(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ)


def test_out_of_range_override() -> None:
    with pytest.raises(ConfigError, match="workers"):
        load_settings({}, workers=0)


def test_no_workers_is_the_api_alone_on_postgresql() -> None:
    settings = load_settings({"BUGBRAIN_DATABASE_URL": "postgresql://db/bugbrain"}, workers=0)
    assert settings.workers == 0


def test_sqlite_paths_follow_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"BUGBRAIN_DATA_DIR": str(tmp_path)})
    assert settings.sqlite_path == tmp_path / "bugbrain.db"
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'bugbrain.db').resolve()}"
    assert settings.is_sqlite
    assert settings.artifacts_dir == tmp_path / "artifacts"
