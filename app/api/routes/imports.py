"""Bringing elections in: imports from calendars, ids and EveryElection, and recurring schedules."""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from app.calendars import (
    CalendarError,
    TooLarge,
    entries_from_election_ids,
    entries_from_everyelection,
    read_ics,
    refuse_control_characters,
)
from app.calendars.fetch import fetch_calendar
from app.calendars.recurrence import poll_dates
from app.domain import LONDON, ElectionKind
from app.domain.sources import SourceEntry
from app.services import imports, schedules
from app.services.imports import ImportReport
from app.store.records import StoredSchedule

from ..deps import Clerk, Reader, Services, ServicesDep, request_id
from ..problems import LengthRequired, UnsupportedMediaType, problem_doc
from ..schemas import ImportIn, ImportItem, ImportOut, ScheduleIn, ScheduleOut

router = APIRouter(prefix="/v1/elections", tags=["elections"])
# the import counts its own bytes against PURDAH_IMPORT_MAX_BYTES (app/api/limits.py skips it)
IMPORT_PATH = "/v1/elections/import"

_ICS_TYPES = ("text/calendar", "application/octet-stream", "text/plain")
# A multipart body carries its boundaries and headers besides the file.
_MULTIPART_OVERHEAD = 64 * 1024

DryRun = Annotated[
    bool, Query(description="Only report what would be created, changed, skipped or rejected.")
]

_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "An ICS file (multipart field `file`, or the raw `text/calendar` body), "
        "or one JSON source: `url`, `election_ids` or `elections` (EveryElection objects).",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "An iCalendar (.ics) file.",
                        }
                    },
                }
            },
            "text/calendar": {"schema": {"type": "string"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/ImportIn"}},
        },
    }
}


def _out(report: ImportReport) -> ImportOut:
    def items(rows: list[dict[str, Any]]) -> list[ImportItem]:
        return [ImportItem.model_validate(row) for row in rows]

    return ImportOut(
        dry_run=report.dry_run,
        source=report.source,
        created=items(report.created),
        changed=items(report.changed),
        unchanged=items(report.unchanged),
        skipped=items(report.skipped),
        rejected=items(report.rejected),
    )


