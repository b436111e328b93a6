"""The ``newsbot`` entry point, run as a real process: validate and import."""

from __future__ import annotations

import functools
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.cli import Progress
from tests.articles import article_text

ROOT = Path(__file__).resolve().parents[2]


def newsbot(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "CONTENT_"))
    }
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_passes_on_the_shipped_content() -> None:
    result = newsbot("validate", "content/")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("checked ") and " files in content: " in lines[0]
    assert lines[0].endswith("0 files with errors, 0 warnings")
    assert int(lines[0].split(": ")[1].split()[0]) >= 15


def test_validate_reports_hostile_files_and_exits_1() -> None:
    result = newsbot("validate", "tests/data/hostile")
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    named = {line.split(":", 1)[0] for line in errors}
    hostile = {f"tests/data/hostile/{p.name}" for p in (ROOT / "tests/data/hostile").glob("*.md")}
    assert named == hostile - {
        "tests/data/hostile/duplicate-url-a.md",
        "tests/data/hostile/duplicate-url-b.md",
    }
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"checked {len(hostile)} files in tests/data/hostile: 1 articles ok, ")
    assert lines[1] == f"rejected: {len(named)} files", "the summary comes first"
    assert "       2  invalid field 'quality'" in lines
    assert "duplicates: 1 file skipped, the same article as 1 file kept" in lines
    duplicates = [line for line in lines if ": duplicate: " in line]
    assert duplicates == [
        "tests/data/hostile/duplicate-url-b.md:3: duplicate: the same article as "
        "tests/data/hostile/duplicate-url-a.md (https://example.com/story?id=7); "
        "tests/data/hostile/duplicate-url-a.md is kept"
    ]
    assert lines.index("") < lines.index(errors[0]), "then the per-file lines"


def test_quiet_prints_only_the_errors() -> None:
    loud = newsbot("validate", "tests/data/hostile")
    quiet = newsbot("validate", "--quiet", "tests/data/hostile")
    assert quiet.returncode == loud.returncode == 1
    errors = [line for line in loud.stdout.splitlines() if ": error: " in line]
    assert quiet.stdout.splitlines() == errors and len(errors) >= 19
    assert newsbot("validate", "-q", "content").stdout == ""


