from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from storage.content.frontmatter import (
    MAX_NESTING,
    FrontMatterError,
    YamlMapping,
    YamlSequence,
    load_yaml,
    split_front_matter,
)


def error_of(call: object, *args: object) -> FrontMatterError:
    with pytest.raises(FrontMatterError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_split_keeps_yaml_body_and_line_offset() -> None:
    front = split_front_matter(b"---\ntitle: A\n---\n\n\n# Heading\n\nText.\n\n")
    assert (front.text, front.body, front.line_offset) == ("title: A\n", "# Heading\n\nText.", 1)


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf---\ntitle: A\n---\nBody\n",  # UTF-8 BOM
        b"---\r\ntitle: A\r\n---\r\nBody\r\n",  # CRLF
        b"---  \ntitle: A\n--- \t\nBody",  # trailing blanks on the delimiter lines
    ],
)
def test_split_accepts_bom_crlf_and_trailing_blanks(data: bytes) -> None:
    front = split_front_matter(data)
    assert (front.text, front.body) == ("title: A\n", "Body")


def test_split_without_body_or_final_newline() -> None:
    assert split_front_matter(b"---\ntitle: A\n---").body == ""
    assert split_front_matter(b"---\n---\n").text == ""


def test_split_body_keeps_markdown_indentation_and_inner_rules() -> None:
    body = split_front_matter(b"---\na: 1\n---\n    code block\n\n---\nafter a rule\n").body
    assert body == "    code block\n\n---\nafter a rule"


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "file is empty", None),
        (b" \n\n\t\n", "file is empty", None),
        (b"title: A\n", "no front matter: the file must start with a '---' line", 1),
        (b"----\ntitle: A\n---\n", "no front matter", 1),
        (b"---\ntitle: A\n", "front matter is not closed", 1),
        (b"---\ntitle: A\n ---\n", "front matter is not closed", 1),
        (b"---\ntitle: \x00\n---\n", "binary file (contains NUL bytes)", None),
        (b"---\ntitle: ok\ntitle: caf\xe9\n---\n", "file is not valid UTF-8 (byte 0xe9)", 3),
        (b"\xef\xbb\xbf---\ntitle: caf\xe9\n---\n", "file is not valid UTF-8 (byte 0xe9)", 2),
        (b"\xff\xfe-\x00-\x00-\x00", "binary file", None),  # UTF-16 is not UTF-8
    ],
)
def test_split_rejects_what_is_not_front_matter(data: bytes, message: str, line: int | None) -> None:
    error = error_of(split_front_matter, data)
    assert message in error.message
    assert error.line == line


def test_load_yaml_remembers_file_lines_and_source_spelling() -> None:
    document = load_yaml("title: 1984\nimages:\n  - url: x\n    width: 0x10\n  - 12\n", line_offset=1)
    assert isinstance(document, YamlMapping)
    assert document == {"title": 1984, "images": [{"url": "x", "width": 16}, 12]}
    assert document.key_lines == {"title": 2, "images": 3}
    assert document.raw == {"title": "1984"}
    images = document["images"]
    assert isinstance(images, YamlSequence)
    assert images.item_lines == [4, 6]
    assert images.raw == {1: "12"}
    assert images[0].key_lines == {"url": 4, "width": 5}
    assert images[0].raw == {"width": "0x10"}


def test_load_yaml_reads_the_core_schema_like_the_safe_loader() -> None:
    text = (
        "a: 2020-08-17T08:14:00Z\nb: 2020-08-17\nc: yes\nd: ~\ne: 1.5\nf: '12'\ng: |\n  line\n"
        "h: !!str 1984\ni: !!int '7'\nj: 2026-02-30\nk: <<\n"
    )
    assert load_yaml(text) == {
        "a": datetime(2020, 8, 17, 8, 14, tzinfo=UTC),
        "b": date(2020, 8, 17),
        "c": True,
        "d": None,
        "e": 1.5,
        "f": "12",
        "g": "line\n",
        "h": "1984",
        "i": 7,
        "j": "2026-02-30",  # looks like a date but is none: kept as text for the field check to report
        "k": "<<",
    }


