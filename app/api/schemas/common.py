"""
What every body shares: times that must carry an offset, dates, free text, and the
refusal of control characters. Times go out in Europe/London with their offset.
"""

import datetime as dt
import functools
import re
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.domain import (
    LONDON,
)
from app.domain.clock import parse_instant
from app.domain.text import control_character, describe_control_character

NAIVE_MESSAGE = (
    "has no UTC offset: give an RFC 3339 date-time with an offset, "
    "such as 2025-04-01T09:00:00+01:00 or 2025-04-01T08:00:00Z"
)


# The pydantic error type of a naive date-time: app/api/problems.py answers it with
# /problems/naive-datetime.
NAIVE_DATETIME_ERROR = "naive_datetime"


def require_offset(value: dt.datetime) -> dt.datetime:
    """
    `value` if it has a UTC offset and a year in 1950-2199.

    Raises:
        PydanticCustomError: of type `NAIVE_DATETIME_ERROR`, `value` is naive.
        ValueError: the year is out of range.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            NAIVE_DATETIME_ERROR, "{value} " + NAIVE_MESSAGE, {"value": value.isoformat()}
        )
    # the local year first: converting 9999-12-31T23:00-14:00 to UTC would overflow; an
    # offset is under a day, so only a local year at either end can be another year in UTC
    year = value.year
    if not 1950 < year < 2199 and (
        not 1950 <= year <= 2199 or not 1950 <= value.astimezone(dt.UTC).year <= 2199
    ):
        msg = f"year {value.year} is outside 1950-2199"
        raise ValueError(msg)
    return value


def _instant_text(value: object) -> object:
    """
    Times come as RFC 3339 text (`parse_instant`, the one parser), never as numbers or digit
    strings (pydantic would read epochs).
    """
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        msg = "give an RFC 3339 date-time as text, such as 2025-04-01T09:00:00+01:00"
        raise ValueError(msg)
    return parse_instant(value)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        msg = f"{value!r} is not a date as YYYY-MM-DD"
        raise ValueError(msg)
    return value


def _modern_date(value: dt.date) -> dt.date:
    if not 1950 <= value.year <= 2199:
        msg = f"the year {value.year} is outside 1950-2199"
        raise ValueError(msg)
    return value


class _MultiLine:
    """Marks free text that may hold line feeds and tabs (see app/domain/text.py)."""


MULTI_LINE = _MultiLine()


def _refuse_control(value: Any, *, multi_line: bool, where: str = "") -> None:
    """Raise for the first string in `value` (nested lists and objects too) holding a control character."""
    if isinstance(value, str):
        found = control_character(value, multi_line=multi_line)
        if found is not None:
            msg = f"{where}{' ' if where else ''}{describe_control_character(found, multi_line=multi_line)}"
            raise ValueError(msg.strip())
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_control(item, multi_line=multi_line, where=f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_control(key, multi_line=False, where=f"{where} key")
            _refuse_control(item, multi_line=multi_line, where=f"{where}.{key}")


def _is_multi_line(annotation: Any) -> bool:
    if any(isinstance(m, _MultiLine) for m in getattr(annotation, "__metadata__", ())):
        return True
    return any(_is_multi_line(arg) for arg in get_args(annotation))


@functools.cache
def _multi_line_field(model: type[BaseModel], name: str) -> bool:
    """Whether a body's field is free text (`Text`, or `Text | None`)."""
    field = model.model_fields.get(name)
    return field is not None and (
        any(isinstance(m, _MultiLine) for m in field.metadata) or _is_multi_line(field.annotation)
    )


AwareDatetime = Annotated[
    dt.datetime, BeforeValidator(_instant_text), AfterValidator(require_offset)
]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text), AfterValidator(_modern_date)]
# Free text: the one kind of field that may hold line feeds and tabs.
Text = Annotated[str, Field(min_length=1, max_length=2000), MULTI_LINE]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


def london(value: dt.datetime | None) -> dt.datetime | None:
    """An instant shown in Europe/London."""
    return value.astimezone(LONDON) if value is not None else None


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _In(BaseModel):
    """
    A request body. No string in it, at any depth, holds a control character, except line
    feeds and tabs in free text (`Text`): app/domain/text.py. A field that breaks this is a
    422 naming it, before anything is read from or written to the database.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or isinstance(value, bool | int | float | dt.date):
            return value
        _refuse_control(value, multi_line=_multi_line_field(cls, info.field_name or ""))
        return value


class _HotIn(BaseModel):
    """
    A body of the hot path (the batch of up to 1,000 checks): validated by pydantic-core
    alone, without the Python check of `_In`, so each string field must refuse control
    characters by its own pattern (`_NO_CONTROL`). tests/unit/test_request_bodies.py holds every
    string field of every body to refusing them.
    """

    model_config = ConfigDict(extra="forbid")


# No control character (Cc) at all, as a pattern pydantic-core checks (app/domain/text.py).
_NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
# A post's text on the hot path: line feeds and tabs, and no other control character; and no
# bidirectional override, embedding or isolate (U+202A-U+202E, U+2066-U+2069), with which a
# post shows one thing ("Jane Smith") while its text holds another ("htimS enaJ").
_NO_CONTROL_BUT_LF_TAB = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"
# What a pattern-mismatch error says instead of the pattern: the first character refused.
PATTERN_REFUSALS: dict[str, tuple[re.Pattern[str], str]] = {
    _NO_CONTROL: (
        re.compile(r"[\x00-\x1f\x7f-\x9f]"),
        "control characters are not allowed in this field",
    ),
    _NO_CONTROL_BUT_LF_TAB: (
        re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"),
        "a post's text may hold line feeds and tabs, but no other control character and no "
        "bidirectional formatting character, which would make it read other than it is "
        "screened",
    ),
}
# A post's text: long enough for any platform's longest post (Facebook's is 63,206).
POST_TEXT_MAX = 65_536
