"""
Issue 15's routes attacked as a hostile user would (can-publish by POST, batch checks with a
text, approval requests, candidates and their import), on SQLite and PostgreSQL: another
council's key and objects, a second key of the same Clerk, control and invisible characters
in every string, bodies at and past their limits, repeated and unknown query parameters,
wrong content types, and approvals bent to allow a post they were not given for.

Each attack either holds (a 4xx problem, nothing written; or a refer/deny that says why) or
was fixed; /work/notes/hostile.md lists them. Times are inside the restricted period of the
3 May 2029 polls (Reference election: local.cornwall.2029-05-03; close of poll 22:00 on 3 May
2029).
"""

import json
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.domain.approvals import post_sha256
from app.services.keys import revoke_key
from app.store.keys import Role
from app.store.tables import ApprovalRequestRow, AuditEventRow, CandidateRow, OrganisationRow
from app.store.unit_of_work import Actor, UnitOfWork
from tests.conftest import SEEDED_AT, Keys

from .approval_requests import AT, POST, TOWN, act, ask, made, new_key
from .conftest import auth
from .test_request_decisions import (  # noqa: F401 - fixtures: Penryn's app, two Clerks' policy
    penryn,
    two_clerks,
)

CAN_PUBLISH = f"/v1/accounts/{TOWN}/can-publish"
# Reference election: parish.redruth.2029-05-03 (Redruth Town Council's ordinary elections)
PARISH = "parish.redruth.2029-05-03"
MAYOR_PAGE = "facebook-mayorofredruth"
# A candidate invented for these tests, standing in the parish elections.
NAME = "Jane Trevithick"
PROBLEM = "application/problem+json"


