"""
Who is standing: the Clerk enters candidates, withdraws them, links them to the accounts they
hold, and imports Democracy Club's candidate CSV (with a dry run), on SQLite and PostgreSQL.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.store.candidates import candidates_of
from tests.conftest import ROOT, Keys

from .conftest import Clock, add_penryn, auth, two_council_app

DATA = ROOT / "tests" / "data" / "candidates"
GOOD_CSV = (DATA / "dc-candidates-cornwall-2029.csv").read_bytes()
OLD_CSV = (DATA / "dc-candidates-old-columns.csv").read_bytes()
CSV = {"Content-Type": "text/csv"}
IMPORT = "/v1/candidates/import"
# Reference election: parish.redruth.2029-05-03 (Redruth Town Council's ordinary elections)
PARISH = "parish.redruth.2029-05-03"
# Reference election: local.cornwall.2029-05-03 (Cornwall Council, the divisions covering Redruth)
CORNWALL = "local.cornwall.2029-05-03"
NORTH = "local.cornwall.redruth-north.2029-05-03"
MAYOR_PAGE = "facebook-mayorofredruth"
# the town's mascot's profiles, both named "Red Ruth"
RED_RUTH = "facebook-red-ruth"
RED_RUTH_LINKEDIN = "linkedin-red-ruth"


def _add(client: TestClient, keys: Keys, **body: Any) -> httpx.Response:
    return client.post(
        "/v1/candidates", json={"election_id": PARISH, **body}, headers=auth(keys.clerk)
    )


def _made(client: TestClient, keys: Keys, **body: Any) -> dict[str, Any]:
    response = _add(client, keys, **body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def _list(client: TestClient, keys: Keys, **params: str) -> list[dict[str, Any]]:
    response = client.get("/v1/candidates", params=params, headers=auth(keys.viewer))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def _actions(client: TestClient, keys: Keys) -> list[str]:
    events = client.get(
        "/v1/audit", params={"action": "candidate."}, headers=auth(keys.auditor)
    ).json()["events"]
    return [str(e["action"]) for e in events]


def _version(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT data_version FROM organisation WHERE id = 'redruth'")
            ).scalar_one()
        )


def _import(client: TestClient, keys: Keys, body: bytes, **params: str) -> httpx.Response:
    return client.post(IMPORT, content=body, params=params, headers={**CSV, **auth(keys.clerk)})


# --- entering, listing, getting ---


def test_the_clerk_enters_a_candidate_and_gets_its_location(
    client: TestClient, seeded: Keys
) -> None:
    response = _add(
        client,
        seeded,
        name="  Jane   Trevithick ",
        party="Independent",
        ward="central",
        aliases=["Janey Trevithick"],
        handles=["janetrevithick", "@jane@mastodon.social"],
    )

    body = response.json()
    assert response.status_code == 201
    assert response.headers["Location"] == f"/v1/candidates/{body['candidate_id']}"
    assert (body["name"], body["party"], body["ward"], body["status"], body["source"]) == (
        "Jane Trevithick",
        "Independent",
        "central",
        "standing",
        "manual",
    )
    assert body["handles"] == ["@janetrevithick", "@jane@mastodon.social"]
    assert body["aliases"] == ["Janey Trevithick"]
    assert body["account_ids"] == []


def test_a_candidate_is_got_by_its_id_by_a_viewer(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Jane Trevithick")

    response = client.get(f"/v1/candidates/{made['candidate_id']}", headers=auth(seeded.viewer))

    assert response.status_code == 200
    assert response.json() == made


def test_an_unknown_candidate_is_a_404_problem(client: TestClient, seeded: Keys) -> None:
    response = client.get("/v1/candidates/cand-0000000000", headers=auth(seeded.clerk))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_candidates_are_listed_by_election_and_by_ballot(client: TestClient, seeded: Keys) -> None:
    _made(client, seeded, name="Jane Trevithick")
    _made(client, seeded, name="Tamsin Pascoe", election_id=NORTH)

    everyone = _list(client, seeded)
    parish = _list(client, seeded, election_id=PARISH)
    cornwall = _list(client, seeded, election_id=CORNWALL)

    assert [c["name"] for c in everyone] == ["Jane Trevithick", "Tamsin Pascoe"]
    assert [c["name"] for c in parish] == ["Jane Trevithick"]
    assert [c["name"] for c in cornwall] == ["Tamsin Pascoe"]


def test_a_ballot_of_a_recorded_election_is_accepted(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Tamsin Pascoe", election_id=NORTH)

    assert made["election_id"] == NORTH


@pytest.mark.parametrize(
    "election_id",
    ["parish.redruth.2033-05-05", "local.devon.2029-05-03", "parish.penryn.2029-05-03"],
    ids=["a-later-poll", "another-council", "another-parish"],
)
def test_an_election_the_council_has_not_recorded_is_refused_naming_it(
    client: TestClient, seeded: Keys, election_id: str
) -> None:
    response = _add(client, seeded, name="Jane Trevithick", election_id=election_id)

    assert response.status_code == 422
    assert election_id in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "election_id"


def test_a_malformed_election_id_is_refused(client: TestClient, seeded: Keys) -> None:
    response = _add(client, seeded, name="Jane Trevithick", election_id="redruth 2029")

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-election-id"


@pytest.mark.parametrize(
    "again",
    ["JANE TREVITHICK", "Cllr Jane Trevithick", "Jané Trevithick"],
    ids=["case", "title", "accent"],
)
def test_the_same_person_twice_in_one_election_is_a_409(
    client: TestClient, seeded: Keys, again: str
) -> None:
    first = _made(client, seeded, name="Jane Trevithick")

    response = _add(client, seeded, name=again)

    assert response.status_code == 409
    assert first["candidate_id"] in response.json()["detail"]
    assert len(_list(client, seeded)) == 1


def test_a_person_entered_for_a_ballot_and_for_its_election_is_a_409(
    client: TestClient, seeded: Keys
) -> None:
    _made(client, seeded, name="Tamsin Pascoe", election_id=NORTH)

    response = _add(client, seeded, name="Tamsin Pascoe", election_id=CORNWALL)

    assert response.status_code == 409


def test_an_alias_that_is_another_candidates_name_is_a_409(
    client: TestClient, seeded: Keys
) -> None:
    _made(client, seeded, name="Robert Angove")

    response = _add(client, seeded, name="Bob Angove", aliases=["Robert Angove"])

    assert response.status_code == 409


def test_the_same_name_in_two_elections_is_two_candidates(client: TestClient, seeded: Keys) -> None:
    _made(client, seeded, name="Tamsin Pascoe")

    response = _add(client, seeded, name="Tamsin Pascoe", election_id=NORTH)

    assert response.status_code == 201
    assert len(_list(client, seeded)) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "J"}, "name"),
        ({"name": "J" * 201}, "name"),
        ({"name": "Jane\x07Trevithick"}, "name"),
        ({"name": "Jane\nTrevithick"}, "name"),
        ({"name": "Jane Trevithick", "handles": ["@jane trevithick"]}, "handles.0"),
        ({"name": "Jane Trevithick", "handles": ["@"]}, "handles.0"),
        ({"name": "Jane Trevithick", "handles": ["@" + "j" * 101]}, "handles.0"),
        ({"name": "Jane Trevithick", "aliases": [f"Jane {i:02}" for i in range(21)]}, "aliases"),
        ({"name": "Jane Trevithick", "handles": [f"@jane{i}" for i in range(21)]}, "handles"),
        ({"name": "Jane Trevithick", "party": "Indep\x00endent"}, "party"),
        ({"name": "Jane Trevithick", "aliases": ["Jan\x1be"]}, "aliases"),
        ({"name": "Jane Trevithick", "colour": "red"}, "colour"),
    ],
    ids=[
        "name-too-short",
        "name-too-long",
        "bel-in-name",
        "line-feed-in-name",
        "space-in-handle",
        "empty-handle",
        "handle-too-long",
        "21-aliases",
        "21-handles",
        "nul-in-party",
        "escape-in-alias",
        "unknown-field",
    ],
)
def test_a_candidate_that_breaks_the_rules_is_refused_naming_the_field(
    client: TestClient, seeded: Keys, engine: Engine, body: dict[str, Any], field: str
) -> None:
    before = _version(engine)

    response = _add(client, seeded, **body)

    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert _version(engine) == before


def test_a_name_of_spaces_and_punctuation_only_is_refused(client: TestClient, seeded: Keys) -> None:
    response = _add(client, seeded, name="  .. ")

    assert response.status_code == 422


# --- withdrawing ---


def test_a_withdrawn_candidate_stays_listed_as_withdrawn(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Jane Trevithick")

    response = client.post(
        f"/v1/candidates/{made['candidate_id']}/withdraw",
        json={"reason": "Nomination withdrawn by notice to the returning officer"},
        headers=auth(seeded.clerk),
    )

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "withdrawn"
    assert body["withdraw_reason"] == "Nomination withdrawn by notice to the returning officer"
    assert body["withdrawn_at"] is not None
    assert [c["status"] for c in _list(client, seeded)] == ["withdrawn"]
    assert _list(client, seeded, status="standing") == []
    assert [c["candidate_id"] for c in _list(client, seeded, status="withdrawn")] == [
        made["candidate_id"]
    ]


def test_withdrawing_twice_is_a_409(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Jane Trevithick")
    path = f"/v1/candidates/{made['candidate_id']}/withdraw"
    client.post(path, json={"reason": "withdrawn"}, headers=auth(seeded.clerk))

    response = client.post(path, json={"reason": "again"}, headers=auth(seeded.clerk))

    assert response.status_code == 409


def test_a_withdrawal_needs_a_reason(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Jane Trevithick")

    response = client.post(
        f"/v1/candidates/{made['candidate_id']}/withdraw",
        json={"reason": "   "},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 422
    assert _list(client, seeded)[0]["status"] == "standing"


def test_a_withdrawn_person_may_be_entered_again(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Jane Trevithick")
    client.post(
        f"/v1/candidates/{made['candidate_id']}/withdraw",
        json={"reason": "entered in error"},
        headers=auth(seeded.clerk),
    )

    response = _add(client, seeded, name="Jane Trevithick")

    assert response.status_code == 201


def test_an_unknown_status_filter_is_refused(client: TestClient, seeded: Keys) -> None:
    response = client.get(
        "/v1/candidates", params={"status": "elected"}, headers=auth(seeded.clerk)
    )

    assert response.status_code == 422


# --- linking to accounts, and suggestions ---


def _link(client: TestClient, keys: Keys, candidate_id: str, account_id: str) -> httpx.Response:
    return client.post(
        f"/v1/candidates/{candidate_id}/accounts",
        json={"account_id": account_id},
        headers=auth(keys.clerk),
    )


def test_the_clerk_links_a_candidate_to_an_account_and_unlinks_it(
    client: TestClient, seeded: Keys
) -> None:
    made = _made(client, seeded, name="Jane Trevithick")
    candidate_id = made["candidate_id"]

    linked = _link(client, seeded, candidate_id, MAYOR_PAGE)
    unlinked = client.delete(
        f"/v1/candidates/{candidate_id}/accounts/{MAYOR_PAGE}", headers=auth(seeded.clerk)
    )

    assert linked.status_code == 200
    assert linked.json()["account_ids"] == [MAYOR_PAGE]
    assert unlinked.status_code == 200
    assert unlinked.json()["account_ids"] == []


def test_linking_an_account_linked_already_changes_nothing(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    made = _made(client, seeded, name="Jane Trevithick")
    _link(client, seeded, made["candidate_id"], MAYOR_PAGE)
    before = _version(engine)

    again = _link(client, seeded, made["candidate_id"], MAYOR_PAGE)

    assert again.status_code == 200
    assert again.json()["account_ids"] == [MAYOR_PAGE]
    assert _version(engine) == before


def test_linking_an_unknown_account_is_a_404(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Jane Trevithick")

    response = _link(client, seeded, made["candidate_id"], "facebook-nobody")

    assert response.status_code == 404
    assert "facebook-nobody" in response.json()["detail"]


def test_unlinking_an_account_not_linked_is_a_404(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Jane Trevithick")

    response = client.delete(
        f"/v1/candidates/{made['candidate_id']}/accounts/{MAYOR_PAGE}", headers=auth(seeded.clerk)
    )

    assert response.status_code == 404


def test_a_withdrawn_candidate_cannot_be_linked(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Jane Trevithick")
    client.post(
        f"/v1/candidates/{made['candidate_id']}/withdraw",
        json={"reason": "withdrawn"},
        headers=auth(seeded.clerk),
    )

    response = _link(client, seeded, made["candidate_id"], MAYOR_PAGE)

    assert response.status_code == 409


def test_an_account_whose_name_matches_is_suggested_but_not_linked(
    client: TestClient, seeded: Keys
) -> None:
    """The profiles named "Red Ruth" share the surname and first name of "Ruth Red"."""
    made = _made(client, seeded, name="Ruth Red")

    got = client.get(f"/v1/candidates/{made['candidate_id']}", headers=auth(seeded.clerk)).json()

    assert made["suggested_account_ids"] == [RED_RUTH, RED_RUTH_LINKEDIN]
    assert got["suggested_account_ids"] == [RED_RUTH, RED_RUTH_LINKEDIN]
    assert got["account_ids"] == []


def test_a_linked_account_is_no_longer_suggested(client: TestClient, seeded: Keys) -> None:
    made = _made(client, seeded, name="Ruth Red")

    linked = _link(client, seeded, made["candidate_id"], RED_RUTH).json()

    assert linked["account_ids"] == [RED_RUTH]
    assert linked["suggested_account_ids"] == [RED_RUTH_LINKEDIN]


def test_a_name_that_shares_only_the_surname_is_not_suggested(
    client: TestClient, seeded: Keys
) -> None:
    made = _made(client, seeded, name="Kitto Red")

    assert made["suggested_account_ids"] == []


# --- the snapshot's input ---


def test_the_snapshot_reads_standing_candidates_with_their_accounts(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    standing = _made(client, seeded, name="Jane Trevithick", handles=["@janetrevithick"])
    gone = _made(client, seeded, name="Tamsin Pascoe")
    _link(client, seeded, standing["candidate_id"], MAYOR_PAGE)
    client.post(
        f"/v1/candidates/{gone['candidate_id']}/withdraw",
        json={"reason": "withdrawn"},
        headers=auth(seeded.clerk),
    )

    with Session(engine) as session:
        found = candidates_of(session, "redruth")

    assert [(c.candidate_id, c.name, c.account_ids, c.handles) for c in found] == [
        (standing["candidate_id"], "Jane Trevithick", (MAYOR_PAGE,), ("@janetrevithick",))
    ]


# --- the audit log and the data version ---


def test_every_change_is_audited_and_bumps_the_data_version(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    start = _version(engine)
    made = _made(client, seeded, name="Jane Trevithick")
    candidate_id = made["candidate_id"]
    _link(client, seeded, candidate_id, MAYOR_PAGE)
    client.delete(
        f"/v1/candidates/{candidate_id}/accounts/{MAYOR_PAGE}", headers=auth(seeded.clerk)
    )
    client.post(
        f"/v1/candidates/{candidate_id}/withdraw",
        json={"reason": "withdrawn"},
        headers=auth(seeded.clerk),
    )
    _import(client, seeded, GOOD_CSV)

    actions = _actions(client, seeded)

    assert sorted(actions) == sorted(
        [
            "candidate.add",
            "candidate.link",
            "candidate.unlink",
            "candidate.withdraw",
            "candidate.import",
        ]
    )
    assert _version(engine) == start + 5


def test_the_audit_event_of_a_withdrawal_keeps_its_reason_and_both_states(
    client: TestClient, seeded: Keys
) -> None:
    made = _made(client, seeded, name="Jane Trevithick")
    client.post(
        f"/v1/candidates/{made['candidate_id']}/withdraw",
        json={"reason": "nomination withdrawn"},
        headers=auth(seeded.clerk),
    )

    events = client.get(
        "/v1/audit", params={"action": "candidate.withdraw"}, headers=auth(seeded.auditor)
    ).json()["events"]

    assert len(events) == 1
    assert events[0]["target"] == made["candidate_id"]
    assert events[0]["reason"] == "nomination withdrawn"
    assert (events[0]["before"]["status"], events[0]["after"]["status"]) == (
        "standing",
        "withdrawn",
    )


# --- roles ---


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
def test_only_the_clerk_enters_candidates(client: TestClient, seeded: Keys, role: str) -> None:
    response = client.post(
        "/v1/candidates",
        json={"election_id": PARISH, "name": "Jane Trevithick"},
        headers=auth(seeded.of(role)),
    )

    assert response.status_code == 403
    assert _list(client, seeded) == []


@pytest.mark.parametrize("role", ["clerk", "scheduler", "viewer", "auditor"])
def test_every_staff_role_reads_candidates(client: TestClient, seeded: Keys, role: str) -> None:
    made = _made(client, seeded, name="Jane Trevithick")

    listed = client.get("/v1/candidates", headers=auth(seeded.of(role)))
    one = client.get(f"/v1/candidates/{made['candidate_id']}", headers=auth(seeded.of(role)))

    assert (listed.status_code, one.status_code) == (200, 200)
    assert [c["candidate_id"] for c in listed.json()] == [made["candidate_id"]]


@pytest.mark.parametrize("role", ["scheduler", "viewer", "auditor"])
def test_only_the_clerk_imports_candidates(client: TestClient, seeded: Keys, role: str) -> None:
    response = client.post(IMPORT, content=GOOD_CSV, headers={**CSV, **auth(seeded.of(role))})

    assert response.status_code == 403
    assert _list(client, seeded) == []


# --- the import ---


def test_the_import_adds_the_councils_candidates_and_skips_other_elections(
    client: TestClient, seeded: Keys
) -> None:
    response = _import(client, seeded, GOOD_CSV)

    report = response.json()
    assert response.status_code == 200, response.text
    assert report["dry_run"] is False
    assert [i["name"] for i in report["added"]] == [
        "Tamsin Pascoe",
        "Jory Trevithick",
        "Demelza Rowe",
        "Morwenna Hicks",
        "Kitto Angove",
        "Loveday Jenkin",
        "Peder Nance",
    ]
    assert [(i["where"], i["person_id"]) for i in report["skipped"]] == [("line 10", "52101")]
    assert "local.devon.2029-05-03" in report["skipped"][0]["reason"]


def test_an_imported_candidate_carries_democracy_clubs_ids_and_ward(
    client: TestClient, seeded: Keys
) -> None:
    _import(client, seeded, GOOD_CSV)

    tamsin = next(c for c in _list(client, seeded) if c["person_id"] == "70412")

    assert (tamsin["election_id"], tamsin["ward"], tamsin["party"], tamsin["party_id"]) == (
        NORTH,
        "redruth-north",
        "Labour Party",
        "PP53",
    )
    assert (tamsin["source"], tamsin["handles"]) == ("democracy-club", ["@tamsinpascoe"])


def test_importing_the_same_file_again_changes_nothing(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    _import(client, seeded, GOOD_CSV)
    listed = _list(client, seeded)
    version = _version(engine)

    again = _import(client, seeded, GOOD_CSV).json()

    assert (again["added"], again["updated"]) == ([], [])
    assert len(again["unchanged"]) == 7
    assert _list(client, seeded) == listed
    assert _version(engine) == version
    assert _actions(client, seeded) == ["candidate.import"]


def test_a_dry_run_reports_and_writes_nothing(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    version = _version(engine)

    response = _import(client, seeded, GOOD_CSV, dry_run="true")

    report = response.json()
    assert response.status_code == 200
    assert report["dry_run"] is True
    assert len(report["added"]) == 7
    assert len(report["skipped"]) == 1
    assert _list(client, seeded) == []
    assert _version(engine) == version
    assert _actions(client, seeded) == []


def test_a_dry_run_after_an_import_reports_a_changed_party_as_updated(
    client: TestClient, seeded: Keys
) -> None:
    _import(client, seeded, GOOD_CSV)
    changed = GOOD_CSV.replace(b"Reform UK,PP7931", b"Independent,ynmp-party:2")

    report = _import(client, seeded, changed, dry_run="true").json()

    assert [(i["person_id"], i["changes"]) for i in report["updated"]] == [
        (
            "70416",
            {"party_name": ["Reform UK", "Independent"], "party_id": ["PP7931", "ynmp-party:2"]},
        )
    ]
    assert len(report["unchanged"]) == 6
    kitto = next(c for c in _list(client, seeded) if c["person_id"] == "70416")
    assert kitto["party"] == "Reform UK"


def test_the_older_column_names_are_read_too(client: TestClient, seeded: Keys) -> None:
    report = _import(client, seeded, OLD_CSV).json()

    hedra = next(c for c in _list(client, seeded) if c["person_id"] == "70419")
    assert [i["person_id"] for i in report["added"]] == ["70412", "70419"]
    assert (hedra["party_id"], hedra["handles"]) == ("PP90", ["@hedra@mastodon.social"])


def test_the_import_gives_a_hand_entered_candidate_their_person_id(
    client: TestClient, seeded: Keys
) -> None:
    made = _made(client, seeded, name="Tamsin Pascoe", election_id=NORTH)

    report = _import(client, seeded, GOOD_CSV).json()

    tamsin = client.get(f"/v1/candidates/{made['candidate_id']}", headers=auth(seeded.clerk))
    assert [i["candidate_id"] for i in report["updated"]] == [made["candidate_id"]]
    assert tamsin.json()["person_id"] == "70412"
    assert len(_list(client, seeded)) == 7


def test_the_import_does_not_reinstate_a_withdrawn_candidate(
    client: TestClient, seeded: Keys
) -> None:
    _import(client, seeded, GOOD_CSV)
    tamsin = next(c for c in _list(client, seeded) if c["person_id"] == "70412")
    client.post(
        f"/v1/candidates/{tamsin['candidate_id']}/withdraw",
        json={"reason": "nomination withdrawn"},
        headers=auth(seeded.clerk),
    )

    report = _import(client, seeded, GOOD_CSV).json()

    assert report["added"] == []
    assert (
        "withdrawn" in next(i for i in report["unchanged"] if i["person_id"] == "70412")["reason"]
    )
    assert len(_list(client, seeded, status="standing")) == 6


HEADER = (
    b"person_id,person_name,election_id,ballot_paper_id,election_date,party_name,party_id,"
    b"post_label\n"
)
ROW = b"70412,Tamsin Pascoe,local.cornwall.2029-05-03,local.cornwall.redruth-north.2029-05-03,2029-05-03,Labour Party,PP53,Redruth North\n"


@pytest.mark.parametrize(
    ("bad_row", "says"),
    [
        (b",Jory Trevithick,local.cornwall.2029-05-03,,2029-05-03,,,\n", "person id"),
        (b"70413,,local.cornwall.2029-05-03,,2029-05-03,,,\n", "no name"),
        (b"70413,Jory Trevithick,,,2029-05-03,,,\n", "ballot_paper_id"),
        (b"jory,Jory Trevithick,local.cornwall.2029-05-03,,2029-05-03,,,\n", "person id"),
        (b"70413,Jory Trevithick,cornwall 2029,,2029-05-03,,,\n", "election_id"),
        (b"70413,Jory\x07Trevithick,local.cornwall.2029-05-03,,2029-05-03,,,\n", "U+0007"),
        (b"70413,Jory Trevithick,local.cornwall.2029-05-03,,2029-05-03,Lib\x1bDem,,\n", "U+001B"),
        (b"70413,J,local.cornwall.2029-05-03,,2029-05-03,,,\n", "name"),
    ],
    ids=[
        "no-person-id",
        "no-name",
        "no-election",
        "person-id-not-digits",
        "bad-election-id",
        "bel-in-name",
        "escape-in-party",
        "name-too-short",
    ],
)
def test_a_malformed_row_refuses_the_file_naming_its_line_and_writes_nothing(
    client: TestClient, seeded: Keys, engine: Engine, bad_row: bytes, says: str
) -> None:
    version = _version(engine)

    response = _import(client, seeded, HEADER + ROW + ROW.replace(b"70412", b"70499") + bad_row)

    problem = response.json()
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "line 4" in problem["detail"]
    assert says in problem["detail"]
    assert _list(client, seeded) == []
    assert _version(engine) == version
    assert _actions(client, seeded) == []


def test_a_malformed_row_refuses_the_dry_run_too(client: TestClient, seeded: Keys) -> None:
    response = _import(client, seeded, HEADER + b"x,Jory Trevithick,,,,,,\n", dry_run="true")

    assert response.status_code == 422
    assert "line 2" in response.json()["detail"]


def test_a_file_without_the_columns_is_refused(client: TestClient, seeded: Keys) -> None:
    response = _import(client, seeded, b"name,party\nJory Trevithick,Liberal Democrats\n")

    assert response.status_code == 422
    assert "line 1" in response.json()["detail"]


def test_a_file_that_is_not_utf8_is_refused(client: TestClient, seeded: Keys) -> None:
    response = _import(client, seeded, HEADER + "70413,Jöry Trevithick".encode("latin-1"))

    assert response.status_code == 422


def test_a_body_beyond_the_import_limit_is_a_413(client: TestClient, seeded: Keys) -> None:
    limit = client.app.state.services.settings.import_max_bytes  # type: ignore[attr-defined]
    body = HEADER + ROW * (limit // len(ROW) + 1)

    response = _import(client, seeded, body)

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert _list(client, seeded) == []


def test_a_json_body_is_a_415(client: TestClient, seeded: Keys) -> None:
    response = client.post(IMPORT, json={"file": "x"}, headers=auth(seeded.clerk))

    assert response.status_code == 415


def test_a_csv_file_may_be_uploaded_as_a_form(client: TestClient, seeded: Keys) -> None:
    response = client.post(
        IMPORT,
        files={"file": ("candidates-local.cornwall.2029-05-03.csv", GOOD_CSV, "text/csv")},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 200, response.text
    assert response.json()["source"] == "upload candidates-local.cornwall.2029-05-03.csv"
    assert len(response.json()["added"]) == 7


# --- another council ---


@dataclass
class TwoCouncils:
    client: TestClient
    penryn: str  # Penryn's first Clerk key


@pytest.fixture
def two_councils(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock, tmp_path: Path
) -> Iterator[TwoCouncils]:
    """Redruth (its Mayor's page held by Cllr J. Trevithick) and Penryn, on one app."""
    redruth = (ROOT / "policies" / "redruth.yaml").read_text(encoding="utf-8")
    holder = "    holder: The Mayor of Redruth\n"
    assert holder in redruth
    with two_council_app(
        engine, database_url, clock, tmp_path / "policies",
        redruth_policy=redruth.replace(holder, "    holder: Cllr J. Trevithick\n"),
        gc_freeze=False,
    ) as (client, operator):  # fmt: skip
        yield TwoCouncils(client, add_penryn(client, operator))


def test_the_policys_holder_of_an_account_is_suggested_by_initial(
    two_councils: TwoCouncils, seeded: Keys
) -> None:
    made = _made(two_councils.client, seeded, name="Jane Trevithick")

    assert made["suggested_account_ids"] == [MAYOR_PAGE]
    assert made["account_ids"] == []


def test_another_councils_key_gets_404_for_this_councils_candidate(
    two_councils: TwoCouncils, seeded: Keys
) -> None:
    client, penryn = two_councils.client, two_councils.penryn
    made = _made(client, seeded, name="Jane Trevithick")
    path = f"/v1/candidates/{made['candidate_id']}"

    got = client.get(path, headers=auth(penryn))
    withdrawn = client.post(f"{path}/withdraw", json={"reason": "r"}, headers=auth(penryn))
    linked = client.post(f"{path}/accounts", json={"account_id": MAYOR_PAGE}, headers=auth(penryn))
    listed = client.get("/v1/candidates", headers=auth(penryn))

    assert (got.status_code, withdrawn.status_code, linked.status_code) == (404, 404, 404)
    assert listed.json() == []
    assert _list(client, seeded)[0]["status"] == "standing"


def test_another_council_cannot_enter_a_candidate_in_this_councils_election(
    two_councils: TwoCouncils,
) -> None:
    response = two_councils.client.post(
        "/v1/candidates",
        json={"election_id": PARISH, "name": "Jane Trevithick"},
        headers=auth(two_councils.penryn),
    )

    assert response.status_code == 422
    assert PARISH in response.json()["detail"]


# --- what decisions make of it (the snapshot is rebuilt after each write) ---

# Reference election: parish.redruth.2025-05-01 (notice published 14 March 2025), as in
# test_can_publish_post.py: 10 April 2025 is inside its restricted period.
PARISH_2025 = "parish.redruth.2025-05-01"
INSIDE_2025 = "2025-04-10T12:00:00+01:00"


def _decide(client: TestClient, keys: Keys, account_id: str, text: str) -> dict[str, Any]:
    response = client.post(
        f"/v1/accounts/{account_id}/can-publish",
        json={"at": INSIDE_2025, "category": "service-information", "text": text},
        headers=auth(keys.scheduler),
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _codes(answer: dict[str, Any]) -> list[str]:
    return [str(r["code"]) for r in answer["reasons"]]


def test_a_linked_mayor_who_is_standing_has_every_post_referred_until_unlinked(
    client: TestClient, seeded: Keys
) -> None:
    made = _made(client, seeded, name="Jane Trevithick", election_id=PARISH_2025)
    post = "The Mayor's charity coffee morning raised £400 for the food bank."
    unlinked = _decide(client, seeded, MAYOR_PAGE, post)

    _link(client, seeded, made["candidate_id"], MAYOR_PAGE)
    linked = _decide(client, seeded, MAYOR_PAGE, post)
    client.delete(
        f"/v1/candidates/{made['candidate_id']}/accounts/{MAYOR_PAGE}", headers=auth(seeded.clerk)
    )
    again = _decide(client, seeded, MAYOR_PAGE, post)

    assert "ACCOUNT_HOLDER_STANDING" not in _codes(unlinked)
    assert linked["outcome"] == "refer"
    assert "ACCOUNT_HOLDER_STANDING" in _codes(linked)
    assert "ACCOUNT_HOLDER_STANDING" not in _codes(again)


def test_a_post_naming_a_candidate_is_referred_until_they_withdraw(
    client: TestClient, seeded: Keys
) -> None:
    made = _made(client, seeded, name="Tamsin Pascoe", election_id=PARISH_2025)
    post = "Thanks to Tamsin Pascoe for opening the new play park on Clinton Road."

    named = _decide(client, seeded, "facebook-redruthtowncouncil", post)
    client.post(
        f"/v1/candidates/{made['candidate_id']}/withdraw",
        json={"reason": "nomination withdrawn"},
        headers=auth(seeded.clerk),
    )
    withdrawn = _decide(client, seeded, "facebook-redruthtowncouncil", post)

    assert named["outcome"] == "refer"
    assert "CANDIDATE_MENTIONED" in _codes(named)
    assert "CANDIDATE_MENTIONED" not in _codes(withdrawn)
