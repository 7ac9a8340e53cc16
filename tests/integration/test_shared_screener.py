"""
Councils that screen posts for the party register alone share one Screener (issue 18: building
the register's automaton for each of 10,000 councils was two thirds of a worker's start); a
council with candidates, wards or parties of its own gets its own, which finds them.
"""

import dataclasses
import datetime as dt

from sqlalchemy import Engine
from sqlmodel import Session

from app.domain import UTC
from app.domain.candidates import Party
from app.domain.screening import Screener
from app.store import load_policy
from app.store.parties import shipped_parties
from app.store.snapshots import SnapshotCache, load_snapshots
from app.store.tables import OrganisationRow
from tests.conftest import ROOT

POST = "The Labour Party and Mebyon Kernow Cornish Independents ran the tombola."


def _organisation(organisation_id: str) -> OrganisationRow:
    return OrganisationRow(
        id=organisation_id,
        name=organisation_id,
        country="england",
        policy_file=f"{organisation_id}.yaml",
        created_at=dt.datetime(2026, 11, 29, tzinfo=UTC),
    )


def test_councils_without_names_of_their_own_share_the_registers_screener(engine: Engine) -> None:
    redruth = load_policy(ROOT / "policies" / "redruth.yaml")
    plain = dataclasses.replace(redruth, accounts=(), wards=(), parties=())
    local = dataclasses.replace(plain, parties=(Party(None, "Cornish Tombola Party"),))
    policies = {"one": plain, "two": plain, "three": local}
    with Session(engine) as session:
        built = load_snapshots(
            session, [_organisation(o) for o in policies], lambda row: policies[row.id]
        )

    assert built["one"].screener is built["two"].screener
    assert built["three"].screener is not built["one"].screener
    fresh = Screener((), shipped_parties())
    assert built["one"].screener.scan(POST) == fresh.scan(POST)
    assert "Labour Party" in [m.name for m in built["one"].screener.scan(POST)]
    tombola = "The Cornish Tombola Party ran the stall."
    assert "Cornish Tombola Party" in [m.name for m in built["three"].screener.scan(tombola)]
    assert "Cornish Tombola Party" not in [m.name for m in built["one"].screener.scan(tombola)]


def test_a_council_rebuilt_after_a_write_keeps_the_registers_screener(engine: Engine) -> None:
    """The cache holds the register's screener across builds: a rebuild does not make another."""
    redruth = load_policy(ROOT / "policies" / "redruth.yaml")
    plain = dataclasses.replace(redruth, accounts=(), wards=(), parties=())
    with Session(engine) as session:
        session.add_all([_organisation("one"), _organisation("two")])
        session.commit()
    cache = SnapshotCache(engine, lambda row: plain, max_age=3600)
    assert cache.refresh()
    first = cache.snapshot("one").screener
    version = cache.snapshot("one").data_version
    with Session(engine) as session:
        row = session.get(OrganisationRow, "one")
        assert row is not None
        row.data_version += 1
        session.add(row)
        session.commit()
    assert cache.refresh("one")
    rebuilt = cache.snapshot("one")

    assert rebuilt.data_version == version + 1
    assert rebuilt.screener is first is cache.snapshot("two").screener
