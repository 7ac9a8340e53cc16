"""
Every string field of every request body refuses control characters (issue 13, item 7).

Collected from the models themselves, so a field added later is held to the rule too.
"""

import typing
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from app.api import schemas


def _bodies() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [schemas._In, schemas._HotIn]
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return [m for m in found if m.model_fields]


def _text_value(annotation: Any) -> object | None:
    """A value holding a NUL for a field of text, or None for a field that is not text."""
    if annotation is str:
        return "a\u0000b"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _text_value(args[0])
    if origin is list and args:
        inner = _text_value(args[0])
        return [inner] if inner is not None else None
    if origin is dict:
        return {"name": "a\u0000b"}
    if args:  # X | None
        return next((v for v in map(_text_value, args) if v is not None), None)
    return None


TEXT_FIELDS = [
    (model, name, value)
    for model in _bodies()
    for name, field in model.model_fields.items()
    if (value := _text_value(field.annotation)) is not None
]


def test_the_bodies_have_text_fields_to_check() -> None:
    assert len(TEXT_FIELDS) > 20


@pytest.mark.parametrize(
    ("model", "name", "value"),
    TEXT_FIELDS,
    ids=[f"{model.__name__}.{name}" for model, name, _ in TEXT_FIELDS],
)
def test_a_nul_in_any_text_field_is_refused_naming_it(
    model: type[BaseModel], name: str, value: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate({name: value})

    mine = [e for e in refused.value.errors() if e["loc"][:1] == (name,)]
    assert mine, refused.value.errors()
    assert {e["type"] for e in mine} <= {"value_error", "string_pattern_mismatch"}


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (schemas.ReasonIn, {"reason": "one\ntwo\tthree"}, None),
        (schemas.ReasonIn, {"reason": "one\r\ntwo"}, "reason"),
        (schemas.FeedTokenIn, {"name": "one\ntwo"}, "name"),
        (schemas.DiesNonIn, {"date": "2029-04-16", "name": "one\ttwo"}, "name"),
    ],
    ids=["reason-line-feed-and-tab", "reason-carriage-return", "name-line-feed", "name-tab"],
)
def test_only_free_text_may_hold_line_feeds_and_tabs(
    model: type[BaseModel], body: dict[str, object], field: str | None
) -> None:
    errors: list[Any] = []
    try:
        model.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors()

    assert [e["loc"][0] for e in errors] == ([field] if field else [])
