"""Facts about the code's layout that a reviewer would otherwise check by eye.

- no import cycle between the package's modules (lazy imports inside functions count: a cycle
  through them is still two modules that each need the other);
- no module longer than ~400 lines unless its docstring says why (a paragraph starting
  "Why this module is long:");
- no module whose name is also a package's name beside it (`x.py` next to `x/`);
- every subprocess of git goes through `incident_kit/git/process.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "incident_kit"
MAX_LINES = 400
LONG_REASON = "Why this module is long:"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """The project modules `path` imports, at run time (not under `if TYPE_CHECKING:`)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base]) if base else ".".join(anchor)
                for alias in child.names:
                    candidate = f"{base}.{alias.name}"
                    found.add(candidate if candidate in MODULES else base)
            visit(child)

    visit(ast.parse(path.read_text("utf-8")))
    return {name for name in found if name in MODULES and name != module}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
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
            connect(node)
    return found


def _graph() -> dict[str, set[str]]:
    # a package's __init__ is imported by its submodules implicitly; only real imports count
    return {name: _imports(path) for name, path in MODULES.items()}


def test_the_cycle_finder_finds_a_cycle_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_imports_one_that_imports_it_back() -> None:
    cycles = _cycles(_graph())
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(cycle) for cycle in cycles)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_long_module_says_why_it_is_long(name: str) -> None:
    path = MODULES[name]
    text = path.read_text("utf-8")
    lines = text.count("\n")
    if lines <= MAX_LINES:
        return
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert LONG_REASON in docstring, (
        f"{path.relative_to(PACKAGE.parent)} has {lines} lines: split it, or say in its docstring "
        f"'{LONG_REASON} …'"
    )


def test_no_module_shares_its_name_with_a_package_beside_it() -> None:
    clashes = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py" and (path.parent / path.stem).is_dir()
    ]
    assert clashes == []


def test_only_the_git_process_module_starts_git() -> None:
    door = PACKAGE / "git" / "process.py"
    starters = []
    for path in PACKAGE.rglob("*.py"):
        if path == door:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.List) and node.elts:
                first = node.elts[0]
                if isinstance(first, ast.Constant) and first.value == "git":
                    starters.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names]
                module = getattr(node, "module", None) or ""
                if "subprocess" in names or module == "subprocess":
                    starters.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports subprocess")
    assert starters == [], "git started outside incident_kit/git/process.py: " + ", ".join(starters)


def test_every_module_is_on_the_architecture_page() -> None:
    """docs/architecture.md is the newcomer's map: a module missing from it is a module nobody
    can find. Alert formats are covered by the `alerts/` row."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text("utf-8")
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if path.name == "__init__.py" and rel != "notify/__init__.py" and rel != "alerts/__init__.py":
            continue
        if rel.startswith("alerts/") or rel in ("__main__.py",):
            continue
        short = rel.removeprefix("commands/")
        if f"`{rel}`" not in page and not (rel.startswith("commands/") and f"`{short[:-3]}`" in page):
            missing.append(rel)
    assert missing == [], "add a line for each to docs/architecture.md: " + ", ".join(missing)
