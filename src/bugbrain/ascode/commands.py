"""``bugbrain apply`` and ``bugbrain export``: files in, lines out, an exit code.

Exit codes, as ``bugbrain run``'s where they meet: 0 done (or nothing to do),
3 a usage, file or key problem (nothing written, or, for a write the server
refused, what was written before it stays and applying again finishes), 1 the
server could not be reached or failed (apply again: it redoes nothing).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from bugbrain.ascode import changes, remote
from bugbrain.ascode.yamlio import FileError, load_projects
from bugbrain.client import AuthError, BugbrainClientError, Client, NotFoundError
from bugbrain.client.models import Project

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 3

Print = Callable[[str], None]


def _quiet() -> None:
    """One line per request from httpx would bury the report."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _printer(stream: TextIO) -> Print:
    def write(line: str) -> None:
        print(line, file=stream, flush=True)

    return write


def _error(err: Print, message: str) -> None:
    err(f"bugbrain: error: {message}")


def _client_failure(err: Print, error: BugbrainClientError) -> int:
    if isinstance(error, AuthError):
        _error(err, f"the server refused the API key: {error}")
        return EXIT_USAGE
    if type(error) is BugbrainClientError:  # no server URL, or a malformed one
        _error(err, f"{error} (or pass --server)")
        return EXIT_USAGE
    _error(err, str(error))
    return EXIT_FAILED


def apply_command(
    paths: Sequence[str],
    *,
    dry_run: bool = False,
    update_secrets: bool = False,
    server: str | None = None,
    key: str | None = None,
    environ: Mapping[str, str] = os.environ,
    out: Print | None = None,
    err: Print | None = None,
) -> int:
    out = out or _printer(sys.stdout)
    err = err or _printer(sys.stderr)
    _quiet()
    try:
        loaded = load_projects(paths)
        secrets = {} if dry_run else remote.check_secrets(loaded, environ)
        with Client(server, key) as client:
            planned = remote.plan_all(client, loaded, update_secrets=update_secrets)
            if dry_run:
                for line in changes.report([p.plan for p in planned], dry_run=True):
                    out(line)
                return EXIT_OK
            applier = remote.Applier(client, secrets)
            try:
                for item in planned:
                    applier.apply(item)
            except BaseException:
                _partial(applier, err)
                raise
    except FileError as error:
        for problem in error.problems:
            _error(err, str(problem))
        return EXIT_USAGE
    except remote.Refused as error:
        for problem in error.problems:
            _error(err, str(problem))
        return EXIT_USAGE
    except BugbrainClientError as error:
        return _client_failure(err, error)
    for line in changes.report([p.plan for p in planned], dry_run=False):
        out(line)
    return EXIT_OK


def _partial(applier: remote.Applier, err: Print) -> None:
    changed = [op for op in applier.done if op.verb != "unchanged"]
    if not changed:
        err("nothing was changed")
        return
    err("changed before the error (apply again once it is fixed: it redoes nothing):")
    for op in changed:
        err(f"  {op.kind} {op.name!r}: {changes.PAST[op.verb]}")


def export_command(
    project: str | None,
    *,
    all_projects: bool = False,
    out_dir: str | None = None,
    server: str | None = None,
    key: str | None = None,
    out: Print | None = None,
    err: Print | None = None,
) -> int:
    out = out or _printer(sys.stdout)
    err = err or _printer(sys.stderr)
    _quiet()
    if all_projects == (project is not None):
        _error(err, "give --project ID (or name), or --all")
        return EXIT_USAGE
    if all_projects and out_dir is None:
        _error(err, "--all writes one file per project: give --out DIR")
        return EXIT_USAGE
    try:
        with Client(server, key) as client:
            if project is not None:
                found = _find(client, project)
                if found is None:
                    _error(err, f"no project {project!r} in the key's workspace")
                    return EXIT_USAGE
                projects = [found]
            else:
                projects = [client.get_project(row["id"]) for row in remote.all_projects(client)]
            texts = [(p.name, _export(client, p)) for p in projects]
    except FileError as error:
        for problem in error.problems:
            _error(err, f"cannot export: {problem}")
        return EXIT_USAGE
    except BugbrainClientError as error:
        return _client_failure(err, error)
    if out_dir is None:
        out(texts[0][1].rstrip("\n"))
        return EXIT_OK
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for name, text in texts:
        stem = remote.slug(name)
        candidate, n = stem, 1
        while candidate in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate)
        path = target / f"{candidate}.yaml"
        path.write_text(text, encoding="utf-8")
        out(f"wrote {path}")
    if not texts:
        err("no projects in the key's workspace")
    return EXIT_OK


def _export(client: Client, project: Project) -> str:
    state = remote.read_state(client, project.id)
    return remote.export_text(remote.project_document(project, state))


def _find(client: Client, project: str) -> Project | None:
    """A project by id, or else by its name (when no other has it)."""
    if project.startswith("proj_"):
        try:
            return client.get_project(project)
        except NotFoundError:
            return None
    rows = [r for r in remote.all_projects(client) if r["name"] == project]
    return client.get_project(rows[0]["id"]) if len(rows) == 1 else None
