"""Secret variables kept out of everything a run leaves behind.

The runner is the only process that holds a secret's value: it opens the
spec's sealed secrets with the key its worker handed it (``vault.RUNNER_KEY_ENV``,
removed from the environment at once), fills them in, and masks them (``••••``)
in every event it prints (step values, names, errors, evidence), in its log,
and in the files the browser wrote:

- a Playwright trace records each call's parameters (a ``fill``'s value), the
  network (a login form's body) and, with ``trace_snapshots``, the DOM with the
  inputs' values. Playwright cannot leave one call's parameters out, so the
  trace is rewritten when it is saved, every entry of the zip masked; the
  action stays in the viewer's timeline, its value shown as ``••••``. A trace
  that cannot be rewritten is deleted, never kept as it was.
- the page archive (MHTML) is decoded part by part (quoted-printable and
  base64 would hide a value from a plain search), masked and encoded again.

Screenshots are pixels: a secret typed into a visible text field shows in
them (a password field shows dots). See docs/writing-tests.md.
"""

from __future__ import annotations

import contextlib
import email
import email.encoders
import email.policy
import logging
import os
import zipfile
from collections.abc import Mapping
from typing import Any

from bugbrain.contract.events import Emit, RunnerEvent
from bugbrain.contract.masking import Masker
from bugbrain.contract.spec import RunSpec
from bugbrain.vault import SecretUnreadable, from_text

log = logging.getLogger(__name__)


def open_secrets(spec: RunSpec, key_text: str) -> dict[str, str]:
    """The spec's secrets, opened: name → value. Raises SecretUnreadable."""
    if not spec.secrets:
        return {}
    if not key_text:
        raise SecretUnreadable(
            "the spec has secret variables but the runner was given no key to open them"
        )
    vault = from_text(key_text)
    return {name: vault.open(token) for name, token in spec.secrets.items()}


def masked_emit(emit: Emit, masker: Masker) -> Emit:
    """``emit``, every string of every event masked."""
    if not masker.active:
        return emit

    def masked(event: RunnerEvent) -> None:
        emit(masker.data(event))

    return masked


class MaskingFilter(logging.Filter):
    """Masks a record's message and traceback before any handler writes it."""

    def __init__(self, masker: Masker) -> None:
        super().__init__()
        self.masker = masker
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.masker.text(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.masker.text(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.masker.text(record.stack_info)
        return True


def mask_logs(masker: Masker) -> None:
    """Every handler of the root logger masks what it writes (records of any
    logger reach them by propagation, where a logger's own filters do not apply)."""
    if not masker.active:
        return
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(MaskingFilter(masker))


def scrub_trace(path: str, masker: Masker) -> bool:
    """Rewrite the trace zip at ``path`` with every entry masked; True when it
    held a secret. Raises OSError or zipfile.BadZipFile when it cannot."""
    if not masker.active:
        return False
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    masked = [(info, masker.raw(data)) for info, data in entries]
    if all(new == old for (_, old), (_, new) in zip(entries, masked, strict=True)):
        return False
    tmp = f"{path}.masking"
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info, data in masked:
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.remove(tmp)
    return True


def _mask_part(part: Any, masker: Masker) -> bool:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not masker.found_in(payload):
        return False
    encoding = str(part.get("Content-Transfer-Encoding", "")).lower()
    del part["Content-Transfer-Encoding"]
    part.set_payload(masker.raw(payload))
    if encoding == "base64":
        email.encoders.encode_base64(part)
    else:
        email.encoders.encode_quopri(part)
    return True


def scrub_mhtml(data: bytes, masker: Masker) -> bytes:
    """An MHTML archive with every part's decoded content masked (and anything
    left in the clear, such as a header, too)."""
    if not masker.active:
        return data
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    changed = False
    for part in message.walk():
        if not part.is_multipart():
            changed = _mask_part(part, masker) or changed
    if changed:
        data = message.as_bytes()
    return masker.raw(data)


def scrub_mhtml_file(path: str, masker: Masker) -> None:
    if not masker.active:
        return
    with open(path, "rb") as fh:
        data = fh.read()
    masked = scrub_mhtml(data, masker)
    if masked != data:
        with open(path, "wb") as fh:
            fh.write(masked)


def masker_for(secrets: Mapping[str, str]) -> Masker:
    return Masker(secrets.values())
