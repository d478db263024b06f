"""`--jq EXPR`: the `jq` package when installed, else a built-in subset of the jq language.

The subset covers what scripts use most: paths (`.`, `.a.b`, `.[0]`, `.[]`, `."a b"`, `.a?`),
pipes `|`, commas, literals, array `[…]` and object `{a, b: .c}` construction, comparisons
(`== != < <= > >=`), `and`/`or`/`not`, and the builtins `length`, `keys`, `map(f)`, `select(f)`,
`first`, `last`, `add`, `type`, `tostring`. Anything else is a usage error naming the expression.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from purrr_cli.errors import UsageError

Filter = Callable[[Any], list[Any]]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>-?\d+(?:\.\d+)?)
      | (?P<str>"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<=|>=|\.\.|[.|,\[\](){}:<>?])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def evaluate(expr: str, data: Any) -> list[Any]:
    """Every output of `expr` applied to `data`."""
    try:
        import jq  # type: ignore[import-not-found]
    except ImportError:
        return _compile(expr)(data)
    try:
        return list(jq.compile(expr).input_value(data).all())
    except ValueError as exc:
        raise UsageError(f"invalid --jq expression {expr!r}: {exc}") from exc


def _compile(expr: str) -> Filter:
    parser = _Parser(expr)
    result = parser.pipe()
    if parser.peek() is not None:
        parser.fail(f"unexpected {parser.peek()!r}")
    return result


def _truthy(value: Any) -> bool:
    return value is not None and value is not False


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                self.fail(f"cannot read {text[pos:].strip()[:10]!r}")
            assert match is not None
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.i = 0

    def fail(self, why: str) -> None:
        raise UsageError(f"invalid --jq expression {self.text!r}: {why}")

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            self.fail("unexpected end")
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            self.fail(f"expected {expected!r}, found {token[1]!r}")
        self.i += 1
        return token

    # grammar, loosest first: pipe > comma > or > and > compare > postfix

    def pipe(self) -> Filter:
        left = self.comma()
        while self.peek() == "|":
            self.take()
            right = self.comma()
            left = _then(left, right)
        return left

    def comma(self) -> Filter:
        parts = [self.boolean("or")]
        while self.peek() == ",":
            self.take()
            parts.append(self.boolean("or"))
        if len(parts) == 1:
            return parts[0]
        return lambda v: [out for part in parts for out in part(v)]

    def boolean(self, word: str) -> Filter:
        sub = (lambda: self.boolean("and")) if word == "or" else self.compare
        left = sub()
        while self.peek() == word:
            self.take()
            right = sub()
            left = _logic(word, left, right)
        return left

    def compare(self) -> Filter:
        left = self.postfix()
        op = self.peek()
        if op in _COMPARE:
            self.take()
            right = self.postfix()
            fn = _COMPARE[op]
            return lambda v: [fn(a, b) for a in left(v) for b in right(v)]
        return left

    def postfix(self) -> Filter:
        term = self.term()
        while self.peek() in (".", "["):
            if self.peek() == "." and not self._next_is_key():
                break
            step = self.path_step()
            term = _then(term, step)
        return term

    def _next_is_key(self) -> bool:
        nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        return nxt is not None and nxt[0] in ("name", "str") or (nxt is not None and nxt[1] == "[")

    def path_step(self) -> Filter:
        if self.peek() == "[":
            return self.index()
        self.take(".")
        kind, value = self.take()
        key = json.loads(value) if kind == "str" else value
        if kind not in ("name", "str"):
            self.fail(f"expected a field name after '.', found {value!r}")
        return self.optional(_field(key))

    def optional(self, step: Filter) -> Filter:
        if self.peek() != "?":
            return step
        self.take()

        def quiet(v: Any) -> list[Any]:
            try:
                return step(v)
            except UsageError:
                return []

        return quiet

    def index(self) -> Filter:
        self.take("[")
        if self.peek() == "]":
            self.take()
            return self.optional(_iterate)
        key = self.pipe()
        self.take("]")
        return self.optional(lambda v: [x for k in key(v) for x in _field(k)(v)])

    def term(self) -> Filter:
        kind, value = self.take()
        if value == ".":
            if self.peek() is not None and (self.tokens[self.i][0] in ("name", "str")):
                self.i -= 1
                return self.path_step()
            if self.peek() == "[":
                return self.index()
            return lambda v: [v]
        if value == "..":
            return _recurse
        if kind == "num":
            number = float(value) if "." in value else int(value)
            return lambda v: [number]
        if kind == "str":
            text = json.loads(value)
            return lambda v: [text]
        if value == "(":
            inner = self.pipe()
            self.take(")")
            return inner
        if value == "[":
            if self.peek() == "]":
                self.take()
                return lambda v: [[]]
            inner = self.pipe()
            self.take("]")
            return lambda v: [inner(v)]
        if value == "{":
            return self.object()
        if kind == "name":
            return self.builtin(value)
        self.fail(f"unexpected {value!r}")
        raise AssertionError  # unreachable: fail() raises

    def object(self) -> Filter:
        entries: list[tuple[str, Filter]] = []
        while self.peek() != "}":
            kind, key = self.take()
            name = json.loads(key) if kind == "str" else key
            if self.peek() == ":":
                self.take()
                entries.append((name, self.boolean("or")))
            else:
                entries.append((name, _field(name)))
            if self.peek() == ",":
                self.take()
        self.take("}")

        def build(v: Any) -> list[Any]:
            results: list[dict[str, Any]] = [{}]
            for name, fn in entries:
                results = [{**r, name: out} for r in results for out in fn(v)]
            return results

        return build

    def builtin(self, name: str) -> Filter:
        if name in ("true", "false", "null"):
            constant = {"true": True, "false": False, "null": None}[name]
            return lambda v: [constant]
        if name in ("map", "select"):
            self.take("(")
            arg = self.pipe()
            self.take(")")
            if name == "map":
                return lambda v: [[out for item in _iterate(v) for out in arg(item)]]
            return lambda v: [v] if any(_truthy(x) for x in arg(v)) else []
        simple = _SIMPLE.get(name)
        if simple is None:
            self.fail(f"unsupported function {name!r} (install the 'jq' package for full jq)")
        assert simple is not None
        return lambda v: [simple(v)]


def _then(left: Filter, right: Filter) -> Filter:
    return lambda v: [out for mid in left(v) for out in right(mid)]


def _logic(word: str, left: Filter, right: Filter) -> Filter:
    if word == "and":
        return lambda v: [_truthy(a) and _truthy(b) for a in left(v) for b in right(v)]
    return lambda v: [_truthy(a) or _truthy(b) for a in left(v) for b in right(v)]


def _field(key: Any) -> Filter:
    def get(v: Any) -> list[Any]:
        if v is None:
            return [None]
        if isinstance(v, dict) and isinstance(key, str):
            return [v.get(key)]
        if isinstance(v, list) and isinstance(key, int):
            return [v[key] if -len(v) <= key < len(v) else None]
        raise UsageError(f"--jq: cannot index {type(v).__name__} with {key!r}")

    return get


def _iterate(v: Any) -> list[Any]:
    if isinstance(v, list):
        return list(v)
    if isinstance(v, dict):
        return list(v.values())
    raise UsageError(f"--jq: cannot iterate over {type(v).__name__}")


def _recurse(v: Any) -> list[Any]:
    out = [v]
    if isinstance(v, (list, dict)):
        for child in _iterate(v):
            out.extend(_recurse(child))
    return out


def _length(v: Any) -> int:
    if v is None:
        return 0
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return abs(int(v)) if float(v).is_integer() else abs(v)
    return len(v)


def _add(v: Any) -> Any:
    items = _iterate(v)
    if not items:
        return None
    total = items[0]
    for item in items[1:]:
        total = total + item
    return total


_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}

_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "length": _length,
    "keys": lambda v: sorted(v) if isinstance(v, dict) else list(range(len(v))),
    "first": lambda v: v[0] if v else None,
    "last": lambda v: v[-1] if v else None,
    "add": _add,
    "not": lambda v: not _truthy(v),
    "type": lambda v: _TYPES.get(type(v), "number"),
    "tostring": lambda v: v if isinstance(v, str) else json.dumps(v),
}
