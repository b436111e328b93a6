from __future__ import annotations

import os
from pathlib import Path, PurePath

import pytest

from storage.content.files import (
    FileRead,
    display_path,
    is_article_path,
    iter_article_files,
    read_article_file,
)

ARTICLE = b"---\ntitle: A\n---\n"


@pytest.mark.parametrize(
    "rel",
    ["a.md", "2026/03/a.md", "deep/er/still/x.y.md", "README.md", "with space.md"],
)
def test_article_paths(rel: str) -> None:
    assert is_article_path(PurePath(rel))


@pytest.mark.parametrize(
    "rel",
    [
        ".hidden.md",
        ".drafts/a.md",
        "2026/.git/a.md",
        "a.md~",
        ".a.md.swp",
        "a.md.swp",
        "a.md.tmp",
        "a.md.part",
        "a.markdown",
        "a.MD",
        "a.txt",
        "topics.yaml",
        "notes",
    ],
)
def test_ignored_paths(rel: str) -> None:
    assert not is_article_path(PurePath(rel))


def test_display_path_joins_the_folder_as_typed() -> None:
    assert display_path("content", "a/b.md") == "content/a/b.md"
    assert display_path("content/", "b.md") == "content/b.md"
    assert display_path("", "b.md") == "b.md"


def make_tree(root: Path, files: list[str]) -> None:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ARTICLE)


def test_iter_article_files_is_sorted_recursive_and_skips_ignored(tmp_path: Path) -> None:
    root = tmp_path / "content"
    make_tree(
        root,
        [
            "b.md",
            "a-b.md",
            "a/z.md",
            "a/c/d.md",
            "A.md",
            ".drafts/x.md",
            "a/.hidden/y.md",
            "c.md~",
            "c.md.swp",
            "c.md.tmp",
            "c.md.part",
            "topics.yaml",
            "notes.txt",
        ],
    )
    found = [path.relative_to(root).as_posix() for path in iter_article_files(root)]
    assert found == ["A.md", "a/c/d.md", "a/z.md", "a-b.md", "b.md"]


