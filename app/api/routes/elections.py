"""Elections: those that restrict the organisation, their timetables, and the Clerk's records."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from app.domain import (
    Country,
    ElectionKind,
    compute_timetable,
    parse_election_id,
    restricted_period,
    timetable_summary,
)
from app.domain.changes import version_tag
from app.services import elections
from app.services.elections import ElectionChanges
from app.store.records import StoredElection, StoredPeriod

from ..conditional import etag, if_match_versions
from ..deps import Clerk, Reader, Services, ServicesDep, request_id
from ..partial import changes_sent
from ..problems import problem_doc
from ..schemas import ElectionIn, ElectionOut, ElectionPatch, PeriodOut, TimetableOut, london

router = APIRouter(prefix="/v1/elections", tags=["elections"])


def _period(row: StoredPeriod | None) -> PeriodOut | None:
    if row is None:
        return None
    return PeriodOut(
        starts_at=london(row.starts_at),
        ends_at=london(row.ends_at),
        start_basis=row.start_basis,
        end_basis=row.end_basis,
        estimated=row.estimated,
    )


def _timetable(
    services: Services, organisation_id: str, row: StoredElection, period: StoredPeriod | None
) -> TimetableOut:
    policy = services.policy(organisation_id)
    return TimetableOut.model_validate(elections.election_timetable(policy, row, period))


def _out(
    row: StoredElection, period: StoredPeriod | None, timetable: TimetableOut | None = None
) -> ElectionOut:
    return ElectionOut(
        election_id=row.election_id,
        kind=row.kind,
        country=row.country,
        poll_date=row.poll_date,
        status=row.status,
        status_reason=row.status_reason,
        notice_published=row.notice_published,
        starts_at_set=london(row.starts_at),
        ends_at_set=london(row.ends_at),
        end_reason=row.end_reason,
        source=row.source,
        restricted_period=_period(period),
        timetable=timetable,
    )


@router.get(
    "", response_model=list[ElectionOut], summary="Elections that restrict the organisation"
)
def list_elections(
    services: ServicesDep,
    principal: Reader,
    poll_from: Annotated[
        dt.date | None, Query(alias="from", description="Poll date on or after (YYYY-MM-DD).")
    ] = None,
    poll_to: Annotated[
        dt.date | None, Query(alias="to", description="Poll date on or before (YYYY-MM-DD).")
    ] = None,
    kind: ElectionKind | None = None,
    status: Annotated[
        str | None, Query(pattern="^(scheduled|held|uncontested|countermanded|cancelled)$")
    ] = None,
) -> list[ElectionOut]:
    """The elections that restrict the council (its scopes), each with its restricted period; filter by poll date, kind or status."""
    rows = elections.list_elections(
        services.uow,
        principal.organisation_id,
        poll_from=poll_from,
        poll_to=poll_to,
        kind=str(kind) if kind else None,
        status=status,
    )
    return [_out(row, period) for row, period in rows]


@router.get(
    "/{election_id}/timetable",
    response_model=TimetableOut,
    summary="The statutory timetable of any valid election id, stored or not",
)
def get_timetable(
    election_id: str,
    services: ServicesDep,
    principal: Reader,
    country: Country | None = None,
    kind: ElectionKind | None = None,
) -> TimetableOut:
    """Defaults to the organisation's country and to the kind implied by the id."""
    policy = services.policy(principal.organisation_id)
    ref = parse_election_id(election_id, kind=kind)
    table = compute_timetable(ref, country=country, default_country=policy.country)
    period = restricted_period(table, policy.period_rules)
    return TimetableOut.model_validate(timetable_summary(table, period))


@router.get(
    "/{election_id}",
    response_model=ElectionOut,
    summary="One election, with its timetable and restricted period",
)
def get_election(
    election_id: str, services: ServicesDep, principal: Reader, response: Response
) -> ElectionOut:
    """One election: what the Clerk recorded, its statutory timetable (the same keys as `purdah timetable --json`) and its restricted period. Its `ETag` goes in `If-Match` on a PATCH, so that two Clerks cannot overwrite each other unawares."""
    row, period = elections.get_election(services.uow, principal.organisation_id, election_id)
    response.headers["ETag"] = etag(version_tag(row.state()))
    return _out(row, period, _timetable(services, principal.organisation_id, row, period))


@router.post(
    "", response_model=ElectionOut, status_code=201, summary="Add an election by id (Clerk)"
)
def add_election(
    body: ElectionIn, request: Request, response: Response, services: ServicesDep, principal: Clerk
) -> ElectionOut:
    """Add an election by its Democracy Club id (or `parish.<council>.<date>`). It must affect the council; its restricted period is computed at once and enforced within a second."""
    policy = services.policy(principal.organisation_id)
    elections.add_election(
        services.uow,
        policy,
        principal.actor(),
        election_id=body.election_id,
        poll_date=body.poll_date,
        kind=body.kind,
        notice_published=body.notice_published,
        source=body.source,
        now=services.clock(),
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/elections/{body.election_id}"
    return get_election(body.election_id, services, principal, response)


@router.patch(
    "/{election_id}",
    response_model=ElectionOut,
    responses={412: problem_doc("The election changed since the ETag sent in If-Match.")},
    summary="Record the notice date, a status with reason, or a start or end set by hand (Clerk)",
)
def update_election(
    election_id: str,
    body: ElectionPatch,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: Clerk,
    if_match: Annotated[
        str | None,
        Header(description="The ETag of `GET /v1/elections/{id}`: 412 if it changed since."),
    ] = None,
) -> ElectionOut:
    """
    Only the fields sent change; send null to clear one. A status (uncontested, countermanded,
    cancelled) never lifts the restricted period: end it by hand with `ends_at` and `end_reason`.
    """
    changes = changes_sent(body, ElectionChanges)
    elections.update_election(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        election_id,
        changes=changes,
        now=services.clock(),
        request_id=request_id(request),
        expected_versions=if_match_versions(if_match),
    )
    return get_election(election_id, services, principal, response)
