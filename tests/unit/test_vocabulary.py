"""The vocabulary is defined once: no module spells an action, status, error type,
reason, mode or category as a string literal; it names the member instead.

A literal is allowed where it is not that word at all: a dict key or a lookup by
key (field names), a piece of an f-string, and a statement marked with a
``# not vocabulary: <why>`` comment (the ``<select>`` tag, a verb a person
writes, a console level). Migrations are history and keep their literals.
"""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

import pytest

from bugbrain import vocabulary as v

SRC = Path(__file__).resolve().parents[2] / "src" / "bugbrain"
ENUMS: tuple[type[StrEnum], ...] = (
    v.Action,
    v.StepErrorType,
    v.ExecutionStatus,
    v.TestStatus,
    v.FailureReason,
    v.FailureCategory,
    v.ScreenshotMode,
    v.TraceMode,
    v.HealingMode,
    v.PageReady,
    v.LocatorSource,
    v.WebhookEvent,
    v.DeliveryStatus,
)
WORDS = frozenset(member.value for enum in ENUMS for member in enum)
MARKER = "# not vocabulary:"


def _statement_lines(tree: ast.Module) -> dict[ast.AST, tuple[int, int]]:
    """Each node's innermost enclosing statement, as (first line, last line)."""
    spans: dict[ast.AST, tuple[int, int]] = {}

    def visit(node: ast.AST, span: tuple[int, int]) -> None:
        if isinstance(node, ast.stmt):
            span = (node.lineno, node.end_lineno or node.lineno)
        spans[node] = span
        for child in ast.iter_child_nodes(node):
            visit(child, span)

    visit(tree, (0, 0))
    return spans


def _is_key(node: ast.Constant, parent: ast.AST | None) -> bool:
    if isinstance(parent, ast.Dict) and node in parent.keys:
        return True
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        return True
    if isinstance(parent, ast.JoinedStr):
        return True
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Attribute)
        and parent.func.attr in {"get", "pop", "setdefault"}
        and bool(parent.args)
        and parent.args[0] is node
    )


def stray_literals(path: Path) -> list[str]:
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    spans = _statement_lines(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if node.value not in WORDS or _is_key(node, parents.get(node)):
            continue
        first, last = spans[node]
        if any(MARKER in line for line in lines[first - 1 : last]):
            continue
        where = path.relative_to(SRC) if path.is_relative_to(SRC) else path.name
        found.append(f"{where}:{node.lineno}: {node.value!r}")
    return found


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "vocabulary.py" and "migrations" not in path.parts
    ]


def test_no_module_spells_the_vocabulary() -> None:
    stray = [hit for path in _modules() for hit in stray_literals(path)]
    assert not stray, "use the bugbrain.vocabulary member instead of:\n" + "\n".join(stray)


@pytest.mark.parametrize(
    ("code", "stray"),
    [
        ('if status == "passed": pass', 1),
        ('MODES = ("off", "auto")', 2),
        ('row = {"status": "x"}', 0),
        ('x = row["error"]', 0),
        ('y = row.get("timeout")', 0),
        ('if tag == "select":  # not vocabulary: the tag\n    pass', 0),
        ('z = f"{a} failed"', 0),
        ('w = "clicked"', 0),
    ],
)
def test_the_scan_finds_literals_and_honours_keys_and_markers(
    tmp_path: Path, code: str, stray: int
) -> None:
    path = tmp_path / "probe.py"
    path.write_text(code + "\n")
    assert len(stray_literals(path)) == stray


def test_groups_are_made_of_actions() -> None:
    groups = [
        v.ASSERTIONS,
        v.ABSENCE_CHECKS,
        v.NEEDS_ELEMENT,
        v.INTERACTIONS,
        v.NEEDS_ENABLED,
        v.POINTER_ACTIONS,
        v.TEXT_ENTRY,
        v.SUBMITTING,
        v.HIDDEN_OK,
        v.PRESENCE_CHECKS,
        v.CONTENT_CHECKS,
        v.PAGE_CHECKS,
        v.VALUE_CHECKS,
        v.HEALABLE,
    ]
    for group in groups:
        assert group
        assert all(isinstance(a, v.Action) for a in group)
    assert set(v.ACTION_ALIASES.values()) <= set(v.Action)
    assert not v.HEALABLE & v.ABSENCE_CHECKS
