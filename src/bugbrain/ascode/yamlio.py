"""Reading project files with the line of everything in them, and writing them.

ruamel.yaml, not PyYAML: it reads YAML 1.2, where ``no``, ``on`` and ``0123``
in a step's value stay what they look like (YAML 1.1 makes them ``False`` and
83); it refuses a key written twice (PyYAML keeps the last one silently); and
its round-trip loader keeps the line and column of every key and item, so an
error names the file and line of the field at fault. It is maintained, pure
Python, with no dependencies of its own.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from bugbrain.ascode.fileformat import Loc, ProjectSpec, problems

SUFFIXES = (".yaml", ".yml")
# At most this many problems are listed for one file.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None  # 1-based
    column: int | None
    message: str

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class FileError(Exception):
    """A file that cannot be used: unreadable, not YAML, or not a valid project."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class LoadedProject:
    path: Path
    spec: ProjectSpec
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Loc) -> tuple[int | None, int | None]:
        """The line and column of ``loc``, or of the nearest thing holding it."""
        for end in range(len(loc), -1, -1):
            found = self.positions.get(loc[:end])
            if found is not None:
                return found
        return None, None

    def problem(self, loc: Loc, message: str) -> Problem:
        line, column = self.where(loc)
        return Problem(self.path, line, column, message)


def project_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and the ``*.yaml``/``*.yml`` files under directories named
    (in name order, hidden ones left out)."""
    found: list[Path] = []
    missing: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not inside:
                missing.append(Problem(path, None, None, "no .yaml or .yml file in this directory"))
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            missing.append(Problem(path, None, None, "no such file or directory"))
    if missing:
        raise FileError(missing)
    return list(dict.fromkeys(found))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def _plain(node: Any, loc: Loc, positions: dict[Loc, tuple[int, int]], path: Path) -> Any:
    """ruamel's objects as plain Python values, noting where each key and item is."""
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            here = (*loc, key)
            line, column = node.lc.key(key)
            positions[here] = (line + 1, column + 1)
            if not isinstance(key, str):
                raise FileError([Problem(path, line + 1, column + 1, f"key {key!r} is not text")])
            out[str(key)] = _plain(value, here, positions, path)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, column = node.lc.item(index)
            positions[(*loc, index)] = (line + 1, column + 1)
            items.append(_plain(value, (*loc, index), positions, path))
        return items
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, date) and not isinstance(node, datetime):
        return node.isoformat()  # 2025-03-08 is text to a test
    line, column = positions.get(loc, (None, None))
    kind = type(node).__name__
    raise FileError(
        [Problem(path, line, column, f"unsupported YAML value ({kind}): quote it as text")]
    )


def _yaml_problem(path: Path, error: YAMLError) -> Problem:
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        text = "; ".join(part for part in (error.context, error.problem) if part)
        if mark is not None:
            return Problem(path, mark.line + 1, mark.column + 1, f"not valid YAML: {text}")
        return Problem(path, None, None, f"not valid YAML: {text}")
    return Problem(path, None, None, f"not valid YAML: {error}")


def _message(error: Mapping[str, Any], model_fields: Iterable[str] = ()) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        known = ", ".join(model_fields)
        return f"unknown field {loc[-1]!r}" + (f" (known fields: {known})" if known else "")
    if kind == "missing":
        return "required"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message


def _fields_at(loc: Loc) -> list[str]:
    """The fields of the part of the file at ``loc`` (where an unknown field was)."""
    from bugbrain.ascode import fileformat as f

    model: type[BaseModel] | None
    match loc:
        case ():
            model = f.ProjectSpec
        case ("environments", str()):
            model = f.EnvironmentSpec
        case ("test_cases", int()):
            model = f.TestCaseSpec
        case ("test_cases", int(), "steps", int()):
            model = f.StepSpec
        case ("test_plans", int()):
            model = f.TestPlanSpec
        case ("test_plans", int(), "settings"):
            model = f.PlanSettings
        case ("schedules", int()):
            model = f.ScheduleSpec
        case (*_, "variables", str()):
            model = f.SecretRef
        case _:
            model = None
    return list(model.model_fields) if model is not None else []


