"""Election ids: Democracy Club ids and our parish ids, and the kind each implies."""

import datetime as dt

import pytest

from app.domain import (
    ContradictoryElection,
    ElectionKind,
    InvalidElectionId,
    KindRequired,
    UnsupportedElection,
    election_title,
    parse_election_id,
)


@pytest.mark.parametrize(
    ("election_id", "kind"),
    [
        ("parl.2024-07-04", ElectionKind.PARL_GENERAL),
        ("parl.camborne-and-redruth.2024-07-04", ElectionKind.PARL_GENERAL),
        ("parl.camborne-and-redruth.by.2026-03-05", ElectionKind.PARL_BY),
        ("local.cornwall.2025-05-01", ElectionKind.PRINCIPAL),
        ("local.cornwall.redruth-north.by.2026-02-12", ElectionKind.PRINCIPAL),
        ("pcc.devon-and-cornwall.2024-05-02", ElectionKind.PCC),
        ("mayor.london.2024-05-02", ElectionKind.GLA),
        ("mayor.west-midlands.2024-05-02", ElectionKind.MAYOR),
        ("gla.a.2024-05-02", ElectionKind.GLA),
        ("sp.r.2021-05-06", ElectionKind.SP),
        ("senedd.2026-05-07", ElectionKind.SENEDD),
        ("naw.c.2016-05-05", ElectionKind.SENEDD),
        ("nia.2022-05-05", ElectionKind.NIA),
        ("ref.2016-06-23", ElectionKind.NATIONAL_REFERENDUM),
        ("ref.wales.2011-03-03", ElectionKind.NATIONAL_REFERENDUM),
        ("ref.north-east.2004-11-04", ElectionKind.NATIONAL_REFERENDUM),
        ("ref.scotland.2014-09-18", ElectionKind.NATIONAL_REFERENDUM),
        ("ref.london.2026-06-04", ElectionKind.NATIONAL_REFERENDUM),
        ("parish.redruth.2029-05-03", ElectionKind.PARISH),
        ("parish.redruth.central.by.2026-06-11", ElectionKind.PARISH),
    ],
    ids=str,
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


def test_a_local_referendum_takes_the_kind_it_is_given() -> None:
    """A local referendum's id does not say its kind: the explicit kind refines it."""
    ref = parse_election_id("ref.wiltshire.2025-02-27", kind=ElectionKind.NEIGHBOURHOOD_REFERENDUM)

    assert ref.kind is ElectionKind.NEIGHBOURHOOD_REFERENDUM


def test_a_local_referendum_without_a_kind_is_refused_not_guessed() -> None:
    """
    `ref.bristol.2022-05-05` was a governance referendum, not a neighbourhood planning one:
    an organisation slug says nothing about the kind, so none is guessed.
    """
    with pytest.raises(KindRequired) as caught:
        parse_election_id("ref.bristol.2022-05-05")

    message = str(caught.value)
    assert "neighbourhood-referendum" in message
    assert "council tax" in message
    assert "governance" in message


@pytest.mark.parametrize(
    ("election_id", "kind"),
    [
        ("local.cornwall.2025-05-01", ElectionKind.SP),
        ("local.cornwall.2025-05-01", ElectionKind.PARISH),
        ("pcc.devon-and-cornwall.2024-05-02", ElectionKind.MAYOR),
        ("sp.2026-05-07", ElectionKind.SENEDD),
        ("parl.2024-07-04", ElectionKind.PARL_BY),
        ("parl.x.by.2026-03-05", ElectionKind.PARL_GENERAL),
        ("gla.a.2024-05-02", ElectionKind.MAYOR),
        ("ref.wales.2011-03-03", ElectionKind.NEIGHBOURHOOD_REFERENDUM),
        ("ref.north-east.2004-11-04", ElectionKind.NEIGHBOURHOOD_REFERENDUM),
        ("ref.2016-06-23", ElectionKind.NEIGHBOURHOOD_REFERENDUM),
        ("ref.cornwall.2026-06-04", ElectionKind.NATIONAL_REFERENDUM),
        ("ref.cornwall.2026-06-04", ElectionKind.PRINCIPAL),
    ],
    ids=[
        "local-as-scottish-parliament",
        "local-as-parish",
        "pcc-as-mayor",
        "sp-as-senedd",
        "general-as-by-election",
        "by-election-as-general",
        "assembly-as-mayor",
        "welsh-referendum-as-neighbourhood",
        "regional-referendum-as-neighbourhood",
        "uk-referendum-as-neighbourhood",
        "council-referendum-as-ppera",
        "council-referendum-as-principal",
    ],
)
def test_a_kind_that_contradicts_the_id_is_refused(election_id: str, kind: ElectionKind) -> None:
    with pytest.raises(ContradictoryElection, match="contradictory kind"):
        parse_election_id(election_id, kind=kind)


@pytest.mark.parametrize(
    ("election_id", "kind", "expected"),
    [
        ("local.cornwall.2025-05-01", ElectionKind.PRINCIPAL, ElectionKind.PRINCIPAL),
        ("mayor.london.2024-05-02", ElectionKind.MAYOR, ElectionKind.GLA),
        ("parl.camborne-and-redruth.2026-03-05", ElectionKind.PARL_BY, ElectionKind.PARL_BY),
        (
            "ref.wales.2011-03-03",
            ElectionKind.NATIONAL_REFERENDUM,
            ElectionKind.NATIONAL_REFERENDUM,
        ),
    ],
    ids=["same-kind", "london-mayor-is-gla", "constituency-ballot-as-by-election", "ppera-area"],
)
def test_a_kind_that_agrees_with_or_refines_the_id_is_accepted(
    election_id: str, kind: ElectionKind, expected: ElectionKind
) -> None:
    ref = parse_election_id(election_id, kind=kind)

    assert ref.kind is expected


@pytest.mark.parametrize(
    "kind",
    [
        ElectionKind.BUSINESS_NEIGHBOURHOOD_REFERENDUM,
        ElectionKind.COUNCIL_TAX_REFERENDUM,
        ElectionKind.GOVERNANCE_REFERENDUM,
    ],
    ids=["business-neighbourhood", "council-tax", "governance"],
)
def test_a_referendum_kind_with_rules_of_its_own_is_refused_by_name(kind: ElectionKind) -> None:
    with pytest.raises(UnsupportedElection, match="manual window") as caught:
        parse_election_id("ref.cornwall.2026-06-04", kind=kind)

    assert kind.replace("-", " ").removesuffix(" referendum") in str(caught.value)


@pytest.mark.parametrize(
    "election_id",
    ["pcc.police-scotland.2024-05-02", "pcc.psni.2024-05-02"],
    ids=["scotland", "northern-ireland"],
)
def test_a_pcc_outside_england_and_wales_is_unsupported(election_id: str) -> None:
    """Police Reform and Social Responsibility Act 2011: commissioners in England and Wales only."""
    with pytest.raises(UnsupportedElection, match="no police and crime commissioners"):
        parse_election_id(election_id)


def test_a_referendum_in_one_part_of_the_uk_is_titled_by_its_area() -> None:
    assert election_title(parse_election_id("ref.north-east.2004-11-04")) == (
        "referendum in North East"
    )


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
