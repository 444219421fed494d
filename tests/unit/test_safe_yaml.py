"""YAML from pull requests: anchors, aliases, tags and deep nesting are refused before parsing."""

from __future__ import annotations

import pytest

from incident_kit import safe_yaml
from incident_kit.config.reader import parse
from incident_kit.errors import ConfigError, FileFormatError
from incident_kit.markdown import frontmatter

BOMB = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("title: x\nlinks: &shared [a]\n", 1, "anchor &shared"),
        ("title: x\nlinks: [*shared]\n", 1, "alias *shared"),
        ("title: !!binary aGk=\n", 0, "tag !!binary"),
        ("title: !custom x\n", 0, "tag !custom"),
        ("hook: !!python/object/apply:os.system [ls]\n", 0, "tag !!python/object/apply:os.system"),
        (BOMB, 0, "anchor &a0"),
        ("nest:\n  " + "- " * 100 + "x\n", 1, "nested more than 64"),
        ("nest: " + "[" * 65 + "]" * 65 + "\n", 0, "nested more than 64"),
        ("nest: " + "{a: " * 65 + "x" + "}" * 65 + "\n", 0, "nested more than 64"),
        ("nest: " + "[" * 200_000 + "\n", 0, "nested more than 64"),  # crashed the C parser
    ],
)
def test_what_makes_parsing_a_weapon_is_found_with_its_line(text: str, line: int, words: str) -> None:
    found = safe_yaml.problem(text)
    assert found is not None
    assert (found.line, words in found.message) == (line, True), found


@pytest.mark.parametrize(
    "text",
    [
        "title: R&D is down!\nsummary: 5 * 3 users, & more\n",
        "title: 'a & b'\nnote: \"*not an alias*\"\n",
        "summary: |\n  & starts a line of a block scalar\n  * so does this\n",
        "# a comment & an asterisk *\ntitle: x\n",
        "links: [" + ", ".join(["https://x.example/a"] * 40) + "]\n",
        "nest: " + "[" * 63 + "]" * 63 + "\n",  # 64 levels with the top mapping
        "roles:\n" + "".join(f"  role{n}: person{n}\n" for n in range(500)),
    ],
)
def test_ordinary_yaml_passes_even_with_ampersands_stars_and_many_brackets(text: str) -> None:
    assert safe_yaml.problem(text) is None


def test_invalid_yaml_is_left_for_the_loader_to_report_with_its_line() -> None:
    assert safe_yaml.problem("title: [unclosed\n& x\n") is None
    with pytest.raises(FileFormatError, match=r"^f\.md:4: invalid YAML"):
        frontmatter.load("title: [unclosed\n& x\n", "f.md")


def test_frontmatter_with_an_alias_bomb_is_refused_naming_file_and_line() -> None:
    with pytest.raises(FileFormatError, match=r"^incidents/x/incident\.md:5: YAML anchor &a0 is not allowed"):
        frontmatter.load("id: x\ntitle: y\ncommander: z\n" + BOMB + "\n", "incidents/x/incident.md")


def test_a_config_with_an_alias_is_refused_naming_the_line() -> None:
    text = "default_severity: SEV-3\nstakeholders:\n  SEV-1: &people [alice]\n  SEV-2: *people\n"
    with pytest.raises(ConfigError, match=r"^incidents/config\.yaml:3: YAML anchor &people"):
        parse(text)


def test_a_structural_write_refuses_a_frontmatter_it_must_not_parse() -> None:
    with pytest.raises(FileFormatError, match="nested more than"):
        frontmatter.set_structure("id: x\nnest: " + "[" * 100 + "]" * 100 + "\n", "links", ["a"])


def test_a_forgiving_load_gives_up_on_unsafe_yaml_instead_of_walking_it() -> None:
    from incident_kit.config.degraded import lenient

    loaded = lenient("default_severity: SEV-2\n" + BOMB + "\n")
    assert loaded.whole_file
    assert loaded.config.default_severity == "SEV-3"  # the built-in default, not half the file
    assert loaded.problems[0].startswith("incidents/config.yaml:2: YAML anchor &a0")
