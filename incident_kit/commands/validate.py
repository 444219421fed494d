"""`incident validate [PATH…]`: check incident files, post-mortems and the config; exit 1 on errors.

`--changed-since REF` checks only the incident folders a pull request touched (plus the
repository-wide duplicate-id rule, which reads folder names only), so a pull request on a
10,000-incident repository is checked in well under a second.

Why this module is long: it is the one command behind three ways of choosing what to check
(named paths, `--changed-since`, the whole repository through the results cache and its
workers), and each folder, whichever way it was chosen, goes through the same `_check_folder`
and the same config checks. The rules live in `validate_rules`, the report in `validate_report`.
"""

from __future__ import annotations

import json
import os
import stat as stat_module
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from incident_kit import repo_files, safe_yaml
from incident_kit.commands import validate_rules as rules
from incident_kit.commands.validate_report import report
from incident_kit.config.reader import parse
from incident_kit.config.settings import CONFIG_PATH, Config
from incident_kit.context import check_format
from incident_kit.errors import ConfigError, FileFormatError, InputError
from incident_kit.git import history, repository
from incident_kit.ids import id_from_folder
from incident_kit.store import INCIDENT_FILE, INCIDENTS, POSTMORTEM_FILE, Store
from incident_kit.validation import (
    ERROR,
    WARNING,
    Problem,
    check_incident,
    check_postmortem,
    problem_from_message,
)
from incident_kit.validation_cache import ResultCache, fingerprint


def run(
    repo: Path | None,
    paths: Sequence[str],
    *,
    fmt: str,
    changed_since: str | None,
    use_cache: bool = True,
) -> int:
    """`use_cache`: a whole-repository check reuses the results of unchanged folders
    (`validation_cache`); `--no-cache` checks every file and leaves the cache alone."""
    fmt = check_format(fmt, ("text", "github", "json"))
    root = repository.toplevel(repo or Path.cwd())
    store = Store(root)
    if use_cache and not paths and not changed_since and _real_folder(store.incidents):
        problems, checked = _whole_repository(store)
        return _finish(problems, fmt, checked)
    targets = _targets(store, paths, changed_since)
    # a pull request's incidents are checked against the config, whose own problems (the
    # round-trip parse for its references costs ~50 ms) are reported only when it is a target
    config, problems = _config(store.root, check=targets.check_config)
    if not targets.check_config:
        problems = []
    partial = bool(paths or changed_since)
    problems += targets.problems
    problems += rules.symlinks(store, [*targets.folders, *targets.files] if partial else None)
    problems += rules.other_files(store, targets.files if partial else None)
    statuses: dict[Path, tuple[str | None, str | None, str | None]] = {}
    for folder, (found, facts) in _results(store, targets.folders, config, use_cache and not partial):
        problems += found
        statuses[folder] = facts
    problems += rules.duplicate_ids(store, set(targets.folders) if partial else None)
    problems += rules.merge_targets(store, statuses, None if partial else targets.folders)
    if targets.check_config:  # the whole repository is being checked, not a pull request's incidents
        problems += rules.stale_workflows(root)
    return _finish(problems, fmt, len(targets.folders))


def _finish(problems: list[Problem], fmt: str, checked: int) -> int:
    problems = sorted(set(problems), key=lambda p: (p.path, p.line, p.level, p.message))
    report(problems, fmt, checked=checked)
    return 1 if any(p.level == ERROR for p in problems) else 0