def test_duplicates_alone_are_no_failure(tmp_path: Path) -> None:
    (tmp_path / "2024-01-01-story.md").write_text(article_text(url="https://example.com/s"), encoding="utf-8")
    (tmp_path / "2024-01-02-story-again.md").write_text(
        article_text(url="https://example.com/s?utm_source=x"), encoding="utf-8"
    )
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    for command in ("validate", "import"):
        result = newsbot(command, str(tmp_path), env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "duplicates: 1 file skipped, the same article as 1 file kept" in result.stdout
        assert sum(": duplicate: " in line for line in result.stdout.splitlines()) == 1


def test_validate_json_report(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text(article_text(), encoding="utf-8")
    (tmp_path / "bad.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = newsbot("validate", "--json", str(tmp_path))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["articles_ok"] == 1 and report["ok"] is False
    assert report["files_with_errors"] == 1


JEKYLL_POST = """---
title: A video
type: video
originalUrl: https://www.youtube.com/watch?v=abc123DEF4{n}
publishedDateTime: 2024-05-01T08:00:00Z
topics: [Power Apps]
layout: post
permalink: /news/a-video/
{typo}---
"""


def test_a_site_s_own_fields_are_named_once_only_a_typo_warns_and_drafts_are_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "_news"
    folder.mkdir()
    for n in range(3):
        (folder / f"2024-05-0{n + 1}-video.md").write_text(JEKYLL_POST.format(n=n, typo=""), encoding="utf-8")
    typo = JEKYLL_POST.format(n=9, typo="titel: Oops\n")
    (folder / "2024-05-09-typo.md").write_text(typo, encoding="utf-8")
    (folder / "_drafts").mkdir()
    (folder / "_drafts" / "wip.md").write_text("no front matter yet", encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "CONTENT_EXCLUDE": "_drafts"}
    for command in ("validate", "import"):
        result = newsbot(command, str(folder), env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.strip().splitlines()
        assert "0 files with errors, 1 warnings" in lines[0]
        assert lines[1:] == [
            "warnings: 1 in 1 file",
            "       1  likely misspelt field name",
            "fields outside the format, kept without a warning: 'layout' (4 files), 'permalink' (4 files)",
            "",
            f"{folder}/2024-05-09-typo.md:9: warning: unknown field 'titel' (kept as extra); "
            "did you mean 'title'?",
        ]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert newsbot("validate", str(tmp_path / "missing")).returncode == 2
    assert newsbot("no-such-command").returncode == 2


def test_import_is_idempotent_and_incremental(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'bot.db'}"}
    first = newsbot("import", str(content), env=env)
    assert first.returncode == 0, first.stderr
    assert "0 files with errors" in first.stdout and "baseline" in first.stdout
    second = newsbot("import", str(content), env=env)
    assert second.stdout.strip().startswith(
        f"imported {content}: 0 added, 0 updated, 0 moved, 0 restored, 0 withdrawn"
    )
    (content / "fresh.md").write_text(
        article_text(title="Fresh", url="https://example.com/fresh"), encoding="utf-8"
    )
    (content / "seed-article.md").rename(content / "moved-seed.md")
    third = newsbot("import", str(content), env=env)
    assert third.stdout.strip().startswith(f"imported {content}: 1 added, 0 updated, 1 moved, 0 restored")
    assert "1 new for push" in third.stdout


def test_import_of_an_emptied_folder_over_a_full_store_is_held_until_confirmed(
    tmp_path: Path, database_url: str
) -> None:
    """It withdrew all 12 live articles and exited 0; an unmounted volume looks just like this."""
    content, aside = tmp_path / "content", tmp_path / "aside"
    content.mkdir()
    aside.mkdir()
    for n in range(12):
        (content / f"a{n}.md").write_text(
            article_text(title=f"A{n}", url=f"https://example.com/{n}"), encoding="utf-8"
        )
    env = {"DATABASE_URL": database_url}
    assert newsbot("import", str(content), env=env).returncode == 0
    for path in content.glob("*.md"):
        path.rename(aside / path.name)
    held = newsbot("import", str(content), env=env)
    assert held.returncode == 3, held.stdout + held.stderr
    assert held.stdout.startswith(f"imported {content}: 0 added, 0 updated, 0 moved, 0 restored, 0 withdrawn")
    assert held.stdout.strip().endswith(", 12 withdrawals held")
    assert held.stderr.strip().splitlines()[-1] == (
        f"newsbot: import: withdrawals held: {content} holds no article file, and 12 articles of 12 live would "
        "be withdrawn. Nothing was withdrawn and pushes go on: bring the files back, or confirm if you meant it "
        "(`newsbot import --allow-mass-withdraw`, or /withdraw_confirm in the bot)."
    )
    assert newsbot("import", str(content), env=env).returncode == 3  # still held: nothing was forgotten
    assert newsbot("validate", str(content), env=env).returncode == 0  # validate knows no store
    confirmed = newsbot("import", "--allow-mass-withdraw", str(content), env=env)
    assert confirmed.returncode == 0, confirmed.stderr
    assert confirmed.stdout.startswith(
        f"imported {content}: 0 added, 0 updated, 0 moved, 0 restored, 12 withdrawn"
    )
    assert "held" not in confirmed.stdout + confirmed.stderr


def test_import_withdraws_a_few_deleted_files_as_before(tmp_path: Path, database_url: str) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for n in range(12):
        (content / f"a{n}.md").write_text(
            article_text(title=f"A{n}", url=f"https://example.com/{n}"), encoding="utf-8"
        )
    env = {"DATABASE_URL": database_url}
    assert newsbot("import", str(content), env=env).returncode == 0
    for n in range(3):
        (content / f"a{n}.md").unlink()
    result = newsbot("import", str(content), env=env)
    assert result.returncode == 0, result.stderr
    assert "3 withdrawn" in result.stdout and "held" not in result.stdout


def test_run_without_a_token_fails_with_one_line(tmp_path: Path) -> None:
    result = newsbot("run", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert result.returncode == 2
    assert result.stderr.strip() == "newsbot: config: TELEGRAM_BOT_TOKEN: not set (get one from @BotFather)"


def test_run_reports_every_settings_problem_at_once(tmp_path: Path) -> None:
    result = newsbot(
        "run",
        env={
            "TELEGRAM_API_URL": "ftp://example.com",
            "PUSH_RATE": "31",
            "WEBHOOK_URL": "not a url",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        },
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newsbot: config: TELEGRAM_API_URL: expected an http(s) URL, got 'ftp://example.com'",
        "newsbot: config: WEBHOOK_URL: expected the bot's public http(s) URL, got 'not a url'",
        "newsbot: config: PUSH_RATE: at most SEND_GLOBAL_PER_SECOND (30) unless PUSH_PAID_BROADCAST=true, got 31",
    ]


def test_run_reports_token_and_folder_problems(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    result = newsbot(
        "run",
        env={
            "TELEGRAM_BOT_TOKEN": "not-a-token",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'afile' / 'bot.db'}",
            "CONTENT_DIR": str(tmp_path / "content"),
        },
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newsbot: config: TELEGRAM_BOT_TOKEN: malformed (expected digits, a colon and the secret)",
        f"newsbot: config: DATABASE_URL: {tmp_path / 'afile'} cannot be created ({tmp_path / 'afile'} is not a folder)",
    ]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def test_progress_off_a_terminal_is_a_line_every_few_seconds_once_a_pass_takes_a_while() -> None:
    clock, stream = Clock(), Stream(terminal=False)
    progress = Progress(stream, "import", clock=clock, delay=2.0, every=5.0)
    progress("scanning", 500, 10_000)
    clock.now += 1.9
    progress("reading", 1_000, 10_000)
    assert stream.getvalue() == "", "a quick import shows nothing"
    clock.now += 0.2
    progress("reading", 1_500, 10_000)
    clock.now += 4.0
    progress("reading", 4_000, 10_000)  # too soon for another line
    clock.now += 1.0
    progress("reading", 5_000, 10_000)
    progress("reading", 10_000, 10_000)  # the end is always shown
    progress.close()
    assert stream.getvalue().splitlines() == [
        "import: reading 1,500 of 10,000 files (15 %), 2 s",
        "import: reading 5,000 of 10,000 files (50 %), 7 s",
        "import: reading 10,000 of 10,000 files (100 %), 7 s",
    ]


def test_progress_on_a_terminal_is_a_bar_redrawn_in_place_and_cleared() -> None:
    clock, stream = Clock(), Stream(terminal=True)
    progress = Progress(stream, "validate", clock=clock, delay=0.0)
    progress("checking", 250, 1_000)
    progress("checking", 260, 1_000)  # within the redraw interval: skipped
    clock.now += 1.0
    progress("checking", 1_000, 1_000)
    progress.close()
    assert stream.getvalue() == (
        "\rvalidate: checking [######------------------] 250/1,000 files\033[K"
        "\rvalidate: checking [########################] 1,000/1,000 files\033[K"
        "\r\033[K"
    )


def test_progress_shown_nothing_clears_nothing() -> None:
    stream = Stream(terminal=True)
    progress = Progress(stream, "import", clock=Clock())
    progress("scanning", 1, None)
    progress.close()
    assert stream.getvalue() == ""


def test_validate_checks_a_channels_voice_against_the_bots_languages(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "channels.yaml").write_text(
        '"@ai_news_de":\n  topics: [AI]\n  language: de\n"@ai_news_fr":\n  topics: [AI]\n  language: fr\n',
        encoding="utf-8",
    )
    result = newsbot("validate", "content", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert errors == [
        "content/channels.yaml:6: error: language of @ai_news_fr must be one of en, de; got 'fr'"
    ]


def test_import_quiet_keeps_its_progress_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--quiet silences the summary on stdout, not the progress lines on stderr (they tell a slow import apart
    from a stuck one; redirect stderr to drop them)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'bot.db'}")
    monkeypatch.setattr(cli, "Progress", functools.partial(Progress, delay=0.0, every=0.0))
    monkeypatch.setattr(cli, "configure_logging", lambda *args: None)  # leave the suite's logging alone
    assert cli.main(["import", "--quiet", str(content)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert any(line.startswith("import: ") for line in err.splitlines()), err
