"""The PostgreSQL driver's paramstyle adapter: qmark `?` to psycopg's `%s`, nothing else."""

from __future__ import annotations

import pytest

from purrr_server.store.drivers.paramstyle import to_format, to_numbered


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM cats WHERE id = ?", "SELECT * FROM cats WHERE id = %s"),
        ("INSERT INTO t (a, b) VALUES (?, ?)", "INSERT INTO t (a, b) VALUES (%s, %s)"),
        ("SELECT 1", "SELECT 1"),
        # a `?` inside a string literal, a quoted identifier or a comment is text, not a slot
        ("SELECT '?' , ? FROM t", "SELECT '?' , %s FROM t"),
        ('SELECT "odd?col" FROM t WHERE x = ?', 'SELECT "odd?col" FROM t WHERE x = %s'),
        ("SELECT ? -- why?\nFROM t", "SELECT %s -- why?\nFROM t"),
        ("SELECT /* a ? b */ ?", "SELECT /* a ? b */ %s"),
        # doubled quotes stay inside the literal
        ("SELECT 'it''s ?' WHERE a = ?", "SELECT 'it''s ?' WHERE a = %s"),
        # every literal % is doubled (psycopg scans the whole text), in and out of quotes
        ("SELECT 5 % 2, ?", "SELECT 5 %% 2, %s"),
        (
            "SELECT * FROM t WHERE name LIKE 'a%' AND b = ?",
            "SELECT * FROM t WHERE name LIKE 'a%%' AND b = %s",
        ),
        ("SELECT 1 -- 100%\n", "SELECT 1 -- 100%%\n"),
        # an unterminated comment runs to the end
        ("SELECT ? /* open", "SELECT %s /* open"),
    ],
)
def test_qmark_becomes_format(sql: str, expected: str) -> None:
    assert to_format(sql) == expected


def test_an_unterminated_literal_is_refused_with_the_statement() -> None:
    with pytest.raises(ValueError, match="unterminated ' quote"):
        to_format("SELECT 'oops, ?")


def test_the_adapted_statement_is_cached() -> None:
    sql = "SELECT ? AS cached_once"
    first = to_format(sql)
    hits = to_format.cache_info().hits
    assert to_format(sql) is first
    assert to_format.cache_info().hits == hits + 1


def test_placeholders_keep_their_order_and_count() -> None:
    sql = "UPDATE t SET a = ?, b = 'x?y' WHERE c = ? AND d IN (?, ?)"
    assert to_format(sql).count("%s") == 4


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT * FROM cats WHERE id = ? AND user_id = ?",
            b"SELECT * FROM cats WHERE id = $1 AND user_id = $2",
        ),
        ("SELECT 1", b"SELECT 1"),
        # text stays text: `?` and `%` in literals and comments, `%` as an operator
        ("SELECT '50%?', ? % 7 -- a ?\nFROM t", b"SELECT '50%?', $1 % 7 -- a ?\nFROM t"),
        ('SELECT /* ? */ ?, "%?"', b'SELECT /* ? */ $1, "%?"'),
    ],
)
def test_qmark_becomes_numbered_for_prepared_statements(sql: str, expected: bytes) -> None:
    assert to_numbered(sql) == expected