def _real_folder(path: Path) -> bool:
    try:
        return stat_module.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _whole_repository(store: Store) -> tuple[list[Problem], int]:
    """The whole repository's problems (and how many folders), from one pass over incidents/
    (`validation_walk`: the folders, their stat keys, the symlinks, the names) and the results
    cache; the config is parsed only when a folder needs checking or its own problems are not
    cached (a warm run imports no YAML library). The same answer as the separate walks
    `run` makes with `--no-cache`."""
    from incident_kit.validation_pass import check_all
    from incident_kit.validation_walk import walk

    cache, config_cacheable = _result_cache(store)
    found = walk(str(store.incidents), store.rel(store.incidents), lambda month: list(store.names([month])))
    statuses: dict[Path, tuple[str | None, str | None, str | None]] = {}
    problems: list[Problem] = []
    todo = []
    for folder in found.folders:
        kept = None if folder.key is None else cache.reuse_keyed(folder.rel, folder.path, *folder.key)
        if kept is None:
            todo.append(folder)
            continue
        found_problems, facts = kept
        problems += found_problems
        if facts[1] == "merged":
            statuses[Path(folder.path)] = facts
    config_problems = cache.config_problems
    if todo or config_problems is None:
        config, read_problems = _config(store.root, check=config_problems is None)
        if config_problems is None:
            config_problems = read_problems
            if config_cacheable:
                cache.config_problems = read_problems
        paths = [Path(folder.path) for folder in todo]
        many = _many(paths, config)
        fresh = check_all(
            paths, lambda f: _check_folder(store, f, config, many, walked=True), cache.started_ns
        )
        for folder, path, (result, entry) in zip(todo, paths, fresh, strict=True):
            cache.remember(path, entry, folder.rel)
            problems += result[0]
            if result[1][1] == "merged":
                statuses[path] = result[1]
    cache.save()
    problems += config_problems
    problems += [rules.symlink_problem(store, link) for link in found.links]
    problems += rules.other_files(store, None)
    problems += rules.duplicate_ids(store, None, found.names)
    known: set[str | None] = {folder.incident_id for folder in found.folders} if statuses else set()
    problems += rules.merge_targets(store, statuses, known=known)
    problems += rules.stale_workflows(store.root)
    return problems, len(found.folders)


def _results(
    store: Store, folders: list[Path], config: Config, use_cache: bool
) -> list[tuple[Path, tuple[list[Problem], tuple[str | None, str | None, str | None]]]]:
    """Every folder's problems and facts: from the results cache when its files are unchanged,
    else checked (on every core when many are)."""
    from incident_kit.validation_pass import check_all

    cache = _result_cache(store)[0] if use_cache else None
    reused = [cache.reuse(folder) for folder in folders] if cache is not None else [None] * len(folders)
    todo = [folder for folder, kept in zip(folders, reused, strict=True) if kept is None]
    started_ns = cache.started_ns if cache is not None else time.time_ns()
    many = _many(todo, config)
    fresh = dict(
        zip(todo, check_all(todo, lambda f: _check_folder(store, f, config, many), started_ns), strict=True)
    )
    results = []
    for folder, kept in zip(folders, reused, strict=True):
        if kept is None:
            kept, entry = fresh[folder]
            if cache is not None:
                cache.remember(folder, entry)
        results.append((folder, kept))
    if cache is not None:
        cache.save()
    return results


MANY_FROM = 50  # folders: from here the schema's compiled accept path (≈ 30 ms to build) pays


def _many(folders: Sequence[Path], config: Config) -> bool:
    """Whether to check with the schema's compiled accept path; it is built here, before any
    worker is forked, so that each inherits it."""
    if len(folders) < MANY_FROM:
        return False
    from incident_kit.validation import fast_schema_check

    fast_schema_check(config.severity_scale.levels)
    return True


