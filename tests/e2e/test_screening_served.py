"""
Screening as a scheduling tool meets it, on SQLite and PostgreSQL: a party of the shipped
register, and a council whose policy scopes a by-election in one ward to that ward.

Reference election: parish.redruth.2025-05-01 (notice of election published 14 March 2025)
for the party; for the ward, a town council by-election in Redruth North on 11 February 2027
(example dates: notice published 5 January 2027, close of poll 22:00 on 11 February 2027).
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from tests.conftest import ROOT, Keys

from .conftest import Clock, auth, started

TOWN = "facebook-redruthtowncouncil"
URL = f"/v1/accounts/{TOWN}/can-publish"
JSON = {"content-type": "application/json"}


def _ask(client: TestClient, key: str, **body: object) -> dict[str, object]:
    response = client.post(URL, content=json.dumps(body), headers={**auth(key), **JSON})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_party_of_the_shipped_register_refers_a_post_inside_the_window(
    client: TestClient, seeded: Keys
) -> None:
    text = "Thank you to the Liberal Democrats for their donation to the food bank."
    answer = _ask(
        client, seeded.scheduler, at="2025-04-10T12:00:00+01:00",
        category="service-information", text=text,
    )  # fmt: skip
    assert answer["outcome"] == "refer"
    [party] = [r for r in answer["reasons"] if r["code"] == "PARTY_MENTIONED"]  # type: ignore[union-attr]
    [match] = party["matches"]
    assert (match["ref"], text[match["start"] : match["end"]]) == ("PP90", "Liberal Democrats")


def test_ordinary_words_are_not_parties(client: TestClient, seeded: Keys) -> None:
    text = "Labour costs for the green spaces reform came in under budget."
    answer = _ask(
        client, seeded.scheduler, at="2025-04-10T12:00:00+01:00",
        category="service-information", text=text,
    )  # fmt: skip
    assert answer["outcome"] == "allow", answer["reasons"]


WARDS = """
screening:
  by_election_scope: ward
  wards:
    - id: north
      name: Redruth North
      places: [Plain-an-Gwarry, Treleigh]
    - id: south
      name: Redruth South
      places: [Trewirgie]
  source: "a test council that scopes ward by-elections to the ward"
"""


@pytest.fixture
def ward_scoped(
    engine: Engine,
    database_url: str,
    seeded: Keys,
    clock: Clock,
    tmp_path: Path,
    apps: dict[tuple[str, Engine], FastAPI],
) -> Iterator[TestClient]:
    """The app serving Redruth's policy with `by_election_scope: ward`."""
    folder = tmp_path / "policies"
    folder.mkdir()
    text = (ROOT / "policies" / "redruth.yaml").read_text(encoding="utf-8")
    start = text.index("screening:")
    end = text.index("\n\n", start)
    (folder / "redruth.yaml").write_text(text[:start] + WARDS.strip() + text[end:], "utf-8")
    settings = Settings(
        database_url=database_url, policy_dir=folder, calendar_dir=ROOT / "calendars"
    )
    with started(apps, settings, engine, clock) as client:
        yield client


def test_a_ward_by_election_refers_only_posts_about_the_ward(
    ward_scoped: TestClient, seeded: Keys
) -> None:
    client = ward_scoped
    recorded = client.post(
        "/v1/elections",
        json={
            "election_id": "parish.redruth.north.by.2027-02-11",
            "notice_published": "2027-01-05",
        },
        headers=auth(seeded.clerk),
    )
    assert recorded.status_code == 201, recorded.text
    at = "2027-01-20T10:00:00+00:00"
    about = _ask(
        client, seeded.scheduler, at=at, category="general",
        text="Gas works close the main road through Treleigh on Monday.",
    )  # fmt: skip
    elsewhere = _ask(
        client, seeded.scheduler, at=at, category="general",
        text="Gas works close Trewirgie Road on Monday.",
    )  # fmt: skip
    unread = client.get(
        URL, params={"at": at, "category": "general"}, headers=auth(seeded.scheduler)
    ).json()

    assert about["outcome"] == "deny"  # a general post inside the ward's period
    ward = [r for r in about["reasons"] if r["code"] == "BY_ELECTION_WARD_MENTIONED"]  # type: ignore[union-attr]
    assert ward[0]["matches"][0]["matched"] == "Treleigh"
    assert elsewhere["outcome"] == "allow"
    assert elsewhere["reasons"][0]["code"] == "BY_ELECTION_ELSEWHERE"  # type: ignore[index]
    assert unread["outcome"] == "deny"  # without the text, the whole council is restricted
