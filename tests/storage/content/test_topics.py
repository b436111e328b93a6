from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.content.topics import TopicCatalog, TopicEntry, clean_topic_name, load_topic_catalog, topic_key

CONTENT = Path(__file__).parents[3] / "content"


@pytest.mark.parametrize(
    ("name", "clean", "key"),
    [
        ("Computer Vision", "Computer Vision", "computer vision"),
        ("computer  vision ", "computer vision", "computer vision"),
        ("  COMPUTER\tVISION\n", "COMPUTER VISION", "computer vision"),
        ("Straße", "Straße", "strasse"),
        ("AI", "AI", "ai"),
        ("\u00a0Open\u2003Source\u00a0", "Open Source", "open source"),
    ],
)
def test_topic_names_compare_trimmed_collapsed_and_case_folded(name: str, clean: str, key: str) -> None:
    assert clean_topic_name(name) == clean
    assert topic_key(name) == key


@given(st.text())
def test_topic_key_is_idempotent(name: str) -> None:
    assert topic_key(topic_key(name)) == topic_key(name)
    assert topic_key(clean_topic_name(name)) == topic_key(name)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> tuple[TopicCatalog, list[str]]:
    catalog, diagnostics = load_topic_catalog(write(tmp_path, text), "content/topics.yaml")
    return catalog, [str(diagnostic) for diagnostic in diagnostics]


def test_shipped_catalog_loads_cleanly() -> None:
    catalog, diagnostics = load_topic_catalog(CONTENT / "topics.yaml")
    assert diagnostics == []
    assert len(catalog) >= 5
    assert catalog.canonical_name("ml") == "Machine Learning"
    assert all(entry.description for entry in catalog)


def test_catalog_maps_names_and_aliases_to_their_entry(tmp_path: Path) -> None:
    catalog, diagnostics = load(
        tmp_path,
        "- name: Machine  Learning\n"
        "  description: Models that learn from data.\n"
        "  aliases: [ML, machine learning, 'Statistical   Learning']\n"
        "- name: Space\n",
    )
    assert diagnostics == []
    learning = TopicEntry("Machine Learning", "Models that learn from data.", ("ML", "Statistical Learning"))
    assert catalog.entries == (learning, TopicEntry("Space"))
    assert catalog.lookup(" ml ") == learning
    assert catalog.lookup("statistical learning") == learning
    assert catalog.lookup("Astronomy") is None
    assert "SPACE" in catalog
    assert 42 not in catalog
    assert catalog.canonical_name("ml") == "Machine Learning"
    assert catalog.canonical_name("  quantum   computing ") == "quantum computing"
    assert catalog.canonical_names(["ML", "Space", "machine learning", "Quantum"]) == (
        "Machine Learning",
        "Space",
        "Quantum",
    )
    assert set(catalog.by_key) == {"machine learning", "ml", "statistical learning", "space"}


def test_names_that_yaml_reads_as_numbers_keep_their_spelling(tmp_path: Path) -> None:
    catalog, diagnostics = load(tmp_path, "- name: 1984\n  aliases: [0x10]\n")
    assert diagnostics == []
    assert catalog.entries == (TopicEntry("1984", None, ("0x10",)),)


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "---\n"])
def test_an_empty_catalog_is_fine(tmp_path: Path, text: str) -> None:
    catalog, diagnostics = load(tmp_path, text)
    assert (len(catalog), diagnostics) == (0, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: AI\n",
            "content/topics.yaml:1: error: topics.yaml must be a list of topics ('- name: …'), got a mapping",
        ),
        ("- AI\n", "content/topics.yaml:1: error: a topic must be a mapping with a 'name', got text"),
        ("- description: x\n", "content/topics.yaml:1: error: a topic needs a 'name'"),
        ("- name: ''\n", "content/topics.yaml:1: error: 'name' is empty"),
        (
            "- name: yes\n",
            "content/topics.yaml:1: error: 'name' must be text, got a boolean (yes); put the value in quotes",
        ),
        (
            "- name: [AI]\n",
            "content/topics.yaml:1: error: 'name' must be text, got a list; put the value in quotes",
        ),
        (
            "- name: AI\n  aliases: ML\n",
            "content/topics.yaml:2: error: 'aliases' must be a list, e.g. aliases: [ML], got text",
        ),
        (
            "- name: AI\n  aliases: [ML, '']\n",
            "content/topics.yaml:2: error: aliases[1] must be non-empty text, got an empty text",
        ),
        (
            "- name: AI\n  aliases: [true]\n",
            "content/topics.yaml:2: error: aliases[0] must be non-empty text, got a boolean (true)",
        ),
        (
            "- name: AI\n  description: [x]\n",
            "content/topics.yaml:2: error: 'description' must be text, got a list",
        ),
        ("- name: AI\n  name: ML\n", "content/topics.yaml:2: error: duplicate key 'name' (first on line 1)"),
        ("- name: [AI\n", "content/topics.yaml:2: error: malformed YAML"),
        ("- &a {name: AI}\n- *a\n", "content/topics.yaml:1: error: YAML anchors are not supported (&a)"),
        (
            "- name: !!python/name:os.system AI\n",
            "content/topics.yaml:1: error: unsupported YAML tag !!python/name:os.system",
        ),
    ],
)
def test_broken_catalogs_are_reported_cleanly(tmp_path: Path, text: str, message: str) -> None:
    _, diagnostics = load(tmp_path, text)
    assert len(diagnostics) == 1
    assert diagnostics[0].startswith(message)


def test_a_broken_entry_is_left_out_and_the_rest_is_loaded(tmp_path: Path) -> None:
    catalog, diagnostics = load(
        tmp_path,
        "- name: AI\n  aliases: [Artificial Intelligence]\n"
        "- name: ai\n"
        "- name: Machine Learning\n  aliases: [artificial  intelligence]\n"
        "- name: Space\n  colour: blue\n",
    )
    assert [entry.name for entry in catalog] == ["AI", "Space"]
    assert diagnostics == [
        "content/topics.yaml:3: error: 'ai' is already the name or an alias of 'AI' (line 1)",
        "content/topics.yaml:4: error: 'artificial intelligence' is already the name or an alias of 'AI' (line 1)",
        "content/topics.yaml:7: warning: unknown field 'colour' in a topic (ignored); known: name, description, aliases",
    ]


def test_unreadable_catalogs(tmp_path: Path) -> None:
    _, missing = load_topic_catalog(tmp_path / "topics.yaml", "content/topics.yaml")
    assert [str(d) for d in missing] == ["content/topics.yaml: error: file not found"]
    big = write(tmp_path, "- name: AI\n" * 100)
    _, too_big = load_topic_catalog(big, "content/topics.yaml", max_bytes=100)
    assert [str(d) for d in too_big] == [
        "content/topics.yaml: error: file is larger than the limit of 100 bytes"
    ]
    (tmp_path / "binary.yaml").write_bytes(b"- name: \x00\n")
    _, binary = load_topic_catalog(tmp_path / "binary.yaml")
    assert "binary file" in str(binary[0])
    assert str(binary[0]).startswith(str(tmp_path / "binary.yaml"))


def test_catalog_refuses_entries_that_share_a_key() -> None:
    with pytest.raises(ValueError, match="used by both"):
        TopicCatalog((TopicEntry("AI"), TopicEntry("Machine Learning", aliases=("ai",))))
