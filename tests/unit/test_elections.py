"""Election ids: Democracy Club ids and our parish ids, and the kind each implies."""

import datetime as dt

import pytest

from app.domain import ElectionKind, InvalidElectionId, UnsupportedElection, parse_election_id


@pytest.mark.parametrize(
    ("election_id", "kind"),
    [
        ("parl.2024-07-04", ElectionKind.PARL_GENERAL),
        ("parl.camborne-and-redruth.2024-07-04", ElectionKind.PARL_GENERAL),
        ("parl.camborne-and-redruth.by.2026-03-05", ElectionKind.PARL_BY),
        ("local.cornwall.2025-05-01", ElectionKind.PRINCIPAL),
        ("local.cornwall.redruth-north.by.2026-02-12", ElectionKind.PRINCIPAL),
        ("pcc.devon-and-cornwall.2024-05-02", ElectionKind.PCC),
        ("mayor.london.2024-05-02", ElectionKind.MAYOR),
        ("gla.a.2024-05-02", ElectionKind.GLA),
        ("sp.r.2021-05-06", ElectionKind.SP),
        ("senedd.2026-05-07", ElectionKind.SENEDD),
        ("naw.c.2016-05-05", ElectionKind.SENEDD),
        ("nia.2022-05-05", ElectionKind.NIA),
        ("ref.2016-06-23", ElectionKind.NATIONAL_REFERENDUM),
        ("ref.wiltshire.2025-02-27", ElectionKind.NEIGHBOURHOOD_REFERENDUM),
        ("parish.redruth.2029-05-03", ElectionKind.PARISH),
        ("parish.redruth.central.by.2026-06-11", ElectionKind.PARISH),
    ],
    ids=lambda value: str(value),
)
def test_kind_is_inferred_from_the_id(election_id: str, kind: ElectionKind) -> None:
    ref = parse_election_id(election_id)

    assert ref.kind is kind


def test_parish_id_carries_council_ward_and_by_election() -> None:
    ref = parse_election_id("parish.redruth.central.by.2026-06-11")

    assert (ref.organisation, ref.division, ref.is_by_election, ref.poll_date) == (
        "redruth",
        "central",
        True,
        dt.date(2026, 6, 11),
    )


def test_an_explicit_kind_wins_over_the_id() -> None:
    """A local referendum that is not a neighbourhood planning one can be named as such."""
    ref = parse_election_id("ref.cornwall.2026-06-04", kind=ElectionKind.NATIONAL_REFERENDUM)

    assert ref.kind is ElectionKind.NATIONAL_REFERENDUM


@pytest.mark.parametrize(
    ("election_id", "says"),
    [
        ("", "empty"),
        ("parl", "at least an election type and a date"),
        ("parl.2024-02-30", "not a calendar date"),
        ("parl.2024-7-04", "YYYY-MM-DD"),
        ("local.Cornwall.2025-05-01", "invalid characters"),
        ("council.cornwall.2025-05-01", "Allowed values for election_type"),
        ("parish.2025-05-01", "parish.<council>"),
        ("parish.red_ruth.2025-05-01", "not a slug"),
        ("parish.a.b.c.2025-05-01", "parish.<council>"),
        ("local.cornwall.2025-05-01/../../etc", "empty part"),
        ("ref..2025-06-05", "empty part"),
        ("parl.0001-01-05", "outside 1950-2199"),
        ("x" * 300, "longer than"),
    ],
    ids=[
        "empty",
        "no-date",
        "impossible-date",
        "unpadded-date",
        "capitals",
        "unknown-type",
        "parish-without-council",
        "parish-underscore",
        "parish-too-many-parts",
        "path-traversal",
        "empty-part",
        "year-1",
        "too-long",
    ],
)
def test_a_malformed_id_says_what_is_wrong_and_what_valid_looks_like(
    election_id: str, says: str
) -> None:
    with pytest.raises(InvalidElectionId) as caught:
        parse_election_id(election_id)

    message = str(caught.value)
    assert says in message
    assert "local.cornwall.2025-05-01" in message


def test_european_parliament_ids_are_well_formed_but_unsupported() -> None:
    with pytest.raises(UnsupportedElection, match="European Parliament"):
        parse_election_id("europarl.2019-05-23")
