"""The policy, liveness and readiness."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.domain import Category, PurdahError
from app.store.engine import ping
from app.store.keys import Role

from ..deps import Reader, ServicesDep, principal_for
from ..problem_types import NOT_READY
from ..problems import problem_response
from ..schemas import PolicyOut

router = APIRouter(tags=["service"])


@router.get(
    "/v1/policy",
    response_model=PolicyOut,
    summary="The organisation's policy as the service applies it",
)
def get_policy(services: ServicesDep, principal: Reader) -> PolicyOut:
    """The council's policy as the service applies it: its clauses, which categories stay permitted, are referred to the Clerk or are never permitted, the clause each reason cites, the period rules, and whether its review is overdue."""
    policy = services.policy(principal.organisation_id)
    due = policy.review_due_at()
    denied = sorted(set(Category) - policy.permitted - policy.referred - policy.never_permitted)
    return PolicyOut(
        organisation_id=policy.organisation_id,
        organisation_name=policy.organisation_name,
        country=str(policy.country),
        election_scopes=list(policy.election_scopes),
        clauses={cid: clause.summary for cid, clause in policy.clauses.items()},
        categories={
            "permitted": sorted(policy.permitted),
            "referred": sorted(policy.referred),
            "denied_inside_windows": denied,
            "never_permitted": sorted(policy.never_permitted),
        },
        reason_clauses=dict(policy.reason_clauses),
        caution_margin_days=policy.period_rules.caution_margin.days,
        general_election_start=str(policy.period_rules.general_election_start),
        end_extension_hours=policy.period_rules.end_extension.total_seconds() / 3600,
        warning_horizon_days=policy.warning_horizon.total_seconds() / 86400,
        official_email_domains=list(policy.official_email_domains),
        next_review_due=policy.next_review_due,
        review_overdue=due is not None and services.clock() >= due,
        max_override_days=policy.max_override.total_seconds() / 86400,
        override_needs_second_clerk=policy.override_needs_second_clerk,
    )


@router.get("/healthz", summary="The process is alive")
async def check_health() -> dict[str, str]:
    """Liveness: the process answers. It says nothing about the database; use /readyz for that."""
    return {"status": "ok"}


def _is_operator(request: Request, services: ServicesDep) -> bool:
    """Whether the caller sent a platform operator's key (a bad key counts as a failure)."""
    header = request.headers.get("authorization")
    if header is None:
        return False
    client = request.client.host if request.client else None
    try:
        principal = principal_for(services, header, client=client)
    except PurdahError:  # not a valid key, or throttled: answered as to anyone
        return False
    return principal.role == Role.OPERATOR


@router.get("/readyz", summary="The database is reachable and the decision snapshot is fresh")
def check_readiness(request: Request, services: ServicesDep) -> Any:
    """Readiness: the database answers and the decision snapshot was confirmed within PURDAH_SNAPSHOT_MAX_AGE. A load balancer should send traffic only while this is 200. A council whose policy file cannot be used has its decisions fail closed while the others answer, so it does not make the service unready: `policies_unusable` counts them, and a platform operator's key (`Authorization: Bearer`) also gets `policy_problems`, each council with why."""
    try:
        ping(services.engine)
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        database = f"unreachable: {type(exc).__name__}"
    age = services.cache.age()
    fresh = services.cache.is_fresh()
    body: dict[str, object] = {
        "database": database,
        "snapshot_age_seconds": round(age, 3) if age is not None else None,
        "snapshot_fresh": fresh,
        # how many, never which: anyone may ask (load balancers send no key)
        "organisations": len(services.cache.organisations()),
        # not built yet: each is built by its first request, so they answer all the same
        "organisations_pending": services.cache.pending(),
    }
    problems = services.cache.policy_problems()
    body["policies_unusable"] = len(problems)
    if problems and _is_operator(request, services):
        body["policy_problems"] = dict(sorted(problems.items()))
    if database == "ok" and fresh:
        return JSONResponse({"status": "ready", **body})
    return problem_response(
        request,
        NOT_READY,
        "the database or the decision snapshot is not available",
        extra=body,
    )
