"""The ``newsbot`` command line: validate, import, run, db, sandbox, emulator."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.ops.config import ConfigError, Settings, environment
from bot.ops.logs import configure_logging
from storage.catalog.sync import ContentSync
from storage.content.validation import unknown_fields_line, validate_folder
from storage.db.database import Database, sqlite_path
from storage.db.schema import SchemaChange, SchemaError, SchemaState

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
PROGRESS_MIN_FILES = 200


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description="A Telegram bot that delivers topic news.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check every article file; needs no database or token")
    validate.add_argument("dir", nargs="?", help="content folder (default: CONTENT_DIR or ./content)")
    validate.add_argument("--json", action="store_true", help="print a JSON report instead of lines")

    importer = commands.add_parser("import", help="sync the content folder into the database once")
    importer.add_argument("dir", nargs="?", help="content folder (default: CONTENT_DIR or ./content)")
    importer.add_argument(
        "--push-existing", action="store_true", help="mark articles already in the folder for push"
    )

    run = commands.add_parser("run", help="run the bot")
    run.add_argument(
        "--mode",
        choices=("polling", "webhook"),
        help="how updates arrive (default: webhook when WEBHOOK_URL is set, else polling)",
    )
    run.add_argument(
        "--role",
        choices=("all", "updates", "sender"),
        default="all",
        help="all (default): everything; updates: readers' updates and content, no pushes; "
        "sender: pushes only (run several on PostgreSQL)",
    )
    run.add_argument("--push-existing", action="store_true", help="push the back catalogue on first sync")

    database = commands.add_parser("db", help="the database schema: upgrade it, or show its revision")
    actions = database.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="upgrade DATABASE_URL to this newsbot's newest schema revision")
    actions.add_parser("current", help="show the database's schema revision and the newest one")

    sandbox = commands.add_parser("sandbox", help="try the bot in a browser: emulator, bot and a chat page")
    sandbox.add_argument("--content", help="articles to start with (default: CONTENT_DIR or ./content)")
    sandbox.add_argument("--port", type=int, default=8088, help="the chat page's port (default 8088)")
    sandbox.add_argument("--data", default="data", help="where the sandbox keeps its database and folder")

    emulator = commands.add_parser("emulator", help="run the Telegram Bot API emulator stand-alone")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8081)
    emulator.add_argument("--no-limits", action="store_true", help="do not enforce Telegram's rate limits")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return int(exc.code or 0)
    try:
        settings = Settings.from_env(environment(os.environ))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"newsbot: config: {problem}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_level, settings.log_format)
    commands: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
        "validate": validate_command,
        "import": import_command,
        "run": run_command,
        "db": db_command,
        "emulator": emulator_command,
        "sandbox": sandbox_command,
    }
    try:
        return commands[args.command](args, settings)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"newsbot: config: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def content_folder(args: argparse.Namespace, settings: Settings) -> tuple[Path, str] | None:
    """The folder to read and the prefix to show in diagnostics (as given on the command line)."""
    given: str | None = args.dir
    folder = Path(given) if given else settings.content_dir
    if not folder.is_dir():
        print(f"newsbot: {folder}: no such folder", file=sys.stderr)
        return None
    shown = given.rstrip("/") if given else settings.content_dir.as_posix()
    return folder, "" if shown == "." else shown


def validate_command(args: argparse.Namespace, settings: Settings) -> int:
    found = content_folder(args, settings)
    if found is None:
        return EXIT_USAGE
    folder, shown = found
    report = validate_folder(folder, shown, settings.max_article_bytes, settings.content_exclude)
    if args.json:
        json.dump(report.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for diagnostic in report.diagnostics:
            print(diagnostic)
        print(report.summary_line())
        unknown = report.unknown_fields_line()
        if unknown:
            print(unknown)
    return EXIT_ERRORS if report.files_with_errors else EXIT_OK


class Progress:
    """A one-line progress counter on a terminal; silent elsewhere."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.shown = False

    def __call__(self, count: int) -> None:
        if self.enabled and count >= PROGRESS_MIN_FILES and count % 100 == 0:
            self.stream.write(f"\rscanning: {count} files")
            self.stream.flush()
            self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def import_command(args: argparse.Namespace, settings: Settings) -> int:
    found = content_folder(args, settings)
    if found is None:
        return EXIT_USAGE
    folder, shown = found

    from bot.runtime import prepare_schema

    async def run_import() -> int:
        db = Database(settings.database_url)
        try:
            await prepare_schema(db, auto_migrate=settings.auto_migrate)
            sync = ContentSync(
                db,
                folder,
                display_prefix=shown,
                max_bytes=settings.max_article_bytes,
                excludes=settings.content_exclude,
            )
            progress = Progress(sys.stderr)
            try:
                report = await sync.sync(push_existing=args.push_existing, progress=progress)
            finally:
                progress.close()
        finally:
            await db.close()
        for diagnostic in report.diagnostics:
            print(diagnostic)
        print(report.summary_line())
        unknown = unknown_fields_line(report.unknown_fields)
        if unknown:
            print(unknown)
        return EXIT_ERRORS if report.errors else EXIT_OK

    return asyncio.run(run_import())


