"""The docs cover every setting and every command (so they cannot silently drift)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from bugbrain.cli import build_parser
from bugbrain.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    assert f"`BUGBRAIN_{name.upper()}`" in (ROOT / "docs/configuration.md").read_text()


def _commands(parser: argparse.ArgumentParser, prefix: str = "bugbrain") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix} {name}")
                found.extend(nested or [f"{prefix} {name}"])
    return found


@pytest.mark.parametrize("command", _commands(build_parser()))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in (ROOT / "README.md").read_text()


def test_readme_quickstart_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/demo.sh" in readme
    assert "bash scripts/test.sh" in readme
    assert "bash scripts/test.sh" in (ROOT / ".ci/run").read_text()


def _modules() -> list[str]:
    src = ROOT / "src" / "bugbrain"
    return sorted(
        path.name
        for path in src.rglob("*")
        if path.suffix in {".py", ".js"}
        and path.name != "__init__.py"
        and "versions" not in path.parts
        and "migrations" not in path.parts
    )


@pytest.mark.parametrize("name", _modules())
def test_architecture_names_every_module(name: str) -> None:
    text = (ROOT / "docs/architecture.md").read_text()
    assert name in text or name.removesuffix(".py") in text
