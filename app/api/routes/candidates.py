"""Who is standing: candidates the Clerk enters or imports, and the accounts they hold."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from app.calendars import CalendarError, TooLarge
from app.calendars.candidate_csv import CandidateEntry, read_candidate_csv
from app.domain.text import control_character, describe_control_character
from app.services import candidate_import, candidates
from app.services.candidate_import import CandidateImportReport
from app.services.candidates import ListedCandidate

from ..deps import Clerk, Reader, Services, ServicesDep, request_id
from ..problems import LengthRequired, UnsupportedMediaType, problem_doc
from ..schemas import (
    CandidateImportItem,
    CandidateImportOut,
    CandidateIn,
    CandidateOut,
    LinkIn,
    ReasonIn,
    london,
)

router = APIRouter(prefix="/v1/candidates", tags=["candidates"])
# the import counts its own bytes against PURDAH_IMPORT_MAX_BYTES (app/api/limits.py skips it)
IMPORT_PATH = "/v1/candidates/import"
# More rows than a file within the byte limit holds; a guard, not a setting.
MAX_ROWS = 50_000

_CSV_TYPES = ("text/csv", "application/csv", "application/octet-stream", "text/plain")
_MULTIPART_OVERHEAD = 64 * 1024
_ACCEPTED = "text/csv, or multipart/form-data with the file in the field `file`"

_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Democracy Club's candidate CSV (the data export's `person_id`, "
        "`person_name`, `election_id`, `ballot_paper_id`, `party_name`, `party_id`, ... or "
        "the older files' `id`, `name`, `election`, ...), as the raw `text/csv` body or the "
        "multipart field `file`. Other columns are ignored.",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": (
                    "person_id,person_name,election_id,ballot_paper_id,election_date,"
                    "election_current,party_name,party_id,post_label,cancelled_poll,"
                    "seats_contested\n"
                    "71234,Jane Trevithick,local.cornwall.2029-05-03,"
                    "local.cornwall.redruth-north.2029-05-03,2029-05-03,t,Independent,"
                    "ynmp-party:2,Redruth North,f,1\n"
                ),
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A CSV file.",
                        }
                    },
                }
            },
        },
    }
}


def _out(listed: ListedCandidate) -> CandidateOut:
    row = listed.record
    return CandidateOut(
        candidate_id=row.id,
        election_id=row.election_id,
        name=row.name,
        party=row.party_name,
        party_id=row.party_id,
        ward=row.ward,
        aliases=list(row.aliases),
        handles=list(row.handles),
        account_ids=list(row.account_ids),
        suggested_account_ids=list(listed.suggested_account_ids),
        status=row.status,
        source=row.source,
        person_id=row.person_id,
        created_by=row.created_by,
        created_at=london(row.created_at),
        withdrawn_at=london(row.withdrawn_at),
        withdrawn_by=row.withdrawn_by,
        withdraw_reason=row.withdraw_reason,
    )


def _report(report: CandidateImportReport) -> CandidateImportOut:
    def items(rows: list[dict[str, Any]]) -> list[CandidateImportItem]:
        return [CandidateImportItem.model_validate(row) for row in rows]

    return CandidateImportOut(
        dry_run=report.dry_run,
        source=report.source,
        added=items(report.added),
        updated=items(report.updated),
        unchanged=items(report.unchanged),
        skipped=items(report.skipped),
    )


@router.post(
    "",
    response_model=CandidateOut,
    status_code=201,
    summary="Enter a candidate from the statement of persons nominated (Clerk)",
)
def add_candidate(
    body: CandidateIn, request: Request, response: Response, services: ServicesDep, principal: Clerk
) -> CandidateOut:
    """
    For town and parish elections, which Democracy Club does not cover: the name as the
    statement of persons nominated gives it, and the aliases and handles people use. The
    election must be one of the council's (`GET /v1/elections`) or a ballot of one; the same
    person cannot be entered twice in one election (409).
    """
    listed = candidates.add_candidate(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        election_id=body.election_id,
        name=body.name,
        party=body.party,
        ward=body.ward,
        aliases=body.aliases,
        handles=body.handles,
        now=services.clock(),
        request_id=request_id(request),
    )
    response.headers["Location"] = f"/v1/candidates/{listed.record.id}"
    return _out(listed)


@router.get("", response_model=list[CandidateOut], summary="List candidates, oldest first")
def list_candidates(
    services: ServicesDep,
    principal: Reader,
    election_id: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only those standing in this election (or its ballots), or this ballot.",
        ),
    ] = None,
    status: Annotated[
        Literal["standing", "withdrawn"] | None,
        Query(description="Only those standing, or only those withdrawn."),
    ] = None,
) -> list[CandidateOut]:
    """Candidates entered or imported, withdrawn ones too (with `status: withdrawn`)."""
    found = candidates.list_candidates(
        services.uow,
        services.policy(principal.organisation_id),
        election_id=election_id,
        status=status,
    )
    return [_out(c) for c in found]


@router.get("/{candidate_id}", response_model=CandidateOut, summary="One candidate")
def get_candidate(candidate_id: str, services: ServicesDep, principal: Reader) -> CandidateOut:
    """One candidate, with the accounts suggested for them by name."""
    return _out(
        candidates.get_candidate(
            services.uow, services.policy(principal.organisation_id), candidate_id
        )
    )


@router.post(
    "/{candidate_id}/withdraw",
    response_model=CandidateOut,
    summary="Withdraw a candidate, with a reason (Clerk)",
)
def withdraw_candidate(
    candidate_id: str, body: ReasonIn, request: Request, services: ServicesDep, principal: Clerk
) -> CandidateOut:
    """
    A withdrawal of nomination, or an entry made in error: the candidate stays listed as
    withdrawn, and posts are no longer screened against them.
    """
    return _out(
        candidates.withdraw_candidate(
            services.uow,
            services.policy(principal.organisation_id),
            principal.actor(),
            candidate_id,
            reason=body.reason,
            now=services.clock(),
            request_id=request_id(request),
        )
    )


@router.post(
    "/{candidate_id}/accounts",
    response_model=CandidateOut,
    summary="Link a candidate to an official account they hold (Clerk)",
)
def link_held_account(
    candidate_id: str, body: LinkIn, request: Request, services: ServicesDep, principal: Clerk
) -> CandidateOut:
    """
    The candidate holds this account (the Mayor's page, a member's profile): while their
    election's window is active, its posts go to the Clerk. Only the Clerk links; a name
    match is only a suggestion (`suggested_account_ids`).
    """
    return _out(
        candidates.link_account(
            services.uow,
            services.policy(principal.organisation_id),
            principal.actor(),
            candidate_id,
            body.account_id,
            now=services.clock(),
            request_id=request_id(request),
        )
    )


@router.delete(
    "/{candidate_id}/accounts/{account_id}",
    response_model=CandidateOut,
    summary="Unlink a candidate from an account (Clerk)",
)
def unlink_held_account(
    candidate_id: str, account_id: str, request: Request, services: ServicesDep, principal: Clerk
) -> CandidateOut:
    """Undo a link made in error, or when the candidate no longer holds the account."""
    return _out(
        candidates.unlink_account(
            services.uow,
            services.policy(principal.organisation_id),
            principal.actor(),
            candidate_id,
            account_id,
            now=services.clock(),
            request_id=request_id(request),
        )
    )


async def _capped_body(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            msg = f"the body is larger than the limit of {limit} bytes"
            raise TooLarge(msg)
    return bytes(body)


async def _file(request: Request, services: Services) -> tuple[str, bytes]:
    limit = services.settings.import_max_bytes
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    declared = request.headers.get("content-length", "")
    overhead = _MULTIPART_OVERHEAD if media == "multipart/form-data" else 0
    if declared.isdigit() and int(declared) > limit + overhead:
        msg = f"the body is {int(declared)} bytes; the limit is {limit} (PURDAH_IMPORT_MAX_BYTES)"
        raise TooLarge(msg)
    if media == "multipart/form-data":
        if not declared.isdigit():
            raise LengthRequired()
        try:
            form = await request.form(max_files=1, max_fields=5)
        except HTTPException as exc:
            raise CalendarError(
                where="file", problem=f"not a usable form upload: {exc.detail}"
            ) from None
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise CalendarError(where="file", problem="send the CSV file in the form field `file`")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            msg = f"the file is larger than the limit of {limit} bytes"
            raise TooLarge(msg)
        name = upload.filename or "candidates.csv"
        found = control_character(name)
        if found is not None:
            raise CalendarError(
                where="file", problem=f"its name {describe_control_character(found)}"
            )
        return f"upload {name}", data
    if media in _CSV_TYPES:
        return "uploaded candidate CSV", await _capped_body(request, limit)
    raise UnsupportedMediaType(media or "none", accepted=_ACCEPTED)


def _entries(data: bytes) -> tuple[CandidateEntry, ...]:
    return read_candidate_csv(data, max_rows=MAX_ROWS)


@router.post(
    "/import",
    response_model=CandidateImportOut,
    response_model_exclude_none=True,
    responses={
        411: problem_doc("A file upload without Content-Length."),
        413: problem_doc("The upload is beyond PURDAH_IMPORT_MAX_BYTES."),
        415: problem_doc(f"Send {_ACCEPTED}."),
    },
    summary="Import Democracy Club's candidate CSV (Clerk)",
    openapi_extra=_IMPORT_BODY,
)
async def import_candidates(
    request: Request,
    services: ServicesDep,
    principal: Clerk,
    dry_run: Annotated[
        bool,
        Query(description="Only report what would be added, updated, unchanged or skipped."),
    ] = False,
) -> CandidateImportOut:
    """
    Democracy Club's candidates (candidates.democracyclub.org.uk/data/, or an election's
    `candidates-<election>.csv`): each person on a ballot of one of the council's elections is
    added, or updated where Democracy Club changed their name or party; rows for other
    elections are skipped. Try it with `dry_run=true` first. One import is one transaction and
    one audit event; importing the same file again changes nothing. A malformed row refuses
    the whole file, naming its line. An import never withdraws anyone.
    """
    source, data = await _file(request, services)
    entries = await run_in_threadpool(_entries, data)
    policy = services.policy(principal.organisation_id)
    now = services.clock()
    if dry_run:
        report = await run_in_threadpool(
            lambda: candidate_import.plan_candidate_import(
                services.uow, policy, entries, source=source, now=now
            )
        )
        return _report(report)
    report = await run_in_threadpool(
        lambda: candidate_import.import_candidates(
            services.uow,
            policy,
            principal.actor(),
            entries,
            source=source,
            now=now,
            request_id=request_id(request),
        )
    )
    return _report(report)