@pytest.mark.parametrize(("text", "expected"), [("", None), ("# only a comment\n", None), ("42\n", 42)])
def test_load_yaml_of_empty_and_scalar_documents(text: str, expected: object) -> None:
    assert load_yaml(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: 1\nb: [1,\n", "malformed YAML: did not find expected node content", 3),
        ("a: 1\n b: 2\n", "malformed YAML: mapping values are not allowed", 2),
        ("a: \x01\n", "malformed YAML: control characters are not allowed (character #x0001)", 1),
        ("a: 1\na: 2\n", "duplicate key 'a' (first on line 1)", 2),
        ("x:\n  - {u: 1, u: 2}\n", "duplicate key 'u' (first on line 2)", 2),
        ("a: &anchor 1\n", "YAML anchors are not supported (&anchor)", 1),
        ("a: &anchor [1]\n", "YAML anchors are not supported (&anchor)", 1),
        ("a: *nowhere\n", "YAML aliases are not supported (*nowhere)", 1),
        ("<<: {a: 1}\n", "", None),
        (
            "a: !!python/object/apply:os.system ['true']\n",
            "unsupported YAML tag !!python/object/apply:os.system",
            1,
        ),
        ("a: !!python/name:os.system\n", "unsupported YAML tag !!python/name:os.system", 1),
        ("a: !!python/object/new:dict {}\n", "unsupported YAML tag !!python/object/new:dict", 1),
        ("a: !!binary aGVsbG8=\n", "unsupported YAML tag !!binary", 1),
        ("a: !!set {x: null}\n", "unsupported YAML tag !!set", 1),
        ("a: !custom 1\n", "unsupported YAML tag !custom", 1),
        ("!!python/name:os.system a: 1\n", "unsupported YAML tag !!python/name:os.system", 1),
        ("a: !!int nine\n", "'nine' is not a valid !!int value", 1),
        ("? [a, b]\n: 1\n", "a key must be plain text, not a list or mapping", 1),
        ("a: 1\n...\n---\nb: 2\n", "front matter must be a single YAML document", 3),
    ],
)
def test_load_yaml_refuses_unsafe_and_ambiguous_yaml(text: str, message: str, line: int | None) -> None:
    if not message:  # a merge key needs an alias to be useful; without one it is just a key named "<<"
        assert load_yaml(text) == {"<<": {"a": 1}}
        return
    error = error_of(load_yaml, text, 0)
    assert error.message.startswith(message)
    assert error.line == line


def test_load_yaml_refuses_deep_nesting_without_recursion() -> None:
    deep = "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)
    assert "nested more than" in error_of(load_yaml, deep, 0).message
    fine = "[" * MAX_NESTING + "]" * MAX_NESTING
    assert load_yaml(fine) is not None


@pytest.mark.timeout(5)
def test_alias_bomb_is_refused_before_anything_is_built() -> None:
    levels = ["a: &a [" + ", ".join(['"lol"'] * 10) + "]"]
    levels += [
        f"{chr(98 + n)}: &{chr(98 + n)} [" + ", ".join([f"*{chr(97 + n)}"] * 10) + "]" for n in range(20)
    ]
    started = time.perf_counter()
    error = error_of(load_yaml, "\n".join(levels), 0)
    assert time.perf_counter() - started < 0.5
    assert error.message == "YAML anchors are not supported (&a)"


def test_the_pure_python_loader_gives_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = (Path(__file__).parents[3] / "content" / "seed-article.md").read_bytes()
    text = split_front_matter(seed).text
    refused = ["a: &x 1\n", "a: *x\n", "a: !!python/name:os.system\n", "a: 1\na: 2\n", "? [a]\n: 1\n"]
    with_libyaml = load_yaml(text, 1), [error_of(load_yaml, bad, 0).message for bad in refused]
    monkeypatch.setattr("storage.content.frontmatter.Loader", yaml.SafeLoader)
    without = load_yaml(text, 1), [error_of(load_yaml, bad, 0).message for bad in refused]
    assert without == with_libyaml
    assert without[0].key_lines == with_libyaml[0].key_lines
