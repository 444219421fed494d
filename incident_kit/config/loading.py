"""Finding and reading `incidents/config.yaml`, with a per-clone cache of the parsed result."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from incident_kit import repo_files
from incident_kit.config.reader import ConfigReader, parse
from incident_kit.config.settings import CONFIG_PATH, Config
from incident_kit.errors import ConfigError, FileFormatError


def default_text() -> str:
    from importlib import resources

    return resources.files("incident_kit").joinpath("data/config.yaml").read_text("utf-8")


def load(root: Path, cache_dir: Path | None = None) -> Config:
    """The repository's configuration; the built-in defaults when the file is absent.

    With `cache_dir`, the parsed (and validated) data is kept as JSON keyed by the file's
    size, mtime, ctime and inode, so most commands import no YAML library at all (~20 ms).
    """
    path = root / CONFIG_PATH
    try:
        stat = path.lstat()  # a symlink is not followed, not even to see whether it dangles
    except FileNotFoundError:
        return Config()
    key = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
    cache = cache_dir / "config.json" if cache_dir is not None else None
    if cache is not None:
        try:
            cached = json.loads(cache.read_text("utf-8"))
            if cached.get("key") == key:
                return ConfigReader(CONFIG_PATH, check_zones=False).config(cached["data"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ConfigError):
            pass
    try:
        text = repo_files.read_text(root.resolve(), root.resolve() / CONFIG_PATH)
    except FileFormatError as error:
        raise ConfigError(error.message) from None
    config = parse(text, CONFIG_PATH)
    if cache is not None:
        _write_cache(cache, key, text)
    return config


def _write_cache(cache: Path, key: list[int], text: str) -> None:
    """Best effort; only a configuration that parsed and validated gets here."""
    from ruamel.yaml import YAML

    try:
        data = _jsonable(YAML(typ="safe", pure=False).load(text))
        cache.parent.mkdir(parents=True, exist_ok=True)
        temp = cache.with_suffix(".tmp")
        temp.write_text(json.dumps({"key": key, "data": data}), "utf-8")
        os.replace(temp, cache)
    except Exception:
        return


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
