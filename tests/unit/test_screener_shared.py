"""
Snapshots built from the same names share one Screener (issue 18: building the party
register's for each of 10,000 councils was two thirds of a worker's start); any difference in
candidates, wards or the policy's own parties gets a screener of its own, which finds them.
"""

import dataclasses

from app.domain import build_snapshot
from app.domain.candidates import Candidate, Party
from app.domain.screening import Screener

from .conftest import make_policy

REGISTER = (
    Party("PP53", "Labour Party", short_names=("Labour",)),
    Party("PP52", "Conservative Party"),
)
POST = "Jane Trevithick and the Labour Party opened the Mebyon Kernow stall."


def _snapshot(organisation: str, candidates=(), parties=REGISTER, **policy):  # type: ignore[no-untyped-def]
    chosen = make_policy(organisation_id=organisation, **policy)
    return build_snapshot(
        chosen, accounts=chosen.accounts, periods=(), candidates=candidates, parties=parties
    )


def test_councils_built_from_the_same_names_share_a_screener_that_finds_the_same() -> None:
    one, other = _snapshot("one"), _snapshot("other")

    assert one.screener is other.screener
    fresh = Screener((), REGISTER)
    assert one.screener.scan(POST) == fresh.scan(POST)
    assert [m.name for m in fresh.scan(POST)] == ["Labour Party"]


def test_different_names_get_their_own_screener() -> None:
    jane = Candidate("cand-jane", "parish.redruth.2025-05-01", "Jane Trevithick")
    kernow = Party(None, "Mebyon Kernow")
    plain = _snapshot("plain")
    standing = _snapshot("standing", candidates=[jane])
    with_party = build_snapshot(
        dataclasses.replace(make_policy(organisation_id="kernow"), parties=(kernow,)),
        accounts=(),
        periods=(),
        parties=REGISTER,
    )
    listed = _snapshot("listed", parties=list(REGISTER))  # not a tuple: never shared

    assert len({id(s.screener) for s in (plain, standing, with_party, listed)}) == 4
    assert "Jane Trevithick" in [m.name for m in standing.screener.scan(POST)]
    assert "Jane Trevithick" not in [m.name for m in plain.screener.scan(POST)]
    assert "Mebyon Kernow" in [m.name for m in with_party.screener.scan(POST)]
    assert "Mebyon Kernow" not in [m.name for m in plain.screener.scan(POST)]
