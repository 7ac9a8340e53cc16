"""Organisations: a platform operator adds a council, each with its own policy file."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.services import organisations
from app.store.keys import Role

from ..deps import Principal, ServicesDep, require
from ..schemas import OrganisationIn, OrganisationOut, london

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])

Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]


@router.get(
    "", response_model=list[OrganisationOut], summary="Every organisation (platform operator)"
)
def list_organisations(services: ServicesDep, principal: Operator) -> list[OrganisationOut]:
    """The councils this deployment serves; none of their data, only who they are."""
    return [
        OrganisationOut(
            organisation_id=row.id,
            name=row.name,
            country=row.country,
            policy_file=row.policy_file,
            created_at=london(row.created_at),
        )
        for row in organisations.organisations(services.uow)
    ]


@router.post(
    "",
    response_model=OrganisationOut,
    status_code=201,
    summary="Add a council from its policy file (platform operator)",
)
def create_organisation(
    body: OrganisationIn, response: Response, services: ServicesDep, principal: Operator
) -> OrganisationOut:
    """
    Reads `<policy_file>` from the policy folder (`PURDAH_POLICY_DIR`), and seeds the council:
    its accounts, the shipped elections that affect it, and a first Clerk key, shown once in
    `first_clerk_key`. The operator's key reads and changes nothing of the new council's.
    """
    settings = services.settings
    # AlreadyExists (409) if it exists, or if a concurrent request's insert won
    added = organisations.create_organisation(
        services.uow,
        policy_dir=settings.policy_dir,
        calendar_dir=settings.calendar_dir,
        policy_file=body.policy_file,
        actor=principal.actor(),
        now=services.clock(),
    )
    policy, report = added.policy, added.report
    response.headers["Location"] = f"/v1/organisations/{policy.organisation_id}"
    return OrganisationOut(
        organisation_id=policy.organisation_id,
        name=policy.organisation_name,
        country=str(policy.country),
        policy_file=body.policy_file,
        created_at=london(services.clock()),
        accounts=len(report.accounts_added),
        elections=len(report.elections_added),
        first_clerk_key=report.first_clerk_key.key if report.first_clerk_key else None,
    )
