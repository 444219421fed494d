"""The one safe reader of repository files: what it refuses, each in one line naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from incident_kit import repo_files
from incident_kit.config.loading import load
from incident_kit.errors import ConfigError, FileFormatError


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    (folder / "incidents").mkdir(parents=True)
    return folder.resolve()


def refusal(root: Path, rel: str, **options: int) -> str:
    with pytest.raises(FileFormatError) as caught:
        repo_files.read_text(root, root / rel, **options)
    return caught.value.message


def test_a_plain_file_is_read_as_it_is(root: Path) -> None:
    (root / "incidents" / "a.md").write_bytes("\ufeffcafé\r\n".encode())
    assert repo_files.read_text(root, root / "incidents" / "a.md") == "\ufeffcafé\r\n"


def test_a_symlink_is_refused_wherever_it_points(root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("outside")
    (root / "incidents" / "config.yaml").symlink_to(tmp_path / "secret")
    (root / "incidents" / "inside.md").write_text("inside")
    (root / "incidents" / "README.md").symlink_to("inside.md")
    (root / "incidents" / "zero").symlink_to("/dev/zero")
    for rel in ("incidents/config.yaml", "incidents/README.md", "incidents/zero"):
        assert refusal(root, rel) == f"{rel}: is a symlink; refusing to follow it"


def test_a_symlinked_folder_on_the_way_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "month").mkdir()
    (tmp_path / "month" / "incident.md").write_text("outside")
    (root / "incidents" / "2026-10").symlink_to(tmp_path / "month")
    assert (
        refusal(root, "incidents/2026-10/incident.md")
        == "incidents/2026-10: is a symlink; refusing to follow it"
    )


def test_a_path_that_climbs_out_is_refused(root: Path) -> None:
    assert "outside the repository" in refusal(root, "incidents/../../etc/passwd")


def test_a_fifo_is_refused_without_waiting_for_a_writer(root: Path) -> None:
    os.mkfifo(root / "incidents" / "pipe")
    assert refusal(root, "incidents/pipe") == "incidents/pipe: is not a regular file; refusing to read it"


def test_a_folder_is_refused(root: Path) -> None:
    assert refusal(root, "incidents") == "incidents: is a directory, not a file"


def test_a_file_over_the_limit_is_refused_before_it_is_read(root: Path) -> None:
    (root / "incidents" / "big.md").write_bytes(b"x" * 3000)
    assert refusal(root, "incidents/big.md", limit=2048) == (
        "incidents/big.md: file is 2 KB; files the tool reads are limited to 0 MB"
    )


def test_bytes_that_are_not_utf8_are_refused_naming_the_line(root: Path) -> None:
    (root / "incidents" / "latin.md").write_bytes(b"one\ntwo\ncaf\xe9\n")
    assert refusal(root, "incidents/latin.md") == "incidents/latin.md:3: not UTF-8 text (binary content?)"


def test_a_missing_file_is_none_for_read_if_present_and_refused_for_read_text(root: Path) -> None:
    assert repo_files.read_if_present(root, root / "incidents" / "README.md") is None
    assert refusal(root, "incidents/README.md") == "incidents/README.md: file is missing"


def test_a_dangling_symlink_is_not_mistaken_for_a_missing_file(root: Path) -> None:
    (root / "incidents" / "README.md").symlink_to("/nonexistent/target")
    with pytest.raises(FileFormatError, match="is a symlink"):
        repo_files.read_if_present(root, root / "incidents" / "README.md")


def test_a_symlinked_config_is_a_config_error_not_the_defaults(root: Path) -> None:
    (root / "incidents" / "config.yaml").symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match=r"^incidents/config\.yaml: is a symlink"):
        load(root)
    (root / "incidents" / "config.yaml").unlink()
    (root / "incidents" / "config.yaml").symlink_to("/nonexistent")  # dangling: still refused
    with pytest.raises(ConfigError, match="is a symlink"):
        load(root)


def test_the_forgiving_config_load_refuses_a_symlink_too(root: Path) -> None:
    from incident_kit.config.degraded import load as forgiving_load

    (root / "incidents" / "config.yaml").symlink_to("/dev/zero")
    loaded = forgiving_load(root)
    assert loaded.whole_file
    assert loaded.problems == ("incidents/config.yaml: is a symlink; refusing to follow it",)
