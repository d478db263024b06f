"""qmark (`?`) placeholders to psycopg's format style (`%s`): a paramstyle adapter, not a dialect
translator. The statement is otherwise sent as written.

Outside quoted text and comments, each `?` becomes `%s` and each `%` becomes `%%` (psycopg
would read a lone `%` as the start of a placeholder). Inside `'string literals'`,
`"quoted identifiers"`, `-- line comments` and `/* block comments */` nothing changes, except
that a `%` still has to be doubled: psycopg scans the whole text for placeholders.
Each distinct statement is adapted once (an LRU cache: the SQL text comes from the code).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def to_format(sql: str) -> str:
    """`sql` with qmark placeholders turned into psycopg's `%s` (see the module docstring)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = _closing_quote(sql, i, ch)
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _closing_quote(sql: str, start: int, quote: str) -> int:
    """The index just past the quoted text opened at `start` (a doubled quote escapes one)."""
    i = start + 1
    while True:
        end = sql.find(quote, i)
        if end < 0:
            raise ValueError(f"unterminated {quote} quote in SQL: {sql[start : start + 40]!r}")
        if sql.startswith(quote * 2, end):
            i = end + 2
            continue
        return end + 1


@lru_cache(maxsize=4096)
def to_numbered(sql: str) -> bytes:
    """`sql` with qmark placeholders turned into PostgreSQL's own `$1`, `$2`… (what the
    protocol's prepared statements take), encoded: `to_format`'s output, whose every `%` is
    either a `%s` placeholder or a doubled `%`, read back one way or the other."""
    text = to_format(sql)
    out: list[str] = []
    number = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            if text[i + 1] == "s":
                number += 1
                out.append(f"${number}")
            else:
                out.append("%")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out).encode()
