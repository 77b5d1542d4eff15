"""docs/ci.md and the composite action (action.yml): every YAML block parses,
and every `bugbrain …` command they show uses only options that command has."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from bugbrain.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings}


def _commands(text: str) -> list[list[str]]:
    """Each `bugbrain <command> …` line of ``text``, split into words."""
    found = []
    for match in re.finditer(r"(?:^|[\s\"'/])bugbrain (apply|export|run|rerun)\b([^\n]*)", text):
        found.append([match[1], *match[2].split()])
    return found


def _yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", markdown, re.DOTALL)


def test_every_yaml_block_of_the_ci_guide_parses() -> None:
    blocks = _yaml_blocks((ROOT / "docs" / "ci.md").read_text())
    assert len(blocks) >= 3  # two GitHub workflows and a GitLab job
    for block in blocks:
        assert YAML(typ="safe").load(block), block


@pytest.mark.parametrize("path", ["docs/ci.md", "action.yml", "README.md"])
def test_the_commands_shown_exist_with_those_options(path: str) -> None:
    commands = _subcommands()
    shown = _commands((ROOT / path).read_text())
    assert shown, path
    for name, *words in shown:
        allowed = _options(commands[name])
        for word in words:
            option = word.split("=")[0]
            if option.startswith("--"):
                assert option in allowed, f"{path}: bugbrain {name} has no {option}"


def test_the_action_runs_bugbrain_run_with_its_inputs() -> None:
    action: dict[str, Any] = YAML(typ="safe").load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    inputs = set(action["inputs"])
    assert {"server", "api-key", "plan", "project", "junit"} <= inputs
    used = set(re.findall(r"inputs\.([a-z-]+)", (ROOT / "action.yml").read_text()))
    assert used == inputs  # each input is used, and none is used undeclared
    script = action["runs"]["steps"][-1]["run"]
    assert "bugbrain run" in script