def load_project(path: Path) -> LoadedProject:
    """A project file, validated; ``FileError`` with each problem's line otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FileError([Problem(path, None, None, f"cannot read: {error}")]) from None
    try:
        document = _yaml().load(text)
    except YAMLError as error:
        raise FileError([_yaml_problem(path, error)]) from None
    if document is None:
        raise FileError([Problem(path, None, None, "empty: expected a project (name: …)")])
    if not isinstance(document, CommentedMap):
        raise FileError(
            [Problem(path, 1, 1, "expected a project: a mapping with name, test_cases, …")]
        )
    positions: dict[Loc, tuple[int, int]] = {(): (1, 1)}
    data = _plain(document, (), positions, path)
    loaded = LoadedProject(path, ProjectSpec.model_construct(), positions)
    try:
        loaded.spec = ProjectSpec.model_validate(data)
    except ValidationError as error:
        found = []
        for item in error.errors()[:MAX_PROBLEMS]:
            loc = tuple(item["loc"])
            known = _fields_at(loc[:-1]) if item["type"] == "extra_forbidden" else []
            field_path = _dotted(loc)
            found.append(loaded.problem(loc, f"{field_path}: {_message(item, known)}"))
        raise FileError(found) from None
    more = problems(loaded.spec)
    if more:
        raise FileError([loaded.problem(loc, f"{_dotted(loc)}: {text}") for loc, text in more])
    return loaded


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the project)"


def load_projects(paths: Iterable[str | Path]) -> list[LoadedProject]:
    """Every project file under ``paths``; all their problems at once, and a
    project named in two files is an error."""
    loaded: list[LoadedProject] = []
    found: list[Problem] = []
    for path in project_files(paths):
        try:
            loaded.append(load_project(path))
        except FileError as error:
            found.extend(error.problems)
    by_name: dict[str, LoadedProject] = {}
    for project in loaded:
        first = by_name.setdefault(project.spec.name, project)
        if first is not project:
            found.append(
                project.problem(
                    ("name",),
                    f"project {project.spec.name!r} is also in {first.path}: one file per project",
                )
            )
    if found:
        raise FileError(found)
    return loaded


# ---- writing --------------------------------------------------------------------


# A step or secret reference this short stays on one line: ``{action: click, selector: '#go'}``.
FLOW_WIDTH = 100


def _flow(items: Mapping[str, Any] | list[Any]) -> CommentedMap | CommentedSeq:
    out: CommentedMap | CommentedSeq = (
        CommentedMap(items) if isinstance(items, Mapping) else CommentedSeq(items)
    )
    out.fa.set_flow_style()
    return out


def _short(items: Mapping[str, Any] | list[Any]) -> bool:
    values = list(items.values()) if isinstance(items, Mapping) else items
    plain = all(isinstance(v, str | int | float | bool) and "\n" not in str(v) for v in values)
    return plain and len(repr(items)) <= FLOW_WIDTH


def _styled(value: Any, key: str = "") -> Any:
    """Multi-line text as a ``|`` block; steps, tags and secret references on
    one line each when short; the rest in block style."""
    if isinstance(value, dict):
        if (key == "step" or set(value) == {"secret_env"}) and _short(value):
            return _flow(value)
        return {k: _styled(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "tags" and _short(value):
            return _flow(value)
        return [_styled(v, "step" if key == "steps" else "") for v in value]
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def dump(data: Mapping[str, Any], header: Iterable[str] = ()) -> str:
    """YAML for a project: block style, keys in the order given, long lines kept."""
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    for line in header:
        out.write(f"# {line}\n" if line else "#\n")
    yaml.dump(_styled(dict(data)), out)
    return out.getvalue()


def iter_problems(error: FileError) -> Iterator[str]:
    for problem in error.problems:
        yield str(problem)
