"""The ``bugbrain`` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bugbrain import __version__
from bugbrain.errors import BugbrainError, ConfigError, Conflict, InvalidInput, NotFound
from bugbrain.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EXIT_CODES: dict[type[BugbrainError], int] = {
    ConfigError: 2,
    InvalidInput: 2,
    NotFound: 3,
    Conflict: 4,
}


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        data_dir=Path(args.data_dir) if getattr(args, "data_dir", None) else None,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        workers=getattr(args, "workers", None),
        api_processes=getattr(args, "api_processes", None),
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from bugbrain.server import serve

    serve(_settings(args))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from bugbrain.worker.distributed import run_worker

    settings = load_settings(
        data_dir=Path(args.data_dir) if args.data_dir else None,
        queues=",".join(args.queue) if args.queue else None,  # checked there
    )
    run_worker(settings, concurrency=args.concurrency, queues=settings.queue_names)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    _open_engine(args).dispose()  # opening migrates
    print("database is at the latest schema")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from bugbrain.datadir import DataDirLock
    from bugbrain.db.copy import copy_database, row_counts
    from bugbrain.db.engine import create_engine
    from bugbrain.db.migrate import upgrade

    settings = _settings(args)
    target_url = args.to
    if not target_url.startswith(("postgresql://", "postgresql+psycopg://", "sqlite:///")):
        raise InvalidInput.field("--to", "a postgresql:// (or sqlite:///) database URL")
    if target_url == settings.resolved_database_url:
        raise InvalidInput.field("--to", "is the database this install already uses")
    # No server may run on the data directory meanwhile: its writes would be lost.
    lock = DataDirLock(settings.data_dir)
    lock.acquire()
    try:
        source = create_engine(settings.resolved_database_url)
        target = create_engine(target_url)
        upgrade(source)
        upgrade(target)
        copied = copy_database(
            source, target, lambda table, n: print(f"{table}: {n} rows", file=sys.stderr)
        )
        if row_counts(target) != copied or row_counts(source) != copied:
            raise Conflict("The copy does not match its source: nothing should use either")
        source.dispose()
        target.dispose()
    finally:
        lock.release()
    total = sum(copied.values())
    print(f"copied {total} rows; now set BUGBRAIN_DATABASE_URL to the new database")
    return 0


def _open_engine(args: argparse.Namespace) -> Engine:
    from bugbrain.db.engine import create_engine
    from bugbrain.db.migrate import upgrade

    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)
    return engine


def _parse_expiry(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput.field("expires", f"not an ISO 8601 date: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def cmd_keys_create(args: argparse.Namespace) -> int:
    from bugbrain.db.engine import write_tx
    from bugbrain.services import keys

    engine = _open_engine(args)
    with write_tx(engine) as conn:
        created = keys.create_key(
            conn,
            name=args.name,
            workspace=args.workspace,
            environment=args.environment,
            expires_at=_parse_expiry(args.expires),
        )
    if args.json:
        print(
            json.dumps({"id": created.id, "key": created.key, "workspace": created.workspace_name})
        )
    else:
        print(created.key)
        print(
            f"Created key {created.id} ({created.name}) in workspace {created.workspace_name!r}. "
            "It is shown only once: store it now.",
            file=sys.stderr,
        )
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from bugbrain.db.engine import read_tx
    from bugbrain.services import keys

    engine = _open_engine(args)
    with read_tx(engine) as conn:
        rows = keys.list_keys(conn, args.workspace)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(
            f"{row['id']}  {row['state']:<8} {row['prefix']:<28} {row['workspace']:<16} "
            f"{row['name']}  last used: {row['last_used_at'] or 'never'}"
        )
    if not rows:
        print("no keys", file=sys.stderr)
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from bugbrain.db.engine import write_tx
    from bugbrain.services import keys

    engine = _open_engine(args)
    with write_tx(engine) as conn:
        keys.revoke_key(conn, args.key_id)
    print(f"Revoked {args.key_id}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bugbrain.demo.run import run_demo

    return run_demo(
        data_dir=Path(args.data_dir) if args.data_dir else Path("./bugbrain-demo-data"),
        port=args.port,
        shop_port=args.shop_port,
        keep_running=not args.no_wait,
    )


def cmd_demo_app(args: argparse.Namespace) -> int:
    from bugbrain.demo.shop import run_shop

    run_shop(args.host, args.port)
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from bugbrain.ascode.commands import apply_command

    return apply_command(
        args.paths,
        dry_run=args.dry_run,
        update_secrets=args.update_secrets,
        server=args.server,
        key=args.key,
    )


def cmd_export(args: argparse.Namespace) -> int:
    from bugbrain.ascode.commands import export_command

    return export_command(
        args.project, all_projects=args.all, out_dir=args.out, server=args.server, key=args.key
    )


def _remote_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL", help="the server (env BUGBRAIN_URL)")
    parser.add_argument("--key", metavar="KEY", help="an API key (env BUGBRAIN_API_KEY)")


def cmd_run(args: argparse.Namespace) -> int:
    from bugbrain.ci.run import cmd_run as run

    return run(args)


def cmd_rerun(args: argparse.Namespace) -> int:
    from bugbrain.ci.run import cmd_rerun as rerun

    return rerun(args)


class _Parser(argparse.ArgumentParser):
    """argparse, with the exit code of a usage error settable per command
    (``bugbrain run`` documents 3: 2 means the execution failed)."""

    usage_exit_code = 2

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_exit_code, f"{self.prog}: error: {message}\n")


def _client_args(parser: argparse.ArgumentParser) -> None:
    """The options ``run`` and ``rerun`` share: where, how to wait, what to write."""
    parser.add_argument(
        "--server",
        metavar="URL",
        help="the bugbrain server (env BUGBRAIN_URL), e.g. http://host:8000",
    )
    parser.add_argument("--key", metavar="KEY", help="API key (env BUGBRAIN_API_KEY)")
    parser.add_argument(
        "--no-wait", action="store_true", help="print the execution's id and exit 0 at once"
    )
    parser.add_argument(
        "--wait",
        type=float,
        metavar="S",
        help="give up following after S seconds, leaving the execution running (exit 2; "
        "default: --timeout + 600, else 3600)",
    )
    parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report to FILE")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the outcome as JSON on stdout instead of a summary",
    )
    parser.add_argument(
        "--cancel-on-interrupt",
        action="store_true",
        help="on Ctrl-C, cancel the execution without asking (default: ask on a terminal, "
        "else leave it running and print its id)",
    )


def _data_dir_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", help="data directory (env BUGBRAIN_DATA_DIR, default ./bugbrain-data)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bugbrain", description="Self-hosted end-to-end browser testing.")
    parser.add_argument("--version", action="version", version=f"bugbrain {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server (and, unless --workers 0, workers)")
    serve.add_argument("--host", help="bind address (env BUGBRAIN_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (env BUGBRAIN_PORT, default 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        help="concurrent executions (env BUGBRAIN_WORKERS, default 2); 0: the API alone, "
        "with `bugbrain worker` processes running them (PostgreSQL)",
    )
    serve.add_argument(
        "--api-processes",
        type=int,
        help="API processes sharing the port (env BUGBRAIN_API_PROCESSES, default 1; "
        "PostgreSQL): about one per core the API may use",
    )
    _data_dir_arg(serve)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser(
        "worker", help="run executions from the job queue (PostgreSQL), on any host"
    )
    worker.add_argument("--concurrency", type=int, default=1, help="executions at once (default 1)")
    worker.add_argument(
        "--queue",
        action="append",
        metavar="Q",
        help="take executions of plans sent to queue Q (repeatable; env BUGBRAIN_QUEUES, "
        "default 'executions')",
    )
    _data_dir_arg(worker)
    worker.set_defaults(func=cmd_worker)

    db = sub.add_parser("db", help="the database").add_subparsers(dest="db_command", required=True)
    db_upgrade = db.add_parser(
        "upgrade", help="apply every migration (the job queue's too, on PostgreSQL)"
    )
    _data_dir_arg(db_upgrade)
    db_upgrade.set_defaults(func=cmd_db_upgrade)
    db_copy = db.add_parser(
        "copy",
        help="copy every row of this install's database (e.g. SQLite) into another, "
        "migrated and empty (e.g. PostgreSQL)",
    )
    db_copy.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/db")
    _data_dir_arg(db_copy)
    db_copy.set_defaults(func=cmd_db_copy)

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", required=True
    )
    create = keys.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True)
    create.add_argument("--workspace", default="default", help="workspace name (created if needed)")
    create.add_argument("--environment", choices=["prod", "dev"], default="prod")
    create.add_argument("--expires", help="expiry, ISO 8601 (default: never)")
    create.add_argument("--json", action="store_true", help="print JSON instead of the bare key")
    _data_dir_arg(create)
    create.set_defaults(func=cmd_keys_create)
    listing = keys.add_parser("list", help="list keys (never shows the secret)")
    listing.add_argument("--workspace")
    listing.add_argument("--json", action="store_true")
    _data_dir_arg(listing)
    listing.set_defaults(func=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id")
    _data_dir_arg(revoke)
    revoke.set_defaults(func=cmd_keys_revoke)

    apply = sub.add_parser(
        "apply",
        help="create or update projects, test cases, plans and schedules from YAML files, "
        "by name (docs/plans-as-code.md)",
    )
    apply.add_argument("paths", nargs="+", metavar="PATH", help="a project file, or a directory")
    apply.add_argument(
        "--dry-run", action="store_true", help="print what would change, and change nothing"
    )
    apply.add_argument(
        "--update-secrets",
        action="store_true",
        help="send every secret's value again (the server never shows them, so a secret "
        "that exists already counts as unchanged)",
    )
    _remote_args(apply)
    apply.set_defaults(func=cmd_apply)

    export = sub.add_parser("export", help="write projects as YAML files for `bugbrain apply`")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--project", metavar="ID", help="a project's id (proj_…) or name")
    which.add_argument("--all", action="store_true", help="every project of the key's workspace")
    export.add_argument(
        "--out", metavar="DIR", help="write DIR/<project>.yaml (default: print one project)"
    )
    _remote_args(export)
    export.set_defaults(func=cmd_export)

    demo = sub.add_parser(
        "demo", help="start the demo shop and the server, and run a demo execution"
    )
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--shop-port", type=int, default=8001)
    demo.add_argument("--no-wait", action="store_true", help="stop after printing the results")
    _data_dir_arg(demo)
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser(
        "run",
        help="run a test plan on a server and wait for it (exit 0 passed, 1 tests failed, "
        "2 execution failed/timed out/cancelled, 3 usage or auth error)",
    )
    run.usage_exit_code = 3
    run.add_argument("--plan", required=True, metavar="TP_ID", help="the test plan (tp_…)")
    run.add_argument("--project", required=True, metavar="PROJ_ID", help="its project (proj_…)")
    run.add_argument("--env", metavar="NAME", help="one of the project's environments")
    run.add_argument(
        "--var",
        action="append",
        metavar="KEY=VALUE",
        help="an execution variable (repeatable; wins over the project's and environment's)",
    )
    run.add_argument(
        "--secret",
        action="append",
        metavar="KEY[=VALUE]",
        help="a secret variable, never printed (repeatable); KEY alone takes the value of "
        "the environment variable KEY",
    )
    run.add_argument(
        "--timeout",
        type=int,
        metavar="S",
        help="the execution's timeout in seconds (server-enforced)",
    )
    _client_args(run)
    run.set_defaults(func=cmd_run)

    rerun = sub.add_parser(
        "rerun",
        help="run an execution again with the same options (plan, project, environment, "
        "variables, timeout); exit codes as run",
    )
    rerun.usage_exit_code = 3
    rerun.add_argument("execution_id", metavar="EXEC_ID", help="the execution to repeat (exec_…)")
    rerun.add_argument(
        "--only-failed",
        action="store_true",
        help="only the tests that did not pass (exit 3 when all passed)",
    )
    _client_args(rerun)
    rerun.set_defaults(func=cmd_rerun)

    shop = sub.add_parser("demo-app", help="serve only the demo shop")
    shop.add_argument("--host", default="127.0.0.1")
    shop.add_argument("--port", type=int, default=8001)
    shop.set_defaults(func=cmd_demo_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BugbrainError as exc:
        code = next((c for t, c in EXIT_CODES.items() if isinstance(exc, t)), 1)
        print(f"bugbrain: error: {exc.message}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
