"""If-Match as the API reads it (RFC 9110 13.1.1): strong tags, `*`, or none."""

import pytest

from app.api.conditional import etag, if_match_versions


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        (None, None),
        (" * ", None),
        ('"abc"', frozenset({"abc"})),
        ('"abc", "def"', frozenset({"abc", "def"})),
        ('W/"abc"', frozenset()),
        ("abc", frozenset()),
    ],
    ids=["absent", "any", "one", "several", "weak", "unquoted"],
)
def test_if_match_names_the_versions_it_accepts(
    header: str | None, versions: frozenset[str] | None
) -> None:
    assert if_match_versions(header) == versions


def test_an_etag_is_its_version_quoted() -> None:
    assert etag("abc") == '"abc"'
