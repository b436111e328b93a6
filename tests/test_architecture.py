"""The map in docs/architecture.md, checked: which package may import which, no circles, no module too long.

The import graph is read with ``ast`` from the source (every ``import``, at any depth, ``TYPE_CHECKING`` blocks
included), so a wrong arrow fails here before anyone has to notice it in review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("bot", "storage")
MAX_LINES = 450
MAX_LOOSE = {"storage": 8, "bot": 10}

# What each package may import of the project (itself always); a module outside every package listed here
# is a top-level one (bot/app.py, bot/runtime.py, bot/cli.py), which may import anything.
STORAGE = ("storage.records",)
ALLOWED: dict[str, tuple[str, ...]] = {
    "storage.records": (),
    "storage.content": (),
    "storage.db": (),
    "storage.catalog": ("storage.content", "storage.db", *STORAGE),
    "storage.readers": ("storage.content", "storage.db", "storage.catalog", *STORAGE),
    "storage.delivery": ("storage.content", "storage.db", "storage.catalog", "storage.readers", *STORAGE),
    "bot.texts": (),
    "bot.telegram": (),
    "bot.emulator": (),
    "bot.ops": ("bot.telegram", "storage"),
    "bot.chat": ("bot.texts", "bot.telegram", "bot.ops", "storage"),
    "bot.push": ("bot.chat", "bot.texts", "bot.telegram", "bot.ops", "storage"),
    "bot.web": ("bot.ops", "storage"),
    "bot.sandbox": ("bot.emulator", "bot.ops", "bot.runtime", "bot.web", "storage"),
}
# Libraries a package must never import, whatever the project's arrows say.
FORBIDDEN_LIBRARIES = {"storage": ("telegram", "bot")}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules(root: Path) -> dict[str, Path]:
    """Every module of ``bot`` and ``storage`` by dotted name (packages by their ``__init__``)."""
    return {
        module_name(path, root): path
        for top in TOP
        for path in sorted((root / top).rglob("*.py"))
        if "migrations" not in path.relative_to(root).parts
    }


def imports_of(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The absolute names ``path`` imports: a module where one is named, else the package or library."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in known else source)
    found.discard(name)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = source_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def owner(name: str) -> str | None:
    """The package of ``ALLOWED`` that ``name`` belongs to (the longest that matches), if any."""
    matches = [package for package in ALLOWED if name == package or name.startswith(package + ".")]
    return max(matches, key=len, default=None)


def _within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def wrong_arrows(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import that the map does not allow, as ``importer -> imported``."""
    wrong = []
    for importer, imported in sorted(graph.items()):
        package = owner(importer)
        for target in sorted(imported):
            top = target.partition(".")[0]
            if _within(target, FORBIDDEN_LIBRARIES.get(importer.partition(".")[0], ())):
                wrong.append(f"{importer} -> {target}")
            elif package is None or top not in TOP or _within(target, (package,)):
                continue
            elif not _within(target, ALLOWED[package]):
                wrong.append(f"{importer} -> {target}")
    return wrong


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import circles between modules: strongly connected components of more than one (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def packages(root: Path) -> list[str]:
    """Every package under ``bot/`` and ``storage/`` (folders with an ``__init__.py``), as dotted names."""
    return sorted(
        module_name(init, root)
        for top in TOP
        for init in (root / top).rglob("__init__.py")
        if init.parent != root / top
    )


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT)


def test_every_import_follows_the_map(graph: dict[str, set[str]]) -> None:
    assert wrong_arrows(graph) == []


def test_no_module_imports_itself_back_through_others(graph: dict[str, set[str]]) -> None:
    assert circles(graph) == []


def test_every_module_in_a_package_has_its_package_on_the_map(graph: dict[str, set[str]]) -> None:
    assert sorted(name for name in graph if owner(name) is None and name.count(".") > 1) == []


def test_few_modules_lie_loose_beside_the_packages() -> None:
    for top, limit in MAX_LOOSE.items():
        loose = sorted(
            p.name for p in (ROOT / top).glob("*.py") if p.name not in ("__init__.py", "__main__.py")
        )
        assert len(loose) <= limit, loose


def test_no_module_is_over_the_length_limit() -> None:
    long = {
        name: lines
        for name, path in source_modules(ROOT).items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_package_is_on_the_map_in_the_docs() -> None:
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert [name for name in packages(ROOT) if f"`{name.replace('.', '/')}/`" not in architecture] == []


def test_every_package_says_what_it_owns() -> None:
    assert [
        name for name in packages(ROOT) if not ast.get_docstring(ast.parse(_init(name).read_text()))
    ] == []


def _init(package: str) -> Path:
    return ROOT.joinpath(*package.split("."), "__init__.py")


# The checks themselves, on made-up graphs: each must catch what it is there to catch.


def test_a_storage_module_importing_telegram_or_the_bot_is_caught() -> None:
    graph = {"storage.catalog.sync": {"telegram", "bot.ops.config", "sqlalchemy"}}
    assert wrong_arrows(graph) == [
        "storage.catalog.sync -> bot.ops.config",
        "storage.catalog.sync -> telegram",
    ]


def test_an_arrow_against_the_layers_is_caught_and_one_with_them_is_not() -> None:
    graph = {
        "bot.chat.handlers.news": {"bot.push.render", "bot.chat.render", "storage.catalog.listings"},
        "storage.catalog.sync": {"storage.delivery.ledger", "storage.content.parsing"},
        "bot.app": {"bot.push.buttons", "bot.chat.context"},
    }
    assert wrong_arrows(graph) == [
        "bot.chat.handlers.news -> bot.push.render",
        "storage.catalog.sync -> storage.delivery.ledger",
    ]


def test_a_circle_through_three_modules_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert circles(graph) == [["a", "b", "c"]]


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    package = tmp_path / "bot" / "chat"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "render.py").write_text("")
    (package / "keyboards.py").write_text("from . import render\nfrom ..push import sender\n")
    known = ["bot.chat", "bot.chat.render", "bot.chat.keyboards"]
    found = imports_of("bot.chat.keyboards", package / "keyboards.py", known)
    assert found == {"bot.chat.render", "bot.push"}