def test_iter_article_files_does_not_enter_symlinked_folders(tmp_path: Path) -> None:
    root = tmp_path / "content"
    outside = tmp_path / "elsewhere"
    make_tree(root, ["in/a.md"])
    make_tree(outside, ["secret.md"])
    (root / "linked-out").symlink_to(outside, target_is_directory=True)
    (root / "linked-in").symlink_to(root / "in", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    assert [path.relative_to(root).as_posix() for path in iter_article_files(root)] == ["in/a.md"]


def test_iter_article_files_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert list(iter_article_files(tmp_path / "missing")) == []


def read(path: Path, root: Path, max_bytes: int = 1 << 20) -> FileRead:
    return read_article_file(path, root, "content/" + path.name, max_bytes)


def reason(result: FileRead) -> str:
    assert result.data is None
    assert len(result.diagnostics) == 1
    return str(result.diagnostics[0])


def test_reads_an_article_with_its_size_and_mtime(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(ARTICLE)
    result = read(path, tmp_path)
    assert result == FileRead(ARTICLE, len(ARTICLE), path.stat().st_mtime_ns, ())


def test_symlinks_inside_the_folder_are_followed(tmp_path: Path) -> None:
    (tmp_path / "real.md").write_bytes(ARTICLE)
    (tmp_path / "link.md").symlink_to(tmp_path / "real.md")
    assert read(tmp_path / "link.md", tmp_path).data == ARTICLE


def test_symlinks_leading_outside_the_folder_are_errors(tmp_path: Path) -> None:
    root = tmp_path / "content"
    root.mkdir()
    secret = tmp_path / "secret.md"
    secret.write_bytes(ARTICLE)
    (root / "escape.md").symlink_to(secret)
    (root / "relative.md").symlink_to(Path("..") / "secret.md")
    for name in ("escape.md", "relative.md"):
        assert reason(read(root / name, root)).startswith(
            f"content/{name}: error: symlink leads outside the content folder"
        )


def test_files_reached_through_a_symlinked_folder_are_checked_too(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "inside").mkdir(parents=True)
    (root / "inside" / "a.md").write_bytes(ARTICLE)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "b.md").write_bytes(ARTICLE)
    (root / "out").symlink_to(tmp_path / "outside", target_is_directory=True)
    (root / "in").symlink_to(root / "inside", target_is_directory=True)
    assert reason(read(root / "out" / "b.md", root)).startswith(
        "content/b.md: error: symlink leads outside the content folder"
    )
    assert reason(read(root / "inside" / ".." / ".." / "outside" / "b.md", root)).startswith(
        "content/b.md: error: symlink leads outside the content folder"
    )
    assert read(root / "in" / "a.md", root).data == ARTICLE


def test_a_symlinked_content_folder_and_a_relative_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.md").write_bytes(ARTICLE)
    (tmp_path / "content").symlink_to(tmp_path / "real", target_is_directory=True)
    root = tmp_path / "content"
    assert [read(path, root).data for path in iter_article_files(root)] == [ARTICLE]
    monkeypatch.chdir(root)
    assert [read(path, Path(".")).data for path in iter_article_files(Path("."))] == [ARTICLE]


def test_broken_symlinks_and_loops(tmp_path: Path) -> None:
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    assert reason(read(tmp_path / "dangling.md", tmp_path)).endswith(
        "broken symlink: its target does not exist"
    )
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")
    assert reason(read(tmp_path / "loop.md", tmp_path)) == "content/loop.md: error: symlink loop"


def test_files_over_the_limit_are_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.md"
    path.write_bytes(ARTICLE + b"x" * 100)

    def no_read(*args: object) -> bytes:
        raise AssertionError("a file known to be too big must not be read")

    monkeypatch.setattr("storage.content.files.os.read", no_read)
    result = read(path, tmp_path, max_bytes=100)
    assert reason(result) == "content/big.md: error: file is larger than the limit of 100 bytes"
    assert result.size == len(ARTICLE) + 100


def test_a_file_that_grows_past_the_limit_is_read_no_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing.md"
    path.write_bytes(b"x" * 10)
    requested: list[int] = []
    real_read = os.read

    def grow_then_read(descriptor: int, count: int) -> bytes:
        if not requested:
            path.write_bytes(b"x" * 10_000)  # grows between the size check and the read
        requested.append(count)
        return real_read(descriptor, count)

    monkeypatch.setattr("storage.content.files.os.read", grow_then_read)
    result = read(path, tmp_path, max_bytes=100)
    assert sum(requested) <= 101
    assert reason(result) == "content/growing.md: error: file is larger than the limit of 100 bytes"


def test_a_file_that_vanishes_while_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(ARTICLE)
    real_open = os.open

    def delete_then_open(name: str, flags: int) -> int:
        os.unlink(name)
        return real_open(name, flags)

    monkeypatch.setattr("storage.content.files.os.open", delete_then_open)
    assert reason(read(path, tmp_path)) == "content/a.md: error: file vanished while being read"


def test_a_file_that_changes_while_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(ARTICLE)
    real_read = os.read

    def read_then_rewrite(descriptor: int, count: int) -> bytes:
        data = real_read(descriptor, count)
        if data:
            path.write_bytes(ARTICLE + b"more\n")
        return data

    monkeypatch.setattr("storage.content.files.os.read", read_then_rewrite)
    assert reason(read(path, tmp_path)) == "content/a.md: error: file changed while being read"


def test_a_file_replaced_by_rename_while_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(ARTICLE)
    replacement = tmp_path / "a.md.tmp"
    replacement.write_bytes(ARTICLE)  # same size: only the inode tells them apart
    real_read = os.read

    def read_then_replace(descriptor: int, count: int) -> bytes:
        data = real_read(descriptor, count)
        if replacement.exists():
            replacement.replace(path)
        return data

    monkeypatch.setattr("storage.content.files.os.read", read_then_replace)
    assert reason(read(path, tmp_path)) == "content/a.md: error: file changed while being read"


def test_special_files_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    assert reason(read(fifo, tmp_path)) == "content/pipe.md: error: not a regular file"
    (tmp_path / "folder.md").mkdir()
    assert reason(read(tmp_path / "folder.md", tmp_path)) == "content/folder.md: error: not a regular file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "locked.md"
    path.write_bytes(ARTICLE)
    path.chmod(0)
    assert reason(read(path, tmp_path)) == "content/locked.md: error: cannot read file: Permission denied"