def _state(engine: Engine) -> tuple[int, int, int, int]:
    """Counts that any write of these routes changes: requests, candidates, audit events, data_version."""
    with Session(engine) as session:
        return (
            session.execute(select(func.count()).select_from(ApprovalRequestRow)).scalar_one(),
            session.execute(select(func.count()).select_from(CandidateRow)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one(),
            session.execute(
                select(OrganisationRow.data_version).where(OrganisationRow.id == "redruth")
            ).scalar_one(),
        )


def _check(client: TestClient, key: str, *, account_id: str = TOWN, **body: Any) -> dict[str, Any]:
    """can-publish by POST; the decision (200 expected)."""
    response = client.post(
        f"/v1/accounts/{account_id}/can-publish",
        json={"at": AT, "category": "event", **body},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    decided: dict[str, Any] = response.json()
    return decided


def _approved(client: TestClient, keys: Keys, **changes: Any) -> str:
    request_id = made(client, keys.scheduler, **changes)
    response = act(client, keys.clerk, request_id, "approve")
    assert response.status_code == 200, response.text
    return request_id


def _codes(decision: dict[str, Any]) -> list[str]:
    return [r["code"] for r in decision["reasons"]]


def _is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


# --- an approval allows exactly its post, for its council only ---


def test_an_approval_allows_its_post_and_nothing_near_it(client: TestClient, seeded: Keys) -> None:
    request_id = _approved(client, seeded)

    exact = _check(client, seeded.scheduler, text=POST, request_id=request_id)
    others = {
        "another account": _check(
            client, seeded.scheduler, account_id=MAYOR_PAGE, text=POST, request_id=request_id
        ),
        "another category": _check(
            client, seeded.scheduler, category="consultation", text=POST, request_id=request_id
        ),
        "after its span": _check(
            client,
            seeded.scheduler,
            at="2029-04-10T14:00:00+01:00",
            text=POST,
            request_id=request_id,
        ),
        "before its span": _check(
            client,
            seeded.scheduler,
            at="2029-04-10T09:59:59+01:00",
            text=POST,
            request_id=request_id,
        ),
        "no text": _check(client, seeded.scheduler, request_id=request_id),
        "a word changed": _check(
            client, seeded.scheduler, text=POST.replace("10am", "11am"), request_id=request_id
        ),
        "a zero-width space": _check(
            client,
            seeded.scheduler,
            text=POST.replace("Fore", "Fo\u200bre"),
            request_id=request_id,
        ),
        "a Cyrillic a": _check(
            client,
            seeded.scheduler,
            text=POST.replace("Saturday", "S\u0430turday"),
            request_id=request_id,
        ),
        "a different case": _check(
            client, seeded.scheduler, text=POST.replace("Fore", "FORE"), request_id=request_id
        ),
        "its id in another case": _check(
            client, seeded.scheduler, text=POST, request_id=request_id.upper()
        ),
    }

    assert exact["outcome"] == "allow"
    assert {why: d["outcome"] for why, d in others.items()} == dict.fromkeys(others, "refer")
    assert all("REQUEST_NOT_APPLICABLE" in _codes(d) for d in others.values())


def test_an_approved_text_matches_only_as_it_reads(client: TestClient, seeded: Keys) -> None:
    """
    What the comparison folds is what reads the same: NFC (a precomposed é and e + U+0301),
    and runs of white space (a line break or a no-break space for a space). Nothing that
    changes the words does.
    """
    request_id = _approved(client, seeded, text="Caf\u00e9 reopens on Fore Street")

    decomposed = _check(
        client, seeded.scheduler, text="Cafe\u0301 reopens on Fore Street", request_id=request_id
    )
    spaced = _check(
        client,
        seeded.scheduler,
        text=" Caf\u00e9\u00a0reopens\n on  Fore\tStreet ",
        request_id=request_id,
    )
    compat = _check(
        client,
        seeded.scheduler,
        text="Caf\u00e9 reopens on \uff26ore Street",
        request_id=request_id,
    )
    joined = _check(
        client, seeded.scheduler, text="Caf\u00e9 reopens onFore Street", request_id=request_id
    )

    assert [d["outcome"] for d in (decomposed, spaced)] == ["allow", "allow"]
    assert [d["outcome"] for d in (compat, joined)] == ["refer", "refer"]
    assert post_sha256("a\u200bb") != post_sha256("ab")


@pytest.mark.parametrize("end", ["withdraw", "reject"])
def test_a_withdrawn_or_rejected_request_never_allows(
    client: TestClient, seeded: Keys, end: str
) -> None:
    request_id = made(client, seeded.scheduler)
    key = seeded.scheduler if end == "withdraw" else seeded.clerk

    assert act(client, key, request_id, end).status_code == 200
    approve = act(client, seeded.clerk, request_id, "approve")
    decided = _check(client, seeded.scheduler, text=POST, request_id=request_id)

    assert approve.status_code == 409
    assert decided["outcome"] == "refer"


def test_a_pending_request_allows_nothing(client: TestClient, seeded: Keys) -> None:
    request_id = made(client, seeded.scheduler)

    decided = _check(client, seeded.scheduler, text=POST, request_id=request_id)

    assert decided["outcome"] == "refer"
    assert "not an approved request" in decided["reasons"][-1]["message"]


def test_the_batch_honours_an_approval_exactly_as_can_publish(
    client: TestClient, seeded: Keys
) -> None:
    request_id = _approved(client, seeded)
    check = {"account_id": TOWN, "at": AT, "category": "event", "request_id": request_id}

    response = client.post(
        "/v1/decisions",
        json={
            "checks": [
                {**check, "text": POST},
                {**check, "text": POST + "!"},
                {**check, "account_id": MAYOR_PAGE, "text": POST},
                check,
            ]
        },
        headers=auth(seeded.scheduler),
    )

    assert response.status_code == 200, response.text
    assert [d["outcome"] for d in response.json()["decisions"]] == [
        "allow",
        "refer",
        "refer",
        "refer",
    ]


def test_another_councils_approval_allows_nothing_on_an_account_of_the_same_id(
    penryn: tuple[TestClient, str],  # noqa: F811 - the imported fixture
    seeded: Keys,
) -> None:
    """Penryn names an account as Redruth's is named and sends Redruth's request id and text."""
    client, penryn_clerk = penryn
    request_id = _approved(client, seeded)
    proposed = client.post(
        "/v1/accounts",
        json={
            "account_id": TOWN,
            "platform": "facebook",
            "name": "Penryn's copy",
            "kind": "page",
            "contact_email": "comms@penryn-tc.gov.uk",
            "reason": "r",
        },
        headers=auth(penryn_clerk),
    )
    assert proposed.status_code == 201, proposed.text
    approved = client.post(
        f"/v1/accounts/{TOWN}/approve", json={"reason": "ours"}, headers=auth(penryn_clerk)
    )
    assert approved.status_code == 200, approved.text

    decided = _check(client, penryn_clerk, text=POST, request_id=request_id)
    batch = client.post(
        "/v1/decisions",
        json={
            "checks": [
                {
                    "account_id": TOWN,
                    "at": AT,
                    "category": "event",
                    "text": POST,
                    "request_id": request_id,
                }
            ]
        },
        headers=auth(penryn_clerk),
    ).json()["decisions"][0]
    withdraw = act(client, penryn_clerk, request_id, "withdraw")

    assert (decided["outcome"], batch["outcome"]) == ("refer", "refer")
    assert "REQUEST_APPROVED" not in _codes(decided) + _codes(batch)
    assert withdraw.status_code == 404
    assert _check(client, seeded.scheduler, text=POST, request_id=request_id)["outcome"] == "allow"


def test_another_councils_clerk_cannot_touch_redruths_candidates(
    penryn: tuple[TestClient, str],  # noqa: F811 - the imported fixture
    seeded: Keys,
    engine: Engine,
) -> None:
    client, penryn_clerk = penryn
    made_ = client.post(
        "/v1/candidates", json={"election_id": PARISH, "name": NAME}, headers=auth(seeded.clerk)
    )
    assert made_.status_code == 201, made_.text
    candidate_id = made_.json()["candidate_id"]
    before = _state(engine)

    got = client.get(f"/v1/candidates/{candidate_id}", headers=auth(penryn_clerk))
    listed = client.get("/v1/candidates", headers=auth(penryn_clerk))
    withdraw = client.post(
        f"/v1/candidates/{candidate_id}/withdraw", json={"reason": "x"}, headers=auth(penryn_clerk)
    )
    link = client.post(
        f"/v1/candidates/{candidate_id}/accounts",
        json={"account_id": "facebook-penryntowncouncil"},
        headers=auth(penryn_clerk),
    )
    unlink = client.delete(
        f"/v1/candidates/{candidate_id}/accounts/{MAYOR_PAGE}", headers=auth(penryn_clerk)
    )
    into_redruth = client.post(
        "/v1/candidates",
        json={"election_id": PARISH, "name": "Mallory Penhaligon"},
        headers=auth(penryn_clerk),
    )

    assert [r.status_code for r in (got, withdraw, link, unlink)] == [404] * 4
    assert listed.json() == []
    assert into_redruth.status_code == 422, into_redruth.text
    assert _state(engine)[:2] == before[:2]


def test_a_candidate_of_an_election_two_councils_share_is_screened_for_one_only(
    penryn: tuple[TestClient, str],  # noqa: F811 - the imported fixture
    seeded: Keys,
) -> None:
    """Cornwall Council's elections restrict Redruth and Penryn alike; each enters its own."""
    client, penryn_clerk = penryn
    made_ = client.post(
        "/v1/candidates",
        json={"election_id": "local.cornwall.2029-05-03", "name": NAME},
        headers=auth(seeded.clerk),
    )
    assert made_.status_code == 201, made_.text
    text = f"Bins are collected as usual. Thanks to {NAME} for the litter pick."
    body = {"at": AT, "category": "service-information", "text": text}

    redruth = client.post(CAN_PUBLISH, json=body, headers=auth(seeded.scheduler)).json()
    penryn_ = client.post(
        "/v1/accounts/facebook-penryntowncouncil/can-publish", json=body, headers=auth(penryn_clerk)
    ).json()

    assert "CANDIDATE_MENTIONED" in _codes(redruth)
    assert "CANDIDATE_MENTIONED" not in _codes(penryn_)
    assert penryn_["outcome"] == "allow"


def test_a_clerk_cannot_link_a_candidate_to_another_councils_account(
    penryn: tuple[TestClient, str],  # noqa: F811 - the imported fixture
    seeded: Keys,
) -> None:
    client, _ = penryn
    made_ = client.post(
        "/v1/candidates", json={"election_id": PARISH, "name": NAME}, headers=auth(seeded.clerk)
    )
    candidate_id = made_.json()["candidate_id"]

    response = client.post(
        f"/v1/candidates/{candidate_id}/accounts",
        json={"account_id": "facebook-penryntowncouncil"},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 404, response.text


# --- no self-approval, not even by a second key of the same name ---


def test_a_clerk_cannot_approve_its_own_request_with_a_second_key_of_its_name(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    first = new_key(client, engine, Role.CLERK, "Deputy Clerk")
    second = new_key(client, engine, Role.CLERK, "Deputy Clerk")
    request_id = made(client, first)

    approve = act(client, second, request_id, "approve")

    body = _is_problem(approve, 403)
    assert body["type"] == "/problems/request-move-refused"
    assert "same name" in body["detail"]
    assert (
        client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["status"]
        == "pending"
    )


def test_a_clerk_cannot_confirm_its_own_approval_with_a_second_key_of_its_name(
    two_clerks: TestClient,  # noqa: F811 - the imported fixture
    seeded: Keys,
    engine: Engine,
) -> None:
    """The seeded Clerk's key is "first Clerk key (purdah seed)": another of that name is them."""
    client = two_clerks
    second = new_key(client, engine, Role.CLERK, "First  Clerk key (purdah seed)")
    request_id = made(client, seeded.scheduler)
    assert act(client, seeded.clerk, request_id, "approve").status_code == 200

    confirm = act(client, second, request_id, "confirm")

    body = _is_problem(confirm, 403)
    assert body["type"] == "/problems/request-move-refused"
    assert "same name" in body["detail"]
    assert _check(client, seeded.scheduler, text=POST, request_id=request_id)["outcome"] == "refer"


def test_a_clerk_cannot_confirm_its_own_override_with_a_second_key_of_its_name(
    two_clerks: TestClient,  # noqa: F811 - the imported fixture
    seeded: Keys,
    engine: Engine,
) -> None:
    """The same hole in overrides' second-Clerk confirmation (policy 5.3g)."""
    client = two_clerks
    second = new_key(client, engine, Role.CLERK, "first Clerk key (purdah seed)")
    granted = client.post(
        "/v1/overrides",
        json={
            "account_id": TOWN,
            "starts_at": "2029-04-09T09:00:00+01:00",
            "ends_at": "2029-04-12T17:00:00+01:00",
            "categories": ["event"],
            "reason": "street fair",
        },
        headers=auth(seeded.clerk),
    )
    assert granted.status_code == 201, granted.text

    confirm = client.post(
        f"/v1/overrides/{granted.json()['override_id']}/confirm", headers=auth(second)
    )

    assert "same name" in _is_problem(confirm, 422)["detail"]
    assert _check(client, seeded.scheduler, text=POST)["outcome"] == "refer"


# --- control and invisible characters ---


@pytest.mark.parametrize("character", ["\x00", "\r", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_any_text_field_is_refused(
    client: TestClient, seeded: Keys, engine: Engine, character: str
) -> None:
    before = _state(engine)
    text = f"Fore Street{character}fair"

    answers = {
        "request text": ask(client, seeded.scheduler, text=text),
        "request note": ask(client, seeded.scheduler, note=text),
        "request link": ask(client, seeded.scheduler, links=[f"https://a.example/{character}"]),
        "request account": ask(client, seeded.scheduler, account_id=f"{TOWN}{character}"),
        "can-publish text": client.post(
            CAN_PUBLISH, json={"at": AT, "text": text}, headers=auth(seeded.scheduler)
        ),
        "can-publish request id": client.post(
            CAN_PUBLISH,
            json={"at": AT, "text": POST, "request_id": f"rq-1{character}"},
            headers=auth(seeded.scheduler),
        ),
        "batch text": client.post(
            "/v1/decisions",
            json={"checks": [{"account_id": TOWN, "at": AT, "text": text}]},
            headers=auth(seeded.scheduler),
        ),
        "candidate name": client.post(
            "/v1/candidates",
            json={"election_id": PARISH, "name": f"Jane{character}Smith"},
            headers=auth(seeded.clerk),
        ),
        "candidate alias": client.post(
            "/v1/candidates",
            json={"election_id": PARISH, "name": NAME, "aliases": [f"Jan{character}e"]},
            headers=auth(seeded.clerk),
        ),
        "candidate party": client.post(
            "/v1/candidates",
            json={"election_id": PARISH, "name": NAME, "party": text},
            headers=auth(seeded.clerk),
        ),
        "candidate ward": client.post(
            "/v1/candidates",
            json={"election_id": PARISH, "name": NAME, "ward": text},
            headers=auth(seeded.clerk),
        ),
        "candidate election": client.post(
            "/v1/candidates",
            json={"election_id": PARISH + character, "name": NAME},
            headers=auth(seeded.clerk),
        ),
        "approval reason": act(client, seeded.clerk, "rq-0000000000", "approve", {"reason": text}),
        "rejection reason": act(client, seeded.clerk, "rq-0000000000", "reject", {"reason": text}),
    }

    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(answers, 422)
    assert all(r.headers["content-type"] == PROBLEM for r in answers.values())
    assert _state(engine) == before


@pytest.mark.parametrize("character", ["%00", "%0D", "%1B"])
def test_a_control_character_in_a_path_parameter_is_a_404(
    client: TestClient, seeded: Keys, character: str
) -> None:
    paths = [
        ("GET", f"/v1/requests/rq-1{character}"),
        ("POST", f"/v1/requests/rq-1{character}/withdraw"),
        ("GET", f"/v1/candidates/cand-1{character}"),
        ("POST", f"/v1/candidates/cand-1{character}/withdraw"),
        ("DELETE", f"/v1/candidates/cand-1/accounts/{TOWN}{character}"),
        ("POST", f"/v1/accounts/{TOWN}{character}/can-publish"),
    ]

    answers = [
        client.request(method, path, json={"reason": "r"}, headers=auth(seeded.clerk))
        for method, path in paths
    ]

    assert [r.status_code for r in answers] == [404] * len(paths)
    assert all(r.headers["content-type"] == PROBLEM for r in answers)


def test_a_candidate_csv_with_a_control_character_in_a_cell_is_refused_whole(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    before = _state(engine)
    header = "person_id,person_name,election_id,party_name\n"
    rows = [
        f"1,Jane Trevithick,{PARISH},Independent\n",
        f"2,Mallory\x1b[2JPenhaligon,{PARISH},Independent\n",
    ]

    response = client.post(
        "/v1/candidates/import",
        content=(header + "".join(rows)).encode(),
        headers={"Content-Type": "text/csv", **auth(seeded.clerk)},
    )
    nul = client.post(
        "/v1/candidates/import",
        content=(header + f"3,Ann\x00Other,{PARISH},\n").encode(),
        headers={"Content-Type": "text/csv", **auth(seeded.clerk)},
    )

    assert "line 3" in _is_problem(response, 422)["detail"]
    assert "line 2" in _is_problem(nul, 422)["detail"]
    assert _state(engine) == before


@pytest.mark.parametrize(
    "link",
    [
        "https://\u202eku.vog.htrurder/fair",  # shows as a redruth.gov.uk link
        "https://www.redruth-tc.gov.uk/\u200bfair",
        "https://www.redruth-tc.gov.uk/fa\u00adir",
    ],
    ids=["right-to-left-override", "zero-width-space", "soft-hyphen"],
)
def test_a_link_that_reads_other_than_it_is_is_refused(
    client: TestClient, seeded: Keys, engine: Engine, link: str
) -> None:
    """RFC 3987 s. 4.1: no bidirectional formatting in an IRI; the Clerk checks what is sent."""
    before = _state(engine)

    response = ask(client, seeded.scheduler, links=["https://www.redruth-tc.gov.uk/", link])

    body = _is_problem(response, 422)
    assert body["detail"].startswith("links[1]: holds the invisible formatting character U+")
    assert _state(engine) == before


@pytest.mark.parametrize(
    "name",
    ["Jane \u202ekcihtiverT", "Jane\u200bTrevithick", "Jane Trevi\u00adthick", "\ufeffJane Smith"],
    ids=["right-to-left-override", "zero-width-space", "soft-hyphen", "byte-order-mark"],
)
def test_a_candidate_name_that_reads_other_than_it_is_screened_is_refused(
    client: TestClient, seeded: Keys, engine: Engine, name: str
) -> None:
    """`Jane \u202ekcihtiverT` shows as "Jane Trevithick" and was screened as "kcihtiverT"."""
    before = _state(engine)

    typed = client.post(
        "/v1/candidates", json={"election_id": PARISH, "name": name}, headers=auth(seeded.clerk)
    )
    alias = client.post(
        "/v1/candidates",
        json={"election_id": PARISH, "name": "Ann Other", "aliases": [name]},
        headers=auth(seeded.clerk),
    )
    imported = client.post(
        "/v1/candidates/import",
        content=f"person_id,person_name,election_id\n1,Ann Other,{PARISH}\n2,{name},{PARISH}\n".encode(),
        headers={"Content-Type": "text/csv", **auth(seeded.clerk)},
    )

    assert "invisible formatting character U+" in _is_problem(typed, 422)["detail"]
    assert _is_problem(alias, 422)["detail"].startswith("aliases[0]: holds the invisible")
    assert "line 3" in _is_problem(imported, 422)["detail"]
    assert _state(engine) == before


def test_a_name_may_hold_the_joiners_some_scripts_need(client: TestClient, seeded: Keys) -> None:
    response = client.post(
        "/v1/candidates",
        json={"election_id": PARISH, "name": "Mehr\u200cnaz Ahmadi"},
        headers=auth(seeded.clerk),
    )

    assert response.status_code == 201, response.text


def test_an_import_that_renames_a_candidate_keeps_the_old_name_screened(
    client: TestClient, seeded: Keys
) -> None:
    """A file giving the same person id another name must not hide the candidate's name."""
    header = "person_id,person_name,election_id,party_name\n"

    def imported(name: str) -> httpx.Response:
        return client.post(
            "/v1/candidates/import",
            content=f"{header}71234,{name},{PARISH},Independent\n".encode(),
            headers={"Content-Type": "text/csv", **auth(seeded.clerk)},
        )

    def outcome(name: str) -> str:
        text = f"Bins are collected as usual. Thanks to {name} for the litter pick."
        return str(
            _check(client, seeded.scheduler, category="service-information", text=text)["outcome"]
        )

    assert imported(NAME).status_code == 200
    renamed = imported("Zed Quiller")
    again = imported("Zed Quiller")

    assert renamed.status_code == 200, renamed.text
    [item] = renamed.json()["updated"]
    assert item["changes"] == {"name": [NAME, "Zed Quiller"], "aliases": [[], [NAME]]}
    assert (outcome(NAME), outcome("Zed Quiller")) == ("refer", "refer")
    assert again.json()["updated"] == []


# --- sizes, nesting, content types, query parameters ---


def test_a_text_of_the_limit_is_taken_and_one_character_more_refused(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    at_limit, over = "a" * 65_536, "a" * 65_537
    batch = "/v1/decisions"

    def check(text: str) -> list[int]:
        return [
            client.post(
                CAN_PUBLISH,
                json={"at": AT, "category": "event", "text": text},
                headers=auth(seeded.scheduler),
            ).status_code,
            client.post(
                batch,
                json={"checks": [{"account_id": TOWN, "at": AT, "text": text}]},
                headers=auth(seeded.scheduler),
            ).status_code,
            ask(client, seeded.scheduler, text=text).status_code,
        ]

    assert check(at_limit) == [200, 200, 201]
    before = _state(engine)
    assert check(over) == [422, 422, 422]
    assert _state(engine) == before


def test_a_thousand_aliases_and_a_megabyte_name_are_refused(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    before = _state(engine)

    aliases = client.post(
        "/v1/candidates",
        json={"election_id": PARISH, "name": NAME, "aliases": [f"Alias {i}" for i in range(1000)]},
        headers=auth(seeded.clerk),
    )
    name = client.post(
        "/v1/candidates",
        json={"election_id": PARISH, "name": "J" * 1_000_000},
        headers=auth(seeded.clerk),
    )

    assert (aliases.status_code, name.status_code) in {(422, 422), (422, 413)}
    assert _state(engine) == before


def test_a_ten_megabyte_candidate_csv_is_413_and_imports_nothing(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    before = _state(engine)
    row = f"1,Jane Trevithick,{PARISH},Independent\n".encode()
    body = b"person_id,person_name,election_id,party_name\n" + row * (10_000_000 // len(row))

    response = client.post(
        "/v1/candidates/import",
        content=body,
        headers={"Content-Type": "text/csv", **auth(seeded.clerk)},
    )

    _is_problem(response, 413)
    assert _state(engine) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", CAN_PUBLISH),
        ("POST", "/v1/decisions"),
        ("POST", "/v1/requests"),
        ("POST", "/v1/candidates"),
        ("POST", "/v1/requests/rq-0000000000/approve"),
    ],
)
def test_deeply_nested_json_is_a_4xx_problem(
    client: TestClient, seeded: Keys, method: str, path: str
) -> None:
    deep = "[" * 100_000 + "]" * 100_000

    response = client.request(
        method,
        path,
        content=deep,
        headers={"Content-Type": "application/json", **auth(seeded.clerk)},
    )

    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (CAN_PUBLISH, json.dumps({"at": AT, "text": POST})),
        ("/v1/decisions", json.dumps({"checks": [{"account_id": TOWN}]})),
        (
            "/v1/requests",
            json.dumps({"account_id": TOWN, "at": AT, "category": "event", "text": POST}),
        ),
        ("/v1/candidates", json.dumps({"election_id": PARISH, "name": NAME})),
    ],
)
def test_json_sent_as_another_type_or_no_body_is_a_4xx_problem(
    client: TestClient, seeded: Keys, engine: Engine, path: str, body: str
) -> None:
    before = _state(engine)

    plain = client.post(
        path, content=body, headers={"Content-Type": "text/plain", **auth(seeded.clerk)}
    )
    form = client.post(
        path,
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **auth(seeded.clerk)},
    )
    empty = client.post(path, headers={"Content-Type": "application/json", **auth(seeded.clerk)})

    assert (plain.status_code, form.status_code) == (415, 415), (plain.text, form.text)
    assert empty.status_code in (400, 422), empty.text
    assert all(r.headers["content-type"] == PROBLEM for r in (plain, form, empty))
    assert _state(engine) == before


def test_can_publish_by_post_refuses_the_get_query_rather_than_answer_for_now(
    client: TestClient, seeded: Keys
) -> None:
    """A tool moving from GET to POST that leaves `at` in the query must not be answered for now."""
    response = client.post(
        CAN_PUBLISH,
        params={"at": AT, "category": "event"},
        json={"text": POST},
        headers=auth(seeded.scheduler),
    )

    body = _is_problem(response, 422)
    assert "'at'" in body["detail"] or "at" in str(body.get("errors", ""))


@pytest.mark.parametrize(
    "query",
    [
        "status=pending&status=approved",
        "account_id=a&account_id=b",
    ],
)
def test_a_repeated_query_parameter_of_the_request_list_is_refused(
    client: TestClient, seeded: Keys, query: str
) -> None:
    response = client.get(f"/v1/requests?{query}", headers=auth(seeded.clerk))

    _is_problem(response, 422)


def test_a_repeated_dry_run_never_imports(client: TestClient, seeded: Keys, engine: Engine) -> None:
    before = _state(engine)
    body = f"person_id,person_name,election_id,party_name\n1,{NAME},{PARISH},Independent\n"

    answers = [
        client.post(
            f"/v1/candidates/import?{query}",
            content=body.encode(),
            headers={"Content-Type": "text/csv", **auth(seeded.clerk)},
        )
        for query in ("dry_run=true&dry_run=false", "dry_run=false&dry_run=true", "dryrun=true")
    ]

    assert [r.status_code for r in answers] == [422, 422, 422]
    assert _state(engine) == before


# --- screening cannot be hidden from ---


def _standing(client: TestClient, keys: Keys) -> None:
    response = client.post(
        "/v1/candidates", json={"election_id": PARISH, "name": NAME}, headers=auth(keys.clerk)
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "written",
    [
        "Jane Trevithick",
        "JANE TREVITHICK",
        "Jane\u00a0Trevithick",
        "Jan\u00e9 Trevithick",
        "\uff2aane Trevithick",
        unicodedata.normalize("NFD", "Jan\u00e9 Trevithick"),
    ],
)
def test_a_candidate_named_in_any_of_the_ways_that_read_alike_is_found(
    client: TestClient, seeded: Keys, written: str
) -> None:
    _standing(client, seeded)

    decided = _check(client, seeded.scheduler, text=f"Thanks to {written} for the litter pick")

    assert decided["outcome"] == "refer"
    assert "CANDIDATE_MENTIONED" in _codes(decided)


# --- an approval lifts only what the Clerk saw ---


def test_an_approval_does_not_lift_a_candidate_entered_after_it(
    client: TestClient, seeded: Keys
) -> None:
    """The Clerk approved a thank-you naming a volunteer; the volunteer is then nominated."""
    text = "Thanks to Jane Trevithick for leading the litter pick on Fore Street"
    request_id = _approved(client, seeded, text=text)
    assert _check(client, seeded.scheduler, text=text, request_id=request_id)["outcome"] == "allow"

    _standing(client, seeded)
    decided = _check(client, seeded.scheduler, text=text, request_id=request_id)

    assert decided["outcome"] == "refer"
    assert "CANDIDATE_MENTIONED" in _codes(decided)
    assert "a restriction was added after it was approved" in decided["reasons"][-1]["message"]


def test_an_approval_given_after_the_candidate_was_entered_covers_the_post(
    client: TestClient, seeded: Keys
) -> None:
    """The Clerk saw the candidate named, and approved: the approval says so in its anchors."""
    _standing(client, seeded)
    text = "Thanks to Jane Trevithick for leading the litter pick on Fore Street"

    request_id = _approved(client, seeded, text=text)
    anchors = client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()["anchors"]
    decided = _check(client, seeded.scheduler, text=text, request_id=request_id)

    assert decided["outcome"] == "allow"
    assert [a for a in anchors if a.startswith("candidate:")] != []


def test_an_approval_does_not_lift_an_account_holder_linked_after_it(
    client: TestClient, seeded: Keys
) -> None:
    """A post on the Mayor's page is approved; then the Clerk links the Mayor, who is standing."""
    request_id = _approved(client, seeded, account_id=MAYOR_PAGE)
    decide = {"account_id": MAYOR_PAGE, "text": POST, "request_id": request_id}
    assert _check(client, seeded.scheduler, **decide)["outcome"] == "allow"
    candidate = client.post(
        "/v1/candidates", json={"election_id": PARISH, "name": NAME}, headers=auth(seeded.clerk)
    ).json()
    linked = client.post(
        f"/v1/candidates/{candidate['candidate_id']}/accounts",
        json={"account_id": MAYOR_PAGE},
        headers=auth(seeded.clerk),
    )
    assert linked.status_code == 200, linked.text

    decided = _check(client, seeded.scheduler, **decide)
    again = _approved(client, seeded, account_id=MAYOR_PAGE, at="2029-04-11T12:00:00+01:00")

    assert decided["outcome"] == "refer"
    assert "ACCOUNT_HOLDER_STANDING" in _codes(decided)
    assert (
        _check(
            client,
            seeded.scheduler,
            **{**decide, "request_id": again},
            at="2029-04-11T12:00:00+01:00",
        )["outcome"]
        == "allow"
    )


# --- hiding a name or an appeal from screening ---
# A permitted category is used: a hidden name there would mean the post is allowed inside the
# window. Screening reads the text as a reader sees it (app/domain/folding.py: `squeeze`, the
# look-alike letters); a text that would read other than it is screened is refused.

_HIDDEN = "Bins are collected as usual on Monday. Thank you to {} for the litter pick."


@pytest.mark.parametrize(
    "written",
    [
        pytest.param(
            "Jane  Trevithick",
            id="two-spaces",
        ),
        pytest.param(
            "Jane \n Trevithick",
            id="spaced-line-break",
        ),
        pytest.param(
            "Jane\u00a0\u00a0Trevithick",
            id="two-no-break-spaces",
        ),
        pytest.param(
            "Ja\u200bne Trevithick",
            id="zero-width-space",
        ),
        pytest.param(
            "Jane Trevi\u00adthick",
            id="soft-hyphen",
        ),
        pytest.param(
            "J\u0430ne Trevithick",
            id="cyrillic-a",
        ),
        pytest.param("Jane\nTrevithick", id="line-break"),
        pytest.param("JANE TREVITHICK", id="capitals"),
        pytest.param("Ja\u0301ne Trevithick", id="combining-accent"),
        pytest.param("\uff2aane Trevithick", id="fullwidth-letter"),
    ],
)
def test_a_candidates_name_cannot_be_hidden_from_screening(
    client: TestClient, seeded: Keys, written: str
) -> None:
    _standing(client, seeded)

    decided = _check(
        client, seeded.scheduler, category="service-information", text=_HIDDEN.format(written)
    )

    assert decided["outcome"] == "refer"
    assert "CANDIDATE_MENTIONED" in _codes(decided)


def test_a_text_that_reads_other_than_it_is_screened_is_refused(
    client: TestClient, seeded: Keys
) -> None:
    """A right-to-left override shows "Jane Trevithick" while the text holds it reversed."""
    _standing(client, seeded)
    text = _HIDDEN.format("\u202ekcihtiverT enaJ\u202c")

    response = client.post(
        CAN_PUBLISH,
        json={"at": AT, "category": "service-information", "text": text},
        headers=auth(seeded.scheduler),
    )
    asked = ask(client, seeded.scheduler, text=text)

    assert "U+202E" in _is_problem(response, 422)["detail"]
    assert "U+202E" in _is_problem(asked, 422)["detail"]


@pytest.mark.parametrize(
    "appeal",
    [
        pytest.param(
            "Vote  for the Greens",
            id="two-spaces",
        ),
        pytest.param("Vote\nfor the Greens", id="line-break"),
        pytest.param(
            "Vote\u200b for the Greens",
            id="zero-width-space",
        ),
        pytest.param("VOTE FOR the Greens", id="capitals"),
    ],
)
def test_an_electoral_appeal_cannot_be_hidden_from_screening(
    client: TestClient, seeded: Keys, appeal: str
) -> None:
    decided = _check(
        client,
        seeded.scheduler,
        category="service-information",
        text=f"Bins are collected as usual on Monday. {appeal}!",
    )

    assert decided["outcome"] == "refer"
    assert "ELECTORAL_APPEAL" in _codes(decided)


# --- the race between withdraw and can-publish ---


def test_no_check_begun_after_a_withdrawal_returns_is_allowed_by_it(
    client: TestClient, seeded: Keys
) -> None:
    """Four threads check the approved post while its requester withdraws it."""
    request_id = _approved(client, seeded)
    withdrawn = threading.Event()
    late: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            after = withdrawn.is_set()
            response = client.post(
                CAN_PUBLISH,
                json={"at": AT, "category": "event", "text": POST, "request_id": request_id},
                headers=auth(seeded.scheduler),
            )
            if after:
                late.append(response.json()["outcome"])

    with ThreadPoolExecutor(4) as pool:
        running = [pool.submit(hammer) for _ in range(4)]
        response = act(client, seeded.scheduler, request_id, "withdraw")
        withdrawn.set()
        while len(late) < 40:
            time.sleep(0.01)
        stop.set()
        for done in running:
            done.result()

    assert response.status_code == 200, response.text
    assert set(late) == {"refer"}


# --- the Clerk stops an approval whose requester cannot withdraw it ---


def test_the_clerk_stops_an_approval_of_a_revoked_key_with_a_window(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    """
    When the requesting key is revoked, the Clerk can still stop its approval: by rejecting
    it, or with a window on the account (a restriction added after it, which it does not lift).
    """
    tool = new_key(client, engine, Role.SCHEDULER, "Hootsuite")
    request_id = made(client, tool)
    assert act(client, seeded.clerk, request_id, "approve").status_code == 200
    revoke_key(
        UnitOfWork(engine),
        "redruth",
        Actor("tests", "operator"),
        key_id=tool.split("_")[1],
        reason="the tool was compromised",
        now=SEEDED_AT,
    )
    cache = client.app.state.services.cache  # type: ignore[attr-defined]
    assert cache.refresh(), cache.last_error
    assert _check(client, seeded.scheduler, text=POST, request_id=request_id)["outcome"] == "allow"

    reject = act(client, seeded.clerk, request_id, "reject")
    window = client.post(
        "/v1/windows",
        json={
            "starts_at": "2029-04-10T00:00:00+01:00",
            "ends_at": "2029-04-11T00:00:00+01:00",
            "account_ids": [TOWN],
            "reason": "approval rq given in error: stopped until reviewed",
        },
        headers=auth(seeded.clerk),
    )
    decided = _check(client, seeded.scheduler, text=POST, request_id=request_id)

    assert reject.status_code == 200, reject.text
    assert window.status_code == 201, window.text
    assert decided["outcome"] != "allow"
    assert "not an approved request" in decided["reasons"][-1]["message"]


# --- a text that repeats a name is not answered at a thousand times its size ---


def test_a_text_repeating_a_name_gets_a_few_places_and_a_count(
    client: TestClient, seeded: Keys
) -> None:
    """A 1 MiB batch of such texts was answered with 58 MB, listing every one of 21,845 places."""
    _standing(client, seeded)
    text = ("Jane Trevithick " * 4096)[:65_536]

    response = client.post(
        "/v1/decisions",
        json={"checks": [{"account_id": TOWN, "at": AT, "category": "event", "text": text}] * 15},
        headers=auth(seeded.scheduler),
    )

    assert response.status_code == 200, response.text
    assert len(response.content) < 200_000
    decision = response.json()["decisions"][0]
    [named] = [r for r in decision["reasons"] if r["code"] == "CANDIDATE_MENTIONED"]
    assert len(named["matches"]) == 10
    assert named["matches"][0]["start"] == 0
    assert "and 4,086 more" in named["message"]


def test_two_clerks_approving_while_the_requester_withdraws_make_one_history(
    client: TestClient, seeded: Keys, engine: Engine
) -> None:
    """Each move that answered 200 is audited once; the request ends withdrawn, as the last move."""
    second = new_key(client, engine, Role.CLERK, "Deputy Town Clerk")
    for _ in range(4):
        request_id = made(client, seeded.scheduler)
        with ThreadPoolExecutor(3) as pool:
            moves = [
                pool.submit(act, client, seeded.clerk, request_id, "approve"),
                pool.submit(act, client, second, request_id, "approve"),
                pool.submit(act, client, seeded.scheduler, request_id, "withdraw"),
            ]
            codes = [m.result().status_code for m in moves]
        events = client.get(
            "/v1/audit", params={"action": "request."}, headers=auth(seeded.auditor)
        ).json()["events"]
        audited = [e["action"] for e in events if e["target"] == request_id]

        assert set(codes) <= {200, 409}, codes
        assert codes[:2].count(200) <= 1, codes  # never two approvals
        assert codes[2] == 200
        assert len(audited) - 1 == codes.count(200)
        got = client.get(f"/v1/requests/{request_id}", headers=auth(seeded.clerk)).json()
        assert got["status"] == "withdrawn"
