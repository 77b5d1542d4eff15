"""Secret variables at rest: sealed with Fernet (``cryptography``: AES-128-CBC
and HMAC-SHA256, a maintained, audited construction) under the server's key.

The key is ``BUGBRAIN_SECRETS_KEY`` (one Fernet key, or several separated by
commas: the first seals, any opens, so keys can be rotated), else one created
once in the data directory (``secrets.key``, beside the URL-signing secret).
Every process that runs executions must hold the same key: the runner child
opens the secrets itself and receives the key in ``RUNNER_KEY_ENV``.
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bugbrain.errors import ConfigError

KEY_FILE: Final = "secrets.key"
# How a runner child receives the key (it removes it from its environment at once).
RUNNER_KEY_ENV: Final = "BUGBRAIN_RUNNER_SECRETS_KEY"


class SecretUnreadable(Exception):
    """A sealed value this key cannot open (another key, or a damaged value)."""


class Vault:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ConfigError("BUGBRAIN_SECRETS_KEY: no key given")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError:
            raise ConfigError(
                "BUGBRAIN_SECRETS_KEY: not a Fernet key (32 url-safe base64-encoded bytes; "
                "make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from None
        self._keys = keys

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretUnreadable(
                "a secret variable cannot be decrypted with this server's key: every API "
                "and worker process must share one BUGBRAIN_SECRETS_KEY (or data directory)"
            ) from None

    @property
    def key_text(self) -> str:
        """The keys as ``BUGBRAIN_SECRETS_KEY`` spells them (for a runner child)."""
        return ",".join(key.decode("ascii") for key in self._keys)


def parse_keys(text: str) -> list[bytes]:
    return [part.strip().encode("ascii") for part in text.split(",") if part.strip()]


def from_text(text: str) -> Vault:
    try:
        return Vault(parse_keys(text))
    except UnicodeError:
        raise ConfigError("BUGBRAIN_SECRETS_KEY: not a Fernet key (ASCII only)") from None


def _create_key_file(path: Path) -> None:
    """Write a new key to ``path`` unless one is there; two processes starting
    together keep the first one written (a hard link fails if the name exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@functools.cache
def load_vault(data_dir: Path, configured: str) -> Vault:
    """The configured key(s), else the data directory's key, created on first use."""
    if configured:
        return from_text(configured)
    path = data_dir / KEY_FILE
    if not path.exists():
        _create_key_file(path)
    return from_text(path.read_text(encoding="ascii"))
