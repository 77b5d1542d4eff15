"""What ``bugbrain run`` exits with, and its ``KEY=VALUE`` arguments. Pure."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Final

from bugbrain.client.models import SecretValue, VariableValue
from bugbrain.vocabulary import ExecutionStatus

# The exit codes (README.md and docs/cli.md list them).
PASSED: Final = 0  # every test passed
TESTS_FAILED: Final = 1  # the execution completed and a test failed
EXECUTION_FAILED: Final = (
    2  # failed (timeout, worker lost, …), cancelled, or not followed to its end
)
USAGE: Final = 3  # bad arguments, unknown plan or project, bad or missing key
INTERRUPTED: Final = 130  # Ctrl-C, the execution left running

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")


class UsageError(ValueError):
    """A bad command-line argument: exit ``USAGE``."""


def exit_code(status: str, failed_tests: int) -> int:
    """The exit code for an execution that ended with ``status``."""
    if status == ExecutionStatus.COMPLETED:
        return TESTS_FAILED if failed_tests else PASSED
    return EXECUTION_FAILED


def parse_assignments(
    values: Sequence[str] | None,
    option: str,
    *,
    environ: Mapping[str, str] = os.environ,
    from_environment: bool = False,
) -> dict[str, str]:
    """``KEY=VALUE`` arguments as a mapping (the last of a repeated key wins).
    With ``from_environment`` a bare ``KEY`` takes the value of the environment
    variable ``KEY``, so a secret need not be on the command line. Errors never
    quote a value: it may be a secret."""
    out: dict[str, str] = {}
    for item in values or ():
        name, sep, value = item.partition("=")
        if not _NAME.fullmatch(name):
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise UsageError(
                f"{option}: {shown!r} is not a variable name (letters, digits, _ . -; KEY=VALUE)"
            )
        if not sep:
            if not from_environment:
                raise UsageError(f"{option} {name}: expected KEY=VALUE")
            if name not in environ:
                raise UsageError(
                    f"{option} {name}: no value given and no environment variable {name}"
                )
            value = environ[name]
        if option == "--secret" and not value.strip():
            raise UsageError(f"{option} {name}: the value is empty")
        out[name] = value
    return out


def variables(plain: Mapping[str, str], secrets: Mapping[str, str]) -> dict[str, VariableValue]:
    """The execution's ``variables``: secrets as ``{"value": …, "secret": true}``."""
    out: dict[str, VariableValue] = dict(plain)
    for name, value in secrets.items():
        out[name] = SecretValue(value=value, secret=True)
    return out
