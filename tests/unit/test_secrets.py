"""Secret variables: parsing, sealing, merging for a run, masking, scrubbing files."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from bugbrain.contract.masking import MASK, Masker
from bugbrain.errors import ConfigError
from bugbrain.runner import redact
from bugbrain.schemas.common import SecretVariable
from bugbrain.schemas.executions import ExecutionCreate
from bugbrain.schemas.projects import HiddenSecret, Project, ProjectCreate
from bugbrain.services import variables
from bugbrain.settings import load_settings
from bugbrain.vault import SecretUnreadable, Vault, from_text, load_vault

SECRET = 'pa ss&w/"ord<é>'


def _vault() -> Vault:
    return from_text(Fernet.generate_key().decode())


# ---- parsing ------------------------------------------------------------------


def test_plain_and_secret_variables_are_accepted_together() -> None:
    body = ProjectCreate.model_validate(
        {
            "name": "P",
            "variables": {
                "email": " a@b.c ",
                "n": 3,
                "flag": True,
                "password": {"value": " spaced ", "secret": True},
                "shown": {"value": "x", "secret": False},
            },
            "environments": {"staging": {"variables": {"token": {"value": "t", "secret": True}}}},
        }
    )
    assert body.variables == {
        "email": "a@b.c",
        "n": "3",
        "flag": "true",
        # A secret is taken exactly as given: not trimmed.
        "password": SecretVariable(value=" spaced ", secret=True),
        "shown": "x",
    }
    token: object = body.environments["staging"].variables["token"]
    assert token == SecretVariable(value="t", secret=True)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"value": 1, "secret": True}, "value: must be a string"),
        ({"value": None, "secret": True}, "value: must be a string"),
        ({"value": "x", "secret": "yes"}, "secret: must be true or false"),
        ({"value": "x"}, "secret: field required"),
        ({"secret": True}, "value: field required"),
        ({"value": "x", "secret": True, "hint": "h"}, "hint: unknown field"),
        ({"value": "", "secret": True}, "value"),
        ({"value": " \t", "secret": True}, "value: must not be blank"),
        ({"value": "x" * 10_001, "secret": True}, "value"),
    ],
)
def test_a_bad_secret_entry_names_the_variable(entry: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ExecutionCreate.model_validate(
            {"project_id": "p", "test_plan_id": "t", "variables": {"password": entry}}
        )
    (error,) = caught.value.errors()
    assert error["loc"] == ("variables", "password")
    assert problem in error["msg"]


def test_the_json_schema_describes_the_secret_form() -> None:
    schema = ExecutionCreate.model_json_schema()["properties"]["variables"]
    branches = schema["additionalProperties"]["anyOf"]
    (secret,) = [b for b in branches if b.get("type") == "object"]
    assert secret["required"] == ["value", "secret"]
    assert secret["additionalProperties"] is False


# ---- stored, shown, frozen for a run --------------------------------------------


def test_secrets_are_stored_sealed_and_shown_without_value() -> None:
    vault = _vault()
    stored = variables.to_stored(
        {"email": "a@b.c", "password": SecretVariable(value=SECRET, secret=True)}, vault
    )
    assert stored["email"] == "a@b.c"
    assert SECRET not in json.dumps(stored, ensure_ascii=False)
    assert vault.open(stored["password"]["sealed"]) == SECRET
    shown = variables.shown(stored)
    assert shown == {"email": "a@b.c", "password": {"value": None, "secret": True}}
    # The response model takes exactly that shape.
    assert HiddenSecret.model_validate(shown["password"]).value is None
    assert "HiddenSecret" in json.dumps(Project.model_json_schema())


def test_for_run_merges_layers_and_a_secret_name_stays_secret() -> None:
    vault = _vault()
    project = variables.to_stored(
        {"email": "p@x", "password": SecretVariable(value="project-pw", secret=True)}, vault
    )
    environment = variables.to_stored(
        {"token": SecretVariable(value="env-tok", secret=True)}, vault
    )
    request = variables.to_stored({"password": "given-in-clear", "email": "r@x"}, vault)
    plain, sealed = variables.for_run([project, environment, request], vault)
    assert plain == {"email": "r@x"}
    assert {name: vault.open(token) for name, token in sealed.items()} == {
        "password": "given-in-clear",
        "token": "env-tok",
    }


def test_a_later_secret_replaces_a_plain_value() -> None:
    vault = _vault()
    plain, sealed = variables.for_run(
        [
            {"pw": "clear"},
            variables.to_stored({"pw": SecretVariable(value="s", secret=True)}, vault),
        ],
        vault,
    )
    assert plain == {}
    assert vault.open(sealed["pw"]) == "s"


# ---- the key ----------------------------------------------------------------------


def test_the_key_is_created_once_in_the_data_dir(tmp_path: Path) -> None:
    load_vault.cache_clear()
    first = load_vault(tmp_path, "")
    key_file = tmp_path / "secrets.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    load_vault.cache_clear()
    again = load_vault(tmp_path, "")
    assert again.open(first.seal("x")) == "x"
    load_vault.cache_clear()


def test_keys_rotate_and_another_key_cannot_open() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = from_text(old).seal("v")
    assert from_text(f"{new},{old}").open(token) == "v"
    with pytest.raises(SecretUnreadable, match="BUGBRAIN_SECRETS_KEY"):
        from_text(new).open(token)


@pytest.mark.parametrize("bad", ["not-a-key", "a" * 44, Fernet.generate_key().decode() + ",x"])
def test_a_bad_configured_key_stops_the_process(bad: str) -> None:
    with pytest.raises(ConfigError, match="BUGBRAIN_SECRETS_KEY"):
        load_settings({"BUGBRAIN_SECRETS_KEY": bad})
    with pytest.raises(ConfigError):
        from_text(bad)


def test_a_good_configured_key_is_taken() -> None:
    key = Fernet.generate_key().decode()
    assert load_settings({"BUGBRAIN_SECRETS_KEY": key}).secrets_key == key
    assert key not in repr(load_settings({"BUGBRAIN_SECRETS_KEY": key}))


# ---- masking ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelled",
    [
        SECRET,
        "pa%20ss%26w%2F%22ord%3C%C3%A9%3E",  # quote(safe="")
        "pa%20ss%26w/%22ord%3C%C3%A9%3E",  # quote()
        "pa+ss%26w%2F%22ord%3C%C3%A9%3E",  # quote_plus
        'pa ss&amp;w/"ord&lt;é&gt;',  # HTML text
        "pa ss&amp;w/&quot;ord&lt;é&gt;",  # HTML attribute
        'pa ss&w/\\"ord<é>',  # JSON, UTF-8
        'pa ss&w/\\"ord<\\u00e9>',  # JSON, ASCII
    ],
)
def test_every_spelling_is_masked(spelled: str) -> None:
    masker = Masker([SECRET])
    assert masker.text(f"before {spelled} after") == f"before {MASK} after"
    assert masker.raw(f"<{spelled}>".encode()) == f"<{MASK}>".encode()


def test_masking_json_shaped_data_keys_too() -> None:
    masker = Masker(["hunter2", "tok"])
    event = {
        "event": "step_finished",
        "step": {"value": "hunter2", "name": "Fill #pw with hunter2", "n": 3, "ok": True},
        "list": ["a tok b", None, 1.5],
        "hunter2": "key",
    }
    assert masker.data(event) == {
        "event": "step_finished",
        "step": {"value": MASK, "name": f"Fill #pw with {MASK}", "n": 3, "ok": True},
        "list": [f"a {MASK} b", None, 1.5],
        MASK: "key",
    }


def test_no_secrets_masks_nothing() -> None:
    masker = Masker(["", ""])
    assert not masker.active
    assert masker.text("anything") == "anything"
    assert masker.raw(b"x") == b"x"
    emit: list[Any] = []
    assert redact.masked_emit(emit.append, masker) == emit.append


def test_the_longer_secret_wins_where_they_overlap() -> None:
    assert Masker(["abc", "abcdef"]).text("xabcdefx abc") == f"x{MASK}x {MASK}"


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    masker = Masker(["hunter2"])
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(redact.MaskingFilter(masker))
    logger = logging.getLogger("test.secrets.masking")
    logger.addHandler(handler)
    try:
        logger.warning("typed %s into %s", "hunter2", "#pw")
        try:
            raise ValueError("bad hunter2")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert records[0] == f"typed {MASK} into #pw"
    assert "hunter2" not in "\n".join(records)
    assert f"ValueError: bad {MASK}" in records[1]


# ---- files the browser wrote ----------------------------------------------------------


def test_a_trace_zip_is_rewritten_masked(tmp_path: Path) -> None:
    path = tmp_path / "trace.zip"
    fill = {"type": "before", "method": "fill", "params": {"value": SECRET}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("trace.trace", json.dumps(fill, ensure_ascii=False))
        archive.writestr("resources/abc.dat", "password=pa+ss%26w%2F%22ord%3C%C3%A9%3E")
        archive.writestr("resources/img.jpeg", b"\xff\xd8binary")
    assert redact.scrub_trace(str(path), Masker([SECRET]))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
    assert names == ["trace.trace", "resources/abc.dat", "resources/img.jpeg"]
    assert json.loads(contents["trace.trace"])["params"]["value"] == MASK
    assert contents["resources/abc.dat"] == f"password={MASK}".encode()
    assert contents["resources/img.jpeg"] == b"\xff\xd8binary"
    # Nothing to mask: the file is left alone.
    assert not redact.scrub_trace(str(path), Masker([SECRET]))


def test_a_broken_trace_raises_rather_than_staying(tmp_path: Path) -> None:
    path = tmp_path / "trace.zip"
    path.write_bytes(b"not a zip " + SECRET.encode())
    with pytest.raises(zipfile.BadZipFile):
        redact.scrub_trace(str(path), Masker([SECRET]))


def test_an_mhtml_archive_is_masked_in_its_encoded_parts() -> None:
    # A long line: quoted-printable breaks it, so the value is split in the raw file.
    html = (f'<p>{"x" * 70}</p><input value="{SECRET}"><b>keep me</b>').encode()
    message = email.message.Message()
    message["Content-Type"] = "multipart/related"
    message.set_payload([])
    part = email.message.Message()
    part["Content-Type"] = "text/html"
    part.set_payload(html)
    email.encoders.encode_quopri(part)
    message.attach(part)
    data = message.as_bytes()
    masker = Masker([SECRET])
    masked = redact.scrub_mhtml(data, masker)
    parsed = email.message_from_bytes(masked, policy=email.policy.compat32)
    bodies = [p.get_payload(decode=True) for p in parsed.walk() if not p.is_multipart()]
    assert len(bodies) == 1
    assert isinstance(bodies[0], bytes)
    assert not masker.found_in(bodies[0])
    assert b"keep me" in bodies[0]
    assert MASK.encode() in bodies[0]
