"""Election ids, kinds and countries through the API: a contradiction is refused, never obeyed."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.store.tables import AuditEventRow, ElectionRow
from tests.conftest import Keys

from .conftest import auth


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.execute(select(func.count()).select_from(ElectionRow)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one(),
        )


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("local.cornwall.2025-05-01/timetable?kind=sp", "contradictory-election"),
        ("sp.2026-05-07/timetable?country=england", "contradictory-election"),
        ("ref.wales.2011-03-03/timetable?kind=neighbourhood-referendum", "contradictory-election"),
        ("pcc.police-scotland.2024-05-02/timetable", "unsupported-election"),
        ("ref.cornwall.2026-06-04/timetable", "kind-required"),
        ("ref.cornwall.2026-06-04/timetable?kind=council-tax-referendum", "unsupported-election"),
        ("parl.2010-05-06/timetable", "unsupported-election"),
        ("local.cornwall.2013-05-02/timetable", "unsupported-election"),
    ],
    ids=[
        "kind-contradicts-id",
        "country-contradicts-kind",
        "ppera-referendum-as-neighbourhood",
        "pcc-in-scotland",
        "local-referendum-without-kind",
        "council-tax-referendum",
        "general-election-before-2014",
        "local-poll-before-2014",
    ],
)
def test_a_contradictory_or_unsupported_timetable_query_is_a_422_problem(
    client: TestClient, seeded: Keys, path: str, problem: str
) -> None:
    response = client.get(f"/v1/elections/{path}", headers=auth(seeded.viewer))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/problems/{problem}"


def test_the_organisations_country_does_not_move_a_scottish_parliament_poll(
    client: TestClient, seeded: Keys
) -> None:
    """Reference election: sp.2021-05-06, nominations closed 4pm Wed 31 March 2021."""
    body = client.get("/v1/elections/sp.c.2021-05-06/timetable", headers=auth(seeded.viewer)).json()

    assert body["country"] == "scotland"
    assert body["close_of_nominations"] == "2021-03-31"


def test_the_mayor_of_london_is_timed_as_the_gla_election(client: TestClient, seeded: Keys) -> None:
    """Reference election: gla.2024-05-02 (London Elects: nominations by 4pm Wed 27 March 2024)."""
    body = client.get(
        "/v1/elections/mayor.london.2024-05-02/timetable", headers=auth(seeded.viewer)
    ).json()

    assert body["kind"] == "gla"
    assert body["close_of_nominations"] == "2024-03-27"
    assert body["sopn_publish_latest"] == "2024-04-02"


def test_a_poll_on_christmas_day_comes_with_a_warning(client: TestClient, seeded: Keys) -> None:
    body = client.get(
        "/v1/elections/local.cornwall.redruth-north.by.2026-12-25/timetable",
        headers=auth(seeded.viewer),
    ).json()

    assert any("Christmas Day" in note for note in body["notes"] if note.startswith("warning"))


def test_a_local_referendum_given_its_kind_is_judged_on_its_scope_not_refused_for_its_kind(
    client: TestClient, seeded: Keys
) -> None:
    """Redruth's scopes reach no council's local referendums: the kind passes, the scope decides."""
    response = client.post(
        "/v1/elections",
        json={"election_id": "ref.cornwall.2026-06-04", "kind": "neighbourhood-referendum"},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-change"
    assert "does not affect" in response.json()["detail"]


def test_a_referendum_in_another_part_of_the_uk_does_not_affect_an_english_council(
    client: TestClient, seeded: Keys
) -> None:
    """ref.wales.* is a PPERA referendum in Wales: Redruth's bare `ref.` scope does not reach it."""
    response = client.post(
        "/v1/elections", json={"election_id": "ref.wales.2031-03-06"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422
    assert "does not affect" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"election_id": "ref.cornwall.2026-06-04"}, "kind-required"),
        ({"election_id": "local.cornwall.2029-05-03", "kind": "sp"}, "contradictory-election"),
        (
            {"election_id": "ref.cornwall.2026-06-04", "kind": "governance-referendum"},
            "unsupported-election",
        ),
    ],
    ids=["local-referendum-without-kind", "kind-contradicts-id", "governance-referendum"],
)
def test_an_election_the_clerk_cannot_add_changes_nothing(
    client: TestClient, engine: Engine, seeded: Keys, body: dict[str, str], problem: str
) -> None:
    before = _counts(engine)

    response = client.post("/v1/elections", json=body, headers=auth(seeded.clerk))

    assert response.status_code == 422
    assert response.json()["type"] == f"/problems/{problem}"
    assert _counts(engine) == before
