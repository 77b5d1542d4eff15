"""Signed, expiring artifact URLs (bugbrain.artifacts.signing), with an explicit clock."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bugbrain.artifacts.signing import ARTIFACTS_PREFIX, sign, signed_path, verify

SECRET = b"0123456789abcdef0123456789abcdef"
OTHER_SECRET = b"fedcba9876543210fedcba9876543210"
PATH = "exec_abc123/test_2/step_3.png"
NOW = 1_741_430_000.0  # 2025-03-08T10:33:20Z
TTL = 3600


def parts(url: str) -> tuple[str, str, str]:
    """(artifact path, expires, signature) of a signed path."""
    split = urlsplit(url)
    assert split.path.startswith(ARTIFACTS_PREFIX)
    query = parse_qs(split.query, strict_parsing=True)
    assert set(query) == {"expires", "signature"}
    return (
        unquote(split.path.removeprefix(ARTIFACTS_PREFIX)),
        query["expires"][0],
        query["signature"][0],
    )


def test_sign_is_hmac_sha256_of_path_and_expiry() -> None:
    expected = hmac.new(SECRET, f"{PATH}\n123".encode(), hashlib.sha256).hexdigest()
    assert sign(SECRET, PATH, 123) == expected
    assert len(expected) == 64


def test_sign_depends_on_every_input() -> None:
    base = sign(SECRET, PATH, 100)
    assert sign(SECRET, PATH, 100) == base
    assert sign(OTHER_SECRET, PATH, 100) != base
    assert sign(SECRET, PATH + "x", 100) != base
    assert sign(SECRET, PATH, 101) != base


def test_signed_path_shape() -> None:
    url = signed_path(SECRET, PATH, TTL, now=NOW)
    expires = int(NOW + TTL)
    assert url == (
        f"{ARTIFACTS_PREFIX}{PATH}?expires={expires}&signature={sign(SECRET, PATH, expires)}"
    )


def test_signed_path_quotes_the_path_but_signs_the_raw_one() -> None:
    path = "exec_a/0_test b/step 1 ü.png"
    url = signed_path(SECRET, path, TTL, now=NOW)
    assert " " not in url
    assert "ü" not in url
    raw, expires, signature = parts(url)
    assert raw == path
    assert verify(SECRET, raw, expires, signature, now=NOW) is None


def test_valid_link_verifies() -> None:
    path, expires, signature = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    assert verify(SECRET, path, expires, signature, now=NOW) is None
    assert verify(SECRET, path, expires, signature, now=NOW + TTL - 1) is None


def test_valid_until_the_expiry_second_inclusive() -> None:
    path, expires, signature = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    assert verify(SECRET, path, expires, signature, now=float(expires)) is None
    assert verify(SECRET, path, expires, signature, now=float(expires) + 0.001) == "link expired"


def test_expired_link() -> None:
    path, expires, signature = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    assert verify(SECRET, path, expires, signature, now=NOW + TTL + 1) == "link expired"
    assert verify(SECRET, path, expires, signature, now=NOW + 10 * TTL) == "link expired"


def test_expired_at_creation_with_zero_or_negative_ttl() -> None:
    path, expires, signature = parts(signed_path(SECRET, PATH, -1, now=NOW))
    assert verify(SECRET, path, expires, signature, now=NOW) == "link expired"


TAMPERED_PATHS = [
    "exec_abc123/test_2/step_4.png",
    "exec_other/test_2/step_3.png",
    "exec_abc123/test_2/step_3.png/",
    "/" + PATH,
    PATH.upper(),
    "",
]


@pytest.mark.parametrize("path", TAMPERED_PATHS)
def test_tampered_path(path: str) -> None:
    _, expires, signature = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    assert verify(SECRET, path, expires, signature, now=NOW) == "invalid signature"


def _flip(signature: str, index: int) -> str:
    char = "0" if signature[index] != "0" else "1"
    return signature[:index] + char + signature[index + 1 :]


def test_tampered_signature() -> None:
    path, expires, signature = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    for bad in (
        _flip(signature, 0),
        _flip(signature, 63),
        signature[:-1],
        signature + "0",
        signature.upper(),
        "",
        "0" * 64,
    ):
        assert verify(SECRET, path, expires, bad, now=NOW) == "invalid signature", bad


def test_extended_expiry_breaks_the_signature() -> None:
    path, expires, signature = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    later = str(int(expires) + 86_400)
    assert verify(SECRET, path, later, signature, now=NOW) == "invalid signature"


def test_other_secret() -> None:
    path, expires, signature = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    assert verify(OTHER_SECRET, path, expires, signature, now=NOW) == "invalid signature"


def test_signature_is_checked_before_expiry() -> None:
    """A forged link learns nothing about whether its expiry would have passed."""
    path, expires, signature = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    forged = _flip(signature, 5)
    assert verify(SECRET, path, expires, forged, now=NOW + 2 * TTL) == "invalid signature"


@pytest.mark.parametrize("expires", ["", "soon", "1.5", "1e10", "0x10", "12 34", "-"])
def test_malformed_expiry(expires: str) -> None:
    signature = sign(SECRET, PATH, 0)
    assert verify(SECRET, PATH, expires, signature, now=NOW) == "malformed expiry"


def test_non_ascii_signature_is_invalid() -> None:
    path, expires, _ = parts(signed_path(SECRET, PATH, TTL, now=NOW))
    assert verify(SECRET, path, expires, "é" * 64, now=NOW) == "invalid signature"
