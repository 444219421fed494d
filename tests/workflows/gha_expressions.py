"""The part of the GitHub Actions expression language our workflows use, and the parser of
the workflow commands a step prints. Anything outside that subset raises HarnessError.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any


class HarnessError(Exception):
    """The workflow uses something the harness does not model."""


# --------------------------------------------------------------------------- expressions
# A small subset of the Actions expression language: context lookups with dots, string
# and boolean literals, null, ! && || == != and parentheses, and the status functions.


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass(frozen=True)
class _Lookup:
    parts: tuple[str, ...]


@dataclass(frozen=True)
class _Not:
    operand: _Node


@dataclass(frozen=True)
class _Binary:
    op: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _StatusCall:
    name: str


_Node = _Literal | _Lookup | _Not | _Binary | _StatusCall

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<op>\|\||&&|==|!=|!|\(|\))
    | (?P<word>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)
    )""",
    re.VERBOSE,
)
_STATUS_FUNCTIONS = {"success", "failure", "always", "cancelled"}
_CONTEXTS = {"github", "inputs", "vars", "secrets", "steps"}


def _tokenize(expr: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        match = _TOKEN.match(expr, pos)
        if match is None or match.end() == pos:
            raise HarnessError(f"unsupported expression syntax at {expr[pos:]!r} in {expr!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.tokens = _tokenize(expr)
        self.pos = 0

    def parse(self) -> _Node:
        node = self._or()
        if self.pos != len(self.tokens):
            raise HarnessError(f"unexpected {self.tokens[self.pos][1]!r} in {self.expr!r}")
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise HarnessError(f"expression ends early: {self.expr!r}")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _or(self) -> _Node:
        node = self._and()
        while self._peek() == "||":
            self._take()
            node = _Binary("||", node, self._and())
        return node

    def _and(self) -> _Node:
        node = self._comparison()
        while self._peek() == "&&":
            self._take()
            node = _Binary("&&", node, self._comparison())
        return node

    def _comparison(self) -> _Node:
        node = self._unary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            node = _Binary(op, node, self._unary())
        return node

    def _unary(self) -> _Node:
        if self._peek() == "!":
            self._take()
            return _Not(self._unary())
        return self._primary()

    def _primary(self) -> _Node:
        kind, text = self._take()
        if kind == "string":
            return _Literal(text[1:-1].replace("''", "'"))
        if text == "(":
            node = self._or()
            if self._take()[1] != ")":
                raise HarnessError(f"missing ')' in {self.expr!r}")
            return node
        if kind != "word":
            raise HarnessError(f"unexpected {text!r} in {self.expr!r}")
        if self._peek() == "(":
            self._take()
            if text not in _STATUS_FUNCTIONS or self._take()[1] != ")":
                raise HarnessError(f"function {text}(…) is not supported: {self.expr!r}")
            return _StatusCall(text)
        if text in ("true", "false"):
            return _Literal(text == "true")
        if text == "null":
            return _Literal(None)
        parts = tuple(text.split("."))
        if parts[0] not in _CONTEXTS:
            raise HarnessError(f"context {parts[0]!r} is not supported: {self.expr!r}")
        if parts[0] == "steps" and not (
            (len(parts) == 4 and parts[2] == "outputs")
            or (len(parts) == 3 and parts[2] in ("outcome", "conclusion"))
        ):
            raise HarnessError(f"only steps.<id>.outputs.<name>/outcome/conclusion: {text!r}")
        return _Lookup(parts)


def _uses_status(node: _Node) -> bool:
    if isinstance(node, _StatusCall):
        return True
    if isinstance(node, _Not):
        return _uses_status(node.operand)
    if isinstance(node, _Binary):
        return _uses_status(node.left) or _uses_status(node.right)
    return False


def _truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _as_number(value: Any) -> float:
    # The documented coercion for == between different types.
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if value.strip() == "":
            return 0.0
        try:
            return float(value)
        except ValueError:
            return math.nan
    return math.nan


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()  # Actions compares strings ignoring case
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return left is right
    if type(left) is type(right):
        return bool(left == right)
    return _as_number(left) == _as_number(right)


def _lookup(root: Any, parts: tuple[str, ...]) -> Any:
    value = root
    for part in parts:
        if not isinstance(value, dict):
            return None
        if part in value:
            value = value[part]
            continue
        # Property names are case-insensitive in Actions.
        folded = {str(k).casefold(): v for k, v in value.items()}
        value = folded.get(part.casefold())
    return value


@dataclass
class ExpressionContext:
    """What expressions can see: the contexts, and the job status for success() & co."""

    contexts: dict[str, Any]
    job_failed: bool = False

    def evaluate(self, expr: str) -> Any:
        return self._eval(_Parser(expr).parse())

    def condition(self, value: Any) -> bool:
        """Evaluate an `if:`; like Actions, add `success() &&` unless a status call is used."""
        if value is None:
            return not self.job_failed
        if isinstance(value, bool):
            return value and not self.job_failed
        text = str(value).strip()
        if text.startswith("${{") and text.endswith("}}") and text.count("${{") == 1:
            text = text[3:-2]
        node = _Parser(text).parse()
        if not _uses_status(node):
            node = _Binary("&&", _StatusCall("success"), node)
        return _truthy(self._eval(node))

    def interpolate(self, text: Any) -> str:
        """Expand every `${{ }}` in a string value (of env:, with:, ...)."""
        if isinstance(text, bool):
            return "true" if text else "false"
        if not isinstance(text, str):
            return str(text)

        def replace(match: re.Match[str]) -> str:
            return _to_string(self.evaluate(match.group(1)), match.group(0))

        return re.sub(r"\$\{\{(.*?)\}\}", replace, text, flags=re.DOTALL)

    def _eval(self, node: _Node) -> Any:
        if isinstance(node, _Literal):
            return node.value
        if isinstance(node, _Lookup):
            return _lookup(self.contexts.get(node.parts[0]), node.parts[1:])
        if isinstance(node, _StatusCall):
            return {
                "success": not self.job_failed,
                "failure": self.job_failed,
                "always": True,
                "cancelled": False,  # the harness never cancels
            }[node.name]
        if isinstance(node, _Not):
            return not _truthy(self._eval(node.operand))
        left = self._eval(node.left)
        if node.op == "||":
            return left if _truthy(left) else self._eval(node.right)
        if node.op == "&&":
            return self._eval(node.right) if _truthy(left) else left
        equal = _equal(left, self._eval(node.right))
        return equal if node.op == "==" else not equal


def _to_string(value: Any, source: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise HarnessError(f"{source} is an object; Actions would print 'Object' here")


# ------------------------------------------------------------------- workflow commands


@dataclass(frozen=True)
class WorkflowCommand:
    name: str
    properties: dict[str, str]
    message: str


_COMMAND = re.compile(r"^\s*::(?P<name>[A-Za-z-]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")
_LEGACY_COMMAND = re.compile(r"^\s*##\[(?P<name>[A-Za-z-]+)(?P<props>[^\]]*)\](?P<message>.*)$")


def _unescape(value: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, char)
    return value


def workflow_commands(output: str) -> list[WorkflowCommand]:
    """The workflow commands the runner would act on in a step's output.

    Honours `::stop-commands::<token>` … `::<token>::`, and also reports the legacy
    `##[name]` syntax, which the runner still obeys, so an injection test finds both.
    """
    commands: list[WorkflowCommand] = []
    stop_token: str | None = None
    for line in output.splitlines():
        if stop_token is not None:
            if line.strip() == f"::{stop_token}::":
                stop_token = None
            continue
        match = _COMMAND.match(line) or _LEGACY_COMMAND.match(line)
        if match is None:
            continue
        name = match.group("name")
        if name == "stop-commands":
            stop_token = match.group("message").strip()
            continue
        properties: dict[str, str] = {}
        for item in filter(None, re.split(r"[,;]", match.group("props") or "")):
            key, _, value = item.strip().partition("=")
            properties[key] = _unescape(value)
        commands.append(WorkflowCommand(name, properties, _unescape(match.group("message"))))
    return commands