async def _capped_body(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            msg = f"the body is larger than the limit of {limit} bytes"
            raise TooLarge(msg)
    return bytes(body)


async def _entries(request: Request, services: Services) -> tuple[str, tuple[SourceEntry, ...]]:
    settings = services.settings
    limit = settings.import_max_bytes
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    declared = request.headers.get("content-length", "")
    overhead = _MULTIPART_OVERHEAD if media == "multipart/form-data" else 0
    if declared.isdigit() and int(declared) > limit + overhead:
        msg = f"the body is {int(declared)} bytes; the limit is {limit}"
        raise TooLarge(msg)
    if media == "multipart/form-data":
        if not declared.isdigit():
            # the form parser would spool a file of any size to disk before we could count it
            raise LengthRequired()
        try:
            form = await request.form(max_files=1, max_fields=5)
        except HTTPException as exc:  # Starlette's multipart limits and parse errors
            raise CalendarError(
                where="file", problem=f"not a usable form upload: {exc.detail}"
            ) from None
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise CalendarError(where="file", problem="send the ICS file in the form field `file`")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            msg = f"the file is larger than the limit of {limit} bytes"
            raise TooLarge(msg)
        name = upload.filename or "upload"
        entries = await run_in_threadpool(read_ics, data, max_events=settings.import_max_events)
        return f"upload {name}", entries
    if media in _ICS_TYPES:
        data = await _capped_body(request, limit)
        entries = await run_in_threadpool(read_ics, data, max_events=settings.import_max_events)
        return "uploaded calendar", entries
    if media == "application/json":
        raw = await _capped_body(request, limit)
        try:
            source = ImportIn.model_validate_json(raw)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None
        if source.url is not None:
            data = await run_in_threadpool(
                fetch_calendar,
                source.url,
                timeout=settings.import_url_timeout,
                max_bytes=limit,
                allow_private=settings.import_allow_private_urls,
            )
            try:
                entries = await run_in_threadpool(
                    read_ics, data, max_events=settings.import_max_events
                )
            except CalendarError as exc:
                raise CalendarError(where=f"url, {exc.where}", problem=exc.problem) from None
            return f"url {source.url}", entries
        if source.election_ids is not None:
            return "election ids", entries_from_election_ids(source.election_ids)
        if source.elections is not None:
            return "EveryElection objects", entries_from_everyelection(source.elections)
    raise UnsupportedMediaType(media or "none")


@router.post(
    "/import",
    response_model=ImportOut,
    response_model_exclude_none=True,
    responses={
        411: problem_doc("A file upload without Content-Length."),
        413: problem_doc("The upload, the download or its number of events is beyond the limit."),
        415: problem_doc("Send multipart/form-data, text/calendar or application/json."),
    },
    summary="Import elections from an ICS file or URL, Democracy Club ids or EveryElection (Clerk)",
    openapi_extra=_IMPORT_BODY,
)
async def import_elections(
    request: Request,
    services: ServicesDep,
    principal: Clerk,
    dry_run: DryRun = False,
    kind: Annotated[
        ElectionKind | None,
        Query(
            description="Confirm events that only say 'polling day' as this kind of election "
            "(e.g. parish: `parish.redruth.<date>`)."
        ),
    ] = None,
) -> ImportOut:
    """
    Bring elections in from a source: a WhoCanIVoteFor postcode feed, a council's own calendar
    (`X-PURDAH-ELECTION-ID`, `CATEGORIES` or the description naming the id), a plain calendar
    of polling days (confirmed with `kind`), Democracy Club election ids, or EveryElection's
    election objects. Try it with `dry_run=true` first. One import is one transaction and one
    audit event; importing the same source again changes nothing. A cancellation or a moved
    poll never lifts a restricted period by itself (the Clerk ends it, with a reason).
    """
    source, entries = await _entries(request, services)
    refuse_control_characters(source, entries)
    policy = services.policy(principal.organisation_id)
    now = services.clock()
    if dry_run:
        report = await run_in_threadpool(
            lambda: imports.plan_import(
                services.uow, policy, entries, source=source, kind=kind, now=now
            )
        )
        return _out(report)
    report = await run_in_threadpool(
        lambda: imports.import_elections(
            services.uow,
            policy,
            principal.actor(),
            entries,
            source=source,
            kind=kind,
            now=now,
            request_id=request_id(request),
        )
    )
    return _out(report)


def _years_after(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _schedule_out(row: StoredSchedule, report: ImportReport | None = None) -> ScheduleOut:
    return ScheduleOut(
        schedule_id=row.id,
        name=row.name,
        election_prefix=row.election_prefix,
        rrule=row.rrule,
        dtstart=row.dtstart,
        exdates=[dt.date.fromisoformat(d) for d in row.exdates],
        rdates=[dt.date.fromisoformat(d) for d in row.rdates],
        horizon_until=row.horizon_until,
        elections=_out(report) if report is not None else None,
    )


@router.get(
    "/schedules",
    response_model=list[ScheduleOut],
    summary="Recurring scheduled elections",
)
def list_schedules(services: ServicesDep, principal: Reader) -> list[ScheduleOut]:
    """The schedules the Clerk set up; their elections are listed with the others."""
    return [
        _schedule_out(row)
        for row in schedules.list_schedules(services.uow, principal.organisation_id)
    ]


@router.post(
    "/schedules",
    response_model=ScheduleOut,
    response_model_exclude_none=True,
    status_code=201,
    responses={200: {"model": ScheduleOut, "description": "A dry run: what would be created."}},
    summary="Set up recurring scheduled elections with an RFC 5545 RRULE (Clerk)",
)
def create_schedule(
    body: ScheduleIn,
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: Clerk,
    dry_run: DryRun = False,
) -> ScheduleOut:
    """
    Creates the elections the rule makes from `dtstart` up to the horizon
    (`PURDAH_SCHEDULE_HORIZON_YEARS`, 10 by default), each an ordinary election the Clerk can
    edit. A poll moved by order is an `exdates` entry for the day it left and an `rdates`
    entry (or a one-off election) for the day it moved to. The rule must end (COUNT or UNTIL).
    """
    now = services.clock()
    horizon = _years_after(now.astimezone(LONDON).date(), services.settings.schedule_horizon_years)
    dates = poll_dates(
        body.rrule,
        dtstart=body.dtstart,
        exdates=body.exdates,
        rdates=body.rdates,
        until=horizon,
    )
    schedule, report = schedules.create_schedule(
        services.uow,
        services.policy(principal.organisation_id),
        principal.actor(),
        name=body.name,
        election_prefix=body.election_prefix,
        rrule=body.rrule,
        dtstart=body.dtstart,
        exdates=body.exdates,
        rdates=body.rdates,
        poll_dates=dates,
        horizon_until=horizon,
        dry_run=dry_run,
        now=now,
        request_id=request_id(request),
    )
    if dry_run:
        response.status_code = 200  # nothing was created
    else:
        response.headers["Location"] = "/v1/elections/schedules"
    return _schedule_out(schedule, report)