def writable_paths(settings: Settings) -> list[str]:
    """One line per folder the bot needs and cannot use (checked before anything starts)."""
    problems = []
    database = sqlite_path(settings.database_url) if settings.database_url.startswith("sqlite") else None
    folders = [("DATABASE_URL", database.parent if database else None), ("CONTENT_DIR", settings.content_dir)]
    for name, folder in folders:
        if folder is None:
            continue
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is None or not existing.is_dir():
            problems.append(f"{name}: {folder} cannot be created ({existing} is not a folder)")
        elif not os.access(existing, os.W_OK | os.X_OK):
            problems.append(f"{name}: {existing} is not writable")
    return problems


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import run_bot

    problems = []
    try:
        settings.require_token()
    except ConfigError as error:
        problems.extend(error.problems)
    problems.extend(writable_paths(settings))
    if problems:
        raise ConfigError(problems)
    if args.mode == "webhook" and not settings.webhook_url and args.role != "sender":
        raise ConfigError(["WEBHOOK_URL: not set, but --mode webhook needs the bot's public URL"])
    return asyncio.run(run_bot(settings, mode=args.mode, role=args.role, push_existing=args.push_existing))


def db_command(args: argparse.Namespace, settings: Settings) -> int:
    """``db upgrade``: to the newest revision, whatever ``AUTO_MIGRATE`` says. ``db current``: where it is."""

    async def run() -> list[str]:
        db = Database(settings.database_url)
        try:
            if args.action == "upgrade":
                return [upgrade_line(await db.create_schema())]
            return state_lines(await db.schema_state())
        except SchemaError as error:
            raise ConfigError([f"DATABASE_URL: {error}"]) from error
        finally:
            await db.close()

    for line in asyncio.run(run()):
        print(line)
    return EXIT_OK


def upgrade_line(change: SchemaChange) -> str:
    if not change.changed:
        return f"database already at {change.after} (head)"
    before = "none (made before migrations)" if change.adopted else change.before or "none"
    return f"database upgraded: {before} -> {change.after}"


def state_lines(state: SchemaState) -> list[str]:
    note = ""
    if state.legacy:
        note = " (made before migrations: `newsbot db upgrade` adopts it)"
    elif not state.known:
        note = " (unknown to this newsbot: a newer one upgraded it)"
    elif not state.at_head:
        note = " (behind: run `newsbot db upgrade`)"
    return [f"current: {state.current or 'none'}{note}", f"head: {state.head}"]


def sandbox_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox.server import running_sandbox

    samples = Path(args.content) if args.content else settings.content_dir
    if not samples.is_dir():
        print(f"newsbot: {samples}: no such folder", file=sys.stderr)
        return EXIT_USAGE

    async def serve() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        async with running_sandbox(
            settings, samples=samples, workdir=Path(args.data), port=args.port
        ) as sandbox:
            print(f"newsbot sandbox: open {sandbox.url} (Ctrl+C to stop)", flush=True)
            await stopping.wait()

    asyncio.run(serve())
    return EXIT_OK


def emulator_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.emulator import EmulatorLimits, serve_forever

    limits = EmulatorLimits(enabled=not args.no_limits)
    asyncio.run(serve_forever(args.host, args.port, limits))
    return EXIT_OK
