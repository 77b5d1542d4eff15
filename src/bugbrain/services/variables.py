"""Variables as stored, shown and run: plain ones as text, secret ones sealed.

Stored (a project's and its environments' ``variables``, JSON): a plain
variable is its text; a secret one ``{"sealed": "<Fernet token>"}``. Shown by
the API: the text, or ``{"value": null, "secret": true}``. Frozen into an
execution's spec: ``variables`` (plain) and ``secrets`` (name → token), which
only the runner opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bugbrain.schemas.common import SecretVariable
from bugbrain.vault import Vault

SEALED: Final = "sealed"


def is_secret(stored: Any) -> bool:
    return isinstance(stored, Mapping) and isinstance(stored.get(SEALED), str)


def to_stored(variables: Mapping[str, object], vault: Vault) -> dict[str, Any]:
    """Request variables (``schemas.common.Variables``: text, or a secret) as
    stored: secret values sealed."""
    return {
        name: {SEALED: vault.seal(entry.value)} if isinstance(entry, SecretVariable) else str(entry)
        for name, entry in variables.items()
    }


def shown(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Stored variables as the API shows them: never a secret's value."""
    return {
        name: {"value": None, "secret": True} if is_secret(entry) else entry
        for name, entry in (stored or {}).items()
    }


def environments_shown(environments: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        name: {**env, "variables": shown(env.get("variables"))}
        for name, env in (environments or {}).items()
    }


def for_run(layers: list[Mapping[str, Any]], vault: Vault) -> tuple[dict[str, str], dict[str, str]]:
    """Merge stored variables, later layers winning (project < environment <
    request): (plain variables, secret name → sealed token). A name that any
    layer marks secret stays secret, even where a later layer gives it in clear."""
    plain: dict[str, str] = {}
    sealed: dict[str, str] = {}
    secret_names: set[str] = set()
    for layer in layers:
        for name, entry in layer.items():
            if is_secret(entry):
                secret_names.add(name)
                sealed[name] = str(entry[SEALED])
                plain.pop(name, None)
            else:
                plain[name] = str(entry)
                sealed.pop(name, None)
    for name in secret_names & plain.keys():
        sealed[name] = vault.seal(plain.pop(name))
    return plain, sealed
