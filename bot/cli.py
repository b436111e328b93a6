"""The ``newsbot`` command line: validate, import, run, db, sandbox, emulator."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.ops.config import ConfigError, Settings, environment
from bot.ops.logs import configure_logging
from bot.texts.registry import LANGUAGES
from storage.catalog.sync import ContentSync
from storage.content.diagnostics import Diagnostic, Duplicate
from storage.content.validation import validate_folder
from storage.db.database import Database, sqlite_path
from storage.db.schema import SchemaChange, SchemaError, SchemaState

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_HELD = 3  # import: withdrawals held (storage/catalog/withdraw_guard.py)
PROGRESS_DELAY_SECONDS = 2.0  # a pass shorter than this shows no progress at all
PROGRESS_LINE_SECONDS = 5.0  # not on a terminal: one progress line this often
PROGRESS_REDRAW_SECONDS = 0.1  # on a terminal: the bar is redrawn at most this often
BAR_WIDTH = 24


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description="A Telegram bot that delivers topic news.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check every article file; needs no database or token")
    validate.add_argument("dir", nargs="?", help="content folder (default: CONTENT_DIR or ./content)")
    validate.add_argument("--json", action="store_true", help="print a JSON report instead of lines")
    validate.add_argument("--quiet", "-q", action="store_true", help="print only errors")

    importer = commands.add_parser("import", help="sync the content folder into the database once")
    importer.add_argument("dir", nargs="?", help="content folder (default: CONTENT_DIR or ./content)")
    importer.add_argument(
        "--push-existing", action="store_true", help="mark articles already in the folder for push"
    )
    importer.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    importer.add_argument(
        "--allow-mass-withdraw",
        action="store_true",
        help="withdraw the articles of vanished files even when there are many (WITHDRAW_GUARD) or none is left",
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
    progress = Progress(sys.stderr, "validate")
    try:
        report = validate_folder(
            folder,
            shown,
            settings.max_article_bytes,
            settings.content_exclude,
            progress=progress,
            languages=LANGUAGES,
        )
    finally:
        progress.close()
    if args.json:
        json.dump(report.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print_outcome(report.summary_lines(), report.diagnostics, report.duplicates, quiet=args.quiet)
    return EXIT_ERRORS if report.files_with_errors else EXIT_OK


def print_outcome(
    summary: Sequence[str], diagnostics: Sequence[Diagnostic], duplicates: Sequence[Duplicate], *, quiet: bool
) -> None:
    """The summary first, then one line per problem and per duplicate in path order; ``quiet``: errors only."""
    if quiet:
        for diagnostic in diagnostics:
            if diagnostic.is_error:
                print(diagnostic)
        return
    for line in summary:
        print(line)
    per_file: list[Diagnostic | Duplicate] = [*diagnostics, *duplicates]
    per_file.sort(key=lambda item: (item.path.split("/"), item.line or 0))
    if per_file:
        print()
    for item in per_file:
        print(item)


class Progress:
    """How a long pass over the folder goes, on ``stream`` (stderr), once it has taken a few seconds: a bar
    redrawn in place on a terminal, a plain line every few seconds elsewhere (a log, a CI job)."""

    def __init__(
        self,
        stream: TextIO,
        command: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        delay: float = PROGRESS_DELAY_SECONDS,
        every: float = PROGRESS_LINE_SECONDS,
    ) -> None:
        self.stream = stream
        self.command = command
        self.clock = clock
        self.delay = delay
        self.terminal = stream.isatty()
        self.every = PROGRESS_REDRAW_SECONDS if self.terminal else every
        self.started = clock()
        self.last_shown: float | None = None

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = self.clock()
        if now - self.started < self.delay:
            return
        finished = total is not None and done >= total
        if self.last_shown is not None and now - self.last_shown < self.every and not finished:
            return
        if self.terminal:
            self.stream.write(f"\r{self._bar(phase, done, total)}\033[K")
        else:
            self.stream.write(f"{self._line(phase, done, total, now)}\n")
        self.stream.flush()
        self.last_shown = now

    def _bar(self, phase: str, done: int, total: int | None) -> str:
        if not total:
            return f"{self.command}: {phase} {done:,} files"
        filled = BAR_WIDTH * min(done, total) // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return f"{self.command}: {phase} [{bar}] {done:,}/{total:,} files"

    def _line(self, phase: str, done: int, total: int | None, now: float) -> str:
        of = f" of {total:,}" if total else ""
        share = f" ({100 * done // total} %)" if total else ""
        return f"{self.command}: {phase} {done:,}{of} files{share}, {now - self.started:.0f} s"

    def close(self) -> None:
        """Clear the bar from the terminal, so the report starts on a clean line."""
        if self.terminal and self.last_shown is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()


def import_command(args: argparse.Namespace, settings: Settings) -> int:
    found = content_folder(args, settings)
    if found is None:
        return EXIT_USAGE
    folder, shown = found

    from bot.ops.schema_check import prepare_schema

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
                withdraw_guard=settings.withdraw_guard,
            )
            progress = Progress(sys.stderr, "import")
            try:
                report = await sync.sync(
                    push_existing=args.push_existing,
                    progress=progress,
                    allow_mass_withdraw=args.allow_mass_withdraw,
                )
            finally:
                progress.close()
        finally:
            await db.close()
        summary = report.summary_lines(shown)
        print_outcome(summary, report.diagnostics, report.duplicates, quiet=args.quiet)
        if report.hold is not None:
            print(f"newsbot: import: {report.hold.line()}", file=sys.stderr)
            return EXIT_HELD
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
    from bot.process import run_bot

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
