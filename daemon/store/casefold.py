"""``casefold(text)`` in SQL: a text compared without regard to case, as Python's
``str.casefold`` compares it, so that a rule written once in Python (a seller named in the
settings, say) selects the same rows in a query.

SQLite's own ``lower`` folds only ASCII letters ("SOCIÉTÉ" becomes "sociÉtÉ"): each SQLite
connection gets Python's ``str.casefold`` as the SQL function ``casefold``
(:func:`register`). PostgreSQL's ``lower`` folds every letter of a UTF-8 database, and stands
in for it there, with the full folds Unicode's CaseFolding.txt gives that ``lower`` does not:
"ß" (and "ẞ", which ``lower`` makes "ß") to "ss", as a German name written in capitals
spells it ("STRASSE" for "Straße"), and the final sigma "ς" to "σ". Left apart: ligatures
("ﬁ") and the Turkish dotted capital I, rare in a company's name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction


class casefold(GenericFunction[str]):
    """``casefold(text)``: the text case-folded (None stays None)."""

    type = String()
    name = "casefold"
    inherit_cache = True


@compiles(casefold, "postgresql")
def _postgresql(element: casefold, compiler: SQLCompiler, **kw: Any) -> str:
    lowered = f"lower({compiler.process(element.clauses, **kw)})"
    return f"replace(replace({lowered}, 'ß', 'ss'), 'ς', 'σ')"


def _folded(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def register(connection: Any) -> None:
    """Make ``casefold`` callable in ``connection``'s SQL (a DB-API SQLite connection, or
    SQLAlchemy's adapter of an aiosqlite one, whose ``create_function`` waits for it)."""
    connection.create_function("casefold", 1, _folded, deterministic=True)
