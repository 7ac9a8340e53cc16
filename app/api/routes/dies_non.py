"""Days of public thanksgiving or mourning, appointed at short notice, that do not count as working days."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.services import dies_non

from ..deps import Clerk, Reader, ServicesDep, request_id
from ..schemas import DiesNonIn, DiesNonOut, Text

router = APIRouter(prefix="/v1/dies-non", tags=["dies non"])


@router.get("", response_model=list[DiesNonOut], summary="Days the Clerk added as dies non")
def list_dies_non(services: ServicesDep, principal: Reader) -> list[DiesNonOut]:
    """Days of public thanksgiving or mourning the Clerk added; bank holidays come from GOV.UK's list and need no entry."""
    return [
        DiesNonOut(date=row.day, name=row.name)
        for row in dies_non.list_dies_non(services.uow, principal.organisation_id)
    ]


@router.post(
    "",
    response_model=DiesNonOut,
    status_code=201,
    summary="Add a day of thanksgiving or mourning; every period is recomputed",
)
def add_dies_non(
    body: DiesNonIn, request: Request, response: Response, services: ServicesDep, principal: Clerk
) -> DiesNonOut:
    """Election rules disregard such days when counting working days (e.g. SI 2006/3304 Sch. 2 r. 2)."""
    dies_non.add_dies_non(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        day=body.date,
        name=body.name,
        now=services.clock(),
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/dies-non/{body.date.isoformat()}"
    return DiesNonOut(date=body.date, name=body.name)


@router.delete(
    "/{day}", status_code=204, summary="Remove a day the Clerk added; every period is recomputed"
)
def remove_dies_non(
    day: dt.date,
    reason: Annotated[Text, Query(description="Why the day is removed (audited).")],
    request: Request,
    services: ServicesDep,
    principal: Clerk,
) -> Response:
    """Remove a day the Clerk added, with a reason; every restricted period is recomputed and the change is audited."""
    dies_non.remove_dies_non(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        day=day,
        reason=reason,
        now=services.clock(),
        request_id=request_id(request),
    )
    return Response(status_code=204)
