"""
The last line against control characters: no row is written holding one.

The API refuses them in every field it reads (app/api/schemas/, app/api/hygiene.py), but
the command line, imports and seeding write too. Before each flush, every string column of
every new row, and every changed string column of a changed row, is checked by the rule of
app/domain/text.py: `Text` columns (reasons, sources, descriptions) may hold line feeds and
tabs; bounded `String` columns (ids, names, handles, emails, actors) hold none. A value
that breaks it raises `InvalidChange` naming the column (422 in the API, exit 2 on the
command line), so the write rolls back, on SQLite as on PostgreSQL (whose text cannot hold
NUL at all: that was a 500).

Only changed columns of changed rows are checked, so a row stored before this check can
still be suspended, closed or revoked. Derived tables (restricted periods, published feed
events), rebuilt from checked rows on every write, are not checked: a value stored before
this check must not block every write.
"""

from typing import Any

from sqlalchemy import String, Text, TypeDecorator, event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app.domain.text import control_character, describe_control_character
from app.store.errors import InvalidChange

__all__ = ["refuse_control_characters"]

_DERIVED = frozenset({"restricted_period", "feed_event"})


def _string_type(column_type: Any) -> Any:
    """The column's SQL string type (through a TypeDecorator such as SQLModel's AutoString), or None."""
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return column_type if isinstance(column_type, String) else None


def refuse_control_characters(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    """
    A `before_flush` listener: refuse a new or changed string value holding a control character.

    Raises:
        InvalidChange: naming the column and the character.
    """
    rows = [(row, True) for row in session.new] + [(row, False) for row in session.dirty]
    for row, is_new in rows:
        table = getattr(row, "__table__", None)
        if table is None or table.name in _DERIVED:
            continue
        state = inspect(row)
        for column in table.columns:
            string = _string_type(column.type)
            if string is None:
                continue
            if is_new:
                values = [getattr(row, column.key, None)]
            else:
                values = list(state.attrs[column.key].history.added or ())
            multi_line = isinstance(string, Text)
            for value in values:
                found = control_character(value, multi_line=multi_line) if value else None
                if found is not None:
                    problem = describe_control_character(found, multi_line=multi_line)
                    raise InvalidChange(field=column.key, problem=problem)


event.listen(Session, "before_flush", refuse_control_characters)
