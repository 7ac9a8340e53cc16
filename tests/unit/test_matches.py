"""new_match: the fast constructor of Match gives the same value as Match(...)."""

import dataclasses

import pytest

from app.domain.matches import Match, MatchKind, new_match


@pytest.mark.parametrize("kind", list(MatchKind))
def test_new_match_equals_the_dataclass_built_the_usual_way(kind: MatchKind) -> None:
    """Same fields, equality, hash and repr as Match(...), for every kind."""
    fields = (kind, 3, 13, "Jane Smith", "Jane Smith", "cand-1", ("local.x.2027-05-06",))

    made = new_match(*fields)

    assert made == Match(*fields)
    assert hash(made) == hash(Match(*fields))
    assert repr(made) == repr(Match(*fields))
    assert dataclasses.astuple(made) == fields


def test_new_match_is_still_frozen() -> None:
    """A Match made fast cannot be changed either."""
    made = new_match(MatchKind.PARTY, 0, 6, "Labour", "Labour Party", "PP53")

    with pytest.raises(dataclasses.FrozenInstanceError):
        made.start = 1  # type: ignore[misc]
    assert made.election_ids == ()