def _result_cache(store: Store) -> tuple[ResultCache, bool]:
    """The per-folder results of earlier whole-repository runs, for this config, and whether
    the config's own problems may be kept (it is a regular file, read whole: they depend on
    its bytes alone)."""
    config_bytes: bytes | None = None
    try:
        fd = os.open(store.root / CONFIG_PATH, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat_module.S_ISREG(info.st_mode) and info.st_size <= repo_files.MAX_FILE_BYTES:
                config_bytes = handle.read(repo_files.MAX_FILE_BYTES + 1)
    except OSError:
        config_bytes = None  # missing, a symlink, a folder, a FIFO: `_config` reports what matters
    prefix = f"{store.root}{os.sep}"

    def rel(folder: Path) -> str:  # `store.rel` without pathlib's parsing (10,000 calls)
        text = str(folder)
        return text[len(prefix) :] if text.startswith(prefix) and os.sep == "/" else store.rel(folder)

    return ResultCache(store.root, rel, fingerprint(config_bytes)), config_bytes is not None


def print_schema(repo: Path | None) -> int:
    """The incident frontmatter schema with the config's severity levels, for editors."""
    from incident_kit.validation import schema

    root = repository.toplevel(repo or Path.cwd())
    config, _ = _config(root)
    sys.stdout.write(json.dumps(schema(config.severity_scale.levels), indent=2, ensure_ascii=False) + "\n")
    return 0


def _config(root: Path, *, check: bool = True) -> tuple[Config, list[Problem]]:
    """The config as every other command reads it (`repo_files`, then `parse`; what of it is
    usable when it is broken) and every problem found in it: the reader's first error, and the
    references, unknown keys and overlaps (`config.references`); without `check`, the reader's
    first error only (the config is not among the targets)."""
    try:
        text = repo_files.read_if_present(root, root / CONFIG_PATH)
    except FileFormatError as error:  # a symlink, a FIFO, 3 MB, not UTF-8: nothing is read
        return Config(), [problem_from_message(CONFIG_PATH, error.message, "config")]
    if text is None:
        return Config(), []
    problems = []
    try:
        config = parse(text, CONFIG_PATH)
    except ConfigError as error:
        from incident_kit.config.degraded import lenient

        config = lenient(text, CONFIG_PATH).config  # incidents are checked against the rest of it
        problems.append(problem_from_message(CONFIG_PATH, error.message, "config"))
    if not check or safe_yaml.problem(text) is not None:
        return config, problems  # anchors, tags, deep nesting: reported, and walked no further
    return config, problems + _config_references(text, config, {p.line for p in problems})


def _config_references(text: str, config: Config, reported: set[int]) -> list[Problem]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from incident_kit.config import references

    try:
        data = YAML(typ="rt").load(text)
    except (YAMLError, ValueError, TypeError):
        return []  # the reader reported it
    return [
        Problem(CONFIG_PATH, f.line, f"{f.key}: {f.message}", f.level, "config")
        for f in references.check(data, config.severity_scale)
        if f.line not in reported
    ]


@dataclass(frozen=True)
class _Targets:
    folders: list[Path]  # incident folders to check
    check_config: bool  # the config is among the targets
    files: list[Path]  # every path named or changed (for the symlink and readability checks)
    problems: list[Problem]  # names that cannot even be shown (not UTF-8)


def _targets(store: Store, paths: Sequence[str], changed_since: str | None) -> _Targets:
    if paths and changed_since:
        raise InputError("give PATHs or --changed-since REF, not both")
    problems: list[Problem] = []
    if changed_since:
        changed = history.changed_since(store.root, changed_since, INCIDENTS)
        if changed is None:
            raise InputError(f"--changed-since {changed_since!r}: not a commit git knows (fetch it first?)")
        paths = [name for name in changed if not _bad_name(name)]
        problems = [
            Problem(
                rules.shown(name), 1, "file name is not UTF-8 text, or holds control characters", rule="name"
            )
            for name in changed
            if _bad_name(name)
        ]
        if not paths:
            return _Targets([], False, [], problems)
    if not paths:
        return _Targets(list(store.folders()), True, [], [])
    typed = not changed_since  # a path git reports may be a deletion; one a person typed must exist
    folders: dict[Path, None] = {}
    files: list[Path] = []
    check_config = False
    for raw in paths:
        path = (store.root / raw) if not Path(raw).is_absolute() else Path(raw)
        path = Path(os.path.abspath(path))
        if store.root not in path.parents and path != store.root:
            raise InputError(f"{raw}: outside the repository")
        if typed and not os.path.lexists(path):
            raise InputError(f"{raw}: no such file or folder (paths are relative to the repository root)")
        files.append(path)
        rel = path.relative_to(store.root).as_posix()
        if rel == CONFIG_PATH:
            check_config = True
            continue
        folder = _folder_of(store, path)
        if folder is not None:
            folders[folder] = None
        elif path.is_dir() and not path.is_symlink():
            folders.update((f, None) for f in store.folders() if path in f.parents or f == path)
    return _Targets(list(folders), check_config, files, problems)


def _bad_name(name: str) -> bool:
    """Git hands over file names as bytes: one that is not UTF-8 (kept as surrogates) or that
    holds a control character cannot be printed, annotated or put in a job summary safely."""
    return not name.isprintable()


def _folder_of(store: Store, path: Path) -> Path | None:
    for candidate in (path, *path.parents):
        if candidate == store.incidents or store.incidents not in candidate.parents:
            return None
        if id_from_folder(candidate.name) and candidate.parent.parent == store.incidents:
            return candidate
    return None


def _read(store: Store, path: Path, walked: bool) -> str:
    """`store.read_text`; `walked`: the folder was found by a walk that follows no symlink
    (`validation_walk`), so the per-path symlink check is skipped (the file itself is still
    opened without following one). A refused file is read again the full way, for the same
    message."""
    if walked:
        try:
            return repo_files.read_text(store.root, path, walked=True)
        except FileFormatError:
            pass
    return store.read_text(path)


def _check_folder(
    store: Store, folder: Path, config: Config, many: bool = False, *, walked: bool = False
) -> tuple[list[Problem], tuple[str | None, str | None, str | None]]:
    rel_folder = store.rel(folder)
    rel_md = f"{rel_folder}/{INCIDENT_FILE}"
    path = folder / INCIDENT_FILE
    if not path.exists():
        if not folder.exists():
            return [], (None, None, None)  # deleted in the change being checked
        return [Problem(rel_md, 1, "incident folder without incident.md", rule="format")], (None, None, None)
    try:
        text = _read(store, path, walked)
    except FileFormatError as error:
        return [problem_from_message(rel_md, error.message)], (None, None, None)
    checked = check_incident(rel_md, folder.name, text, config.severity_scale.levels, many=many)
    problems = list(checked.problems) + _unknown_service(rel_md, text, checked.service, config)
    pm_path = folder / POSTMORTEM_FILE
    required = tuple(config.required_sections.get(checked.severity or "", ()))
    pm_rel = f"{rel_folder}/{POSTMORTEM_FILE}"
    if pm_path.exists():
        try:
            pm_text = _read(store, pm_path, walked)
        except FileFormatError as error:
            problems.append(problem_from_message(pm_rel, error.message))
        else:
            incident_id = checked.incident_id or id_from_folder(folder.name) or folder.name
            problems += check_postmortem(pm_rel, incident_id, pm_text, checked.status, required)
    elif checked.status in ("postmortem", "closed") and required:
        level = ERROR
        problems.append(
            Problem(
                rel_md,
                1,
                f"{checked.severity} requires a post-mortem but {POSTMORTEM_FILE} is missing",
                level,
                "postmortem",
            )
        )
    merged_into = None
    if checked.status == "merged":
        try:
            from incident_kit.markdown import frontmatter
            from incident_kit.validation import load_frontmatter

            data = load_frontmatter(frontmatter.split(text, rel_md).frontmatter, rel_md)
            merged_into = str(data.get("merged_into") or "") or None
        except FileFormatError:
            merged_into = None
    return problems, (checked.incident_id, checked.status, merged_into)


def _unknown_service(rel: str, text: str, service: str | None, config: Config) -> list[Problem]:
    """A service the config does not list splits the stats (`paymnts` next to `payments`)."""
    if not service or not config.services or config.canonical_service(service) in config.services:
        return []
    from incident_kit.config.references import suggestion
    from incident_kit.markdown import frontmatter

    fm = frontmatter.split(text, rel).frontmatter
    hint = suggestion(service, list(config.services))
    return [
        Problem(
            rel,
            frontmatter.key_line(fm, "service") or 1,
            f"service {service!r} is not in {CONFIG_PATH}{hint}",
            WARNING,
            "service",
        )
    ]
