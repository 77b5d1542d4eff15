"""Prefixed random identifiers (``exec_…``) and API key material."""

from __future__ import annotations

import hashlib
import secrets

# Bitcoin's base58 alphabet: no 0/O/I/l, so ids survive being read aloud or retyped.
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58_token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_id(prefix: str, length: int = 16) -> str:
    return f"{prefix}_{base58_token(length)}"


KEY_PREFIX = "bugbrain_sk_"
KEY_ENVIRONMENTS = ("prod", "dev")
_KEY_SECRET_LENGTH = 32


def new_api_key(environment: str) -> str:
    return f"{KEY_PREFIX}{environment}_{base58_token(_KEY_SECRET_LENGTH)}"


def is_well_formed_key(key: str) -> bool:
    for env in KEY_ENVIRONMENTS:
        head = f"{KEY_PREFIX}{env}_"
        if key.startswith(head):
            secret = key[len(head) :]
            return len(secret) == _KEY_SECRET_LENGTH and all(c in _ALPHABET for c in secret)
    return False


def hash_key(key: str) -> str:
    # Keys carry ~187 bits of entropy, so a fast unsalted hash is enough to make
    # a leaked table useless while keeping lookup a single indexed equality.
    return hashlib.sha256(key.encode()).hexdigest()
