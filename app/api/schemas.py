"""
Request and response bodies (pydantic, edges only). Times go out in Europe/London with
their offset; times coming in must carry an offset.
"""

import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.domain import (
    LONDON,
    AccountKind,
    AccountStatus,
    Category,
    ElectionKind,
    ElectionStatus,
    Reason,
    ReasonCode,
    Window,
)
from app.domain.clock import parse_instant
from app.domain.text import control_character, describe_control_character

__all__ = [
    "AccountOut",
    "AwareDatetime",
    "BatchIn",
    "BatchOut",
    "CheckIn",
    "DecisionOut",
    "ElectionIn",
    "ElectionOut",
    "ElectionPatch",
    "ManualWindowIn",
    "KeyOut",
    "ManualWindowOut",
    "PolicyOut",
    "ReasonOut",
    "TimetableOut",
    "WindowOut",
    "london",
]

NAIVE_MESSAGE = (
    "has no UTC offset: give an RFC 3339 date-time with an offset, "
    "such as 2025-04-01T09:00:00+01:00 or 2025-04-01T08:00:00Z"
)


# The pydantic error type of a naive date-time: app/api/problems.py answers it with
# /problems/naive-datetime.
NAIVE_DATETIME_ERROR = "naive_datetime"


def require_offset(value: dt.datetime) -> dt.datetime:
    """
    `value` if it has a UTC offset and a year in 1950-2199.

    Raises:
        PydanticCustomError: of type `NAIVE_DATETIME_ERROR`, `value` is naive.
        ValueError: the year is out of range.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            NAIVE_DATETIME_ERROR, "{value} " + NAIVE_MESSAGE, {"value": value.isoformat()}
        )
    # the local year first: converting 9999-12-31T23:00-14:00 to UTC would overflow
    if not 1950 <= value.year <= 2199 or not 1950 <= value.astimezone(dt.UTC).year <= 2199:
        msg = f"year {value.year} is outside 1950-2199"
        raise ValueError(msg)
    return value


def _instant_text(value: object) -> object:
    """
    Times come as RFC 3339 text (`parse_instant`, the one parser), never as numbers or digit
    strings (pydantic would read epochs).
    """
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        msg = "give an RFC 3339 date-time as text, such as 2025-04-01T09:00:00+01:00"
        raise ValueError(msg)
    return parse_instant(value)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        msg = f"{value!r} is not a date as YYYY-MM-DD"
        raise ValueError(msg)
    return value


def _modern_date(value: dt.date) -> dt.date:
    if not 1950 <= value.year <= 2199:
        msg = f"the year {value.year} is outside 1950-2199"
        raise ValueError(msg)
    return value


class _MultiLine:
    """Marks free text that may hold line feeds and tabs (see app/domain/text.py)."""


MULTI_LINE = _MultiLine()


def _refuse_control(value: Any, *, multi_line: bool, where: str = "") -> None:
    """Raise for the first string in `value` (nested lists and objects too) holding a control character."""
    if isinstance(value, str):
        found = control_character(value, multi_line=multi_line)
        if found is not None:
            msg = f"{where}{' ' if where else ''}{describe_control_character(found, multi_line=multi_line)}"
            raise ValueError(msg.strip())
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_control(item, multi_line=multi_line, where=f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_control(key, multi_line=False, where=f"{where} key")
            _refuse_control(item, multi_line=multi_line, where=f"{where}.{key}")


def _is_multi_line(annotation: Any) -> bool:
    if any(isinstance(m, _MultiLine) for m in getattr(annotation, "__metadata__", ())):
        return True
    return any(_is_multi_line(arg) for arg in get_args(annotation))


@functools.cache
def _multi_line_field(model: type[BaseModel], name: str) -> bool:
    """Whether a body's field is free text (`Text`, or `Text | None`)."""
    field = model.model_fields.get(name)
    return field is not None and (
        any(isinstance(m, _MultiLine) for m in field.metadata) or _is_multi_line(field.annotation)
    )


AwareDatetime = Annotated[
    dt.datetime, BeforeValidator(_instant_text), AfterValidator(require_offset)
]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text), AfterValidator(_modern_date)]
# Free text: the one kind of field that may hold line feeds and tabs.
Text = Annotated[str, Field(min_length=1, max_length=2000), MULTI_LINE]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


def london(value: dt.datetime | None) -> dt.datetime | None:
    """An instant shown in Europe/London."""
    return value.astimezone(LONDON) if value is not None else None


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _In(BaseModel):
    """
    A request body. No string in it, at any depth, holds a control character, except line
    feeds and tabs in free text (`Text`): app/domain/text.py. A field that breaks this is a
    422 naming it, before anything is read from or written to the database.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or isinstance(value, bool | int | float | dt.date):
            return value
        _refuse_control(value, multi_line=_multi_line_field(cls, info.field_name or ""))
        return value


class ReasonOut(_Out):
    code: ReasonCode = Field(description="Machine-readable reason code.")
    effect: Literal["allow", "refer", "deny", "warn"]
    message: str
    clause: str | None = Field(description="The clause of the council's policy this reason cites.")
    rule: str | None = Field(description="The statute or guidance, where one applies.")
    window_id: str | None = None
    election_ids: list[str] = []
    manual_window_ids: list[str] = []
    override_id: str | None = None

    @classmethod
    def of(cls, reason: Reason) -> "ReasonOut":
        return cls(
            code=reason.code,
            effect=reason.effect.value,
            message=reason.message,
            clause=reason.clause,
            rule=reason.rule,
            window_id=reason.window_id,
            election_ids=list(reason.election_ids),
            manual_window_ids=list(reason.manual_window_ids),
            override_id=reason.override_id,
        )


class WindowOut(_Out):
    window_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime = Field(description="Exclusive: the window is [starts_at, ends_at).")
    election_ids: list[str]
    manual_window_ids: list[str]
    estimated: bool
    description: str

    @classmethod
    def of(cls, window: Window) -> "WindowOut":
        return cls(
            window_id=window.window_id,
            starts_at=london(window.starts_at),
            ends_at=london(window.ends_at),
            election_ids=list(window.election_ids),
            manual_window_ids=list(window.manual_window_ids),
            estimated=window.estimated,
            description=window.describe(),
        )


class DecisionOut(_Out):
    decision_id: str
    account_id: str
    category: str
    at: dt.datetime
    allowed: bool = Field(
        description="True only when outcome is allow. Anything else: do not post."
    )
    outcome: Literal["allow", "refer", "deny"]
    reasons: list[ReasonOut]
    windows: list[WindowOut]
    valid_until: dt.datetime | None = Field(
        description="When the answer for this account and category next changes as time passes; null if never."
    )
    data_version: int
    evaluated_at: dt.datetime
    override_use_recorded: bool | None = Field(
        description=(
            "Whether this decision's reliance on an override is in the audit log: true for a "
            "clerk's or scheduler's key (recorded once per override, account, category and "
            "planned time), false for a viewer's or auditor's key, whose checks are not "
            "recorded because it does not publish; null when no override was relied on."
        )
    )


class _HotIn(BaseModel):
    """
    A body of the hot path (the batch of up to 1,000 checks): validated by pydantic-core
    alone, without the Python check of `_In`, so each string field must refuse control
    characters by its own pattern (`_NO_CONTROL`). tests/unit/test_request_bodies.py holds every
    string field of every body to refusing them.
    """

    model_config = ConfigDict(extra="forbid")


# No control character (Cc) at all, as a pattern pydantic-core checks (app/domain/text.py).
_NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"


class CheckIn(_HotIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": "facebook-redruthtowncouncil",
                    "at": "2029-04-10T09:00:00+01:00",
                    "category": "event",
                }
            ]
        },
    )

    account_id: Annotated[str, Field(min_length=1, max_length=80, pattern=_NO_CONTROL)]
    at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    category: Category = Category.GENERAL


class BatchIn(_HotIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "checks": [
                        {
                            "account_id": "facebook-redruthtowncouncil",
                            "at": "2029-04-10T09:00:00+01:00",
                            "category": "general",
                        },
                        {
                            "account_id": "facebook-mayorofredruth",
                            "at": "2029-04-10T09:00:00+01:00",
                            "category": "emergency",
                        },
                    ]
                }
            ]
        },
    )

    checks: list[CheckIn] = Field(
        min_length=1, max_length=1000, description="At most 1,000 checks, answered in order."
    )


class BatchOut(_Out):
    decisions: list[DecisionOut]


class AccountOut(_Out):
    account_id: str
    platform: str
    name: str
    handle: str | None
    url: str | None
    kind: AccountKind
    status: AccountStatus
    updated_at: dt.datetime


class TimetableOut(_Out):
    """The same keys as `purdah timetable --json`."""

    election_id: str
    kind: str
    country: str | None
    poll_date: dt.date
    notice_of_election_deadline: dt.date | None
    notice_of_election_earliest: dt.date | None
    close_of_nominations: dt.date | None
    sopn_publish_deadline: dt.date | None
    sopn_publish_latest: dt.date | None
    estimated: bool
    notes: list[str]
    dies_non: list[dict[str, str]]
    restricted_period: dict[str, dt.datetime]


class PeriodOut(_Out):
    starts_at: dt.datetime
    ends_at: dt.datetime
    start_basis: str
    end_basis: str
    estimated: bool


class ElectionOut(_Out):
    election_id: str
    kind: ElectionKind
    country: str | None
    poll_date: dt.date
    status: ElectionStatus
    status_reason: str | None
    notice_published: dt.date | None
    starts_at_set: dt.datetime | None = Field(description="A start the Clerk set by hand.")
    ends_at_set: dt.datetime | None = Field(description="An end the Clerk set by hand.")
    end_reason: str | None
    source: str | None
    restricted_period: PeriodOut | None
    timetable: TimetableOut | None = None


class ElectionIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "election_id": "parish.redruth.north.by.2027-02-11",
                    "notice_published": "2027-01-05",
                    "source": "Cornwall Council notice of election",
                }
            ]
        },
    )

    election_id: Annotated[str, Field(min_length=1, max_length=200)]
    poll_date: IsoDate | None = Field(default=None, description="Must equal the date in the id.")
    kind: ElectionKind | None = None
    notice_published: IsoDate | None = None
    source: Annotated[str, Field(max_length=2000)] | None = None


class ElectionPatch(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "notice_published": "2029-03-16",
                    "notice_reason": "Notice of election published on Cornwall Council's website",
                },
                {"status": "uncontested", "status_reason": "One candidate for one seat"},
            ]
        },
    )

    notice_published: IsoDate | None = Field(
        default=None,
        description="The day the notice of election was published: within the legal window "
        "(never after the statutory latest day), with `notice_reason`.",
    )
    notice_reason: Text | None = None
    status: Literal["scheduled", "held", "uncontested", "countermanded", "cancelled"] | None = None
    status_reason: Text | None = None
    starts_at: AwareDatetime | None = None
    start_reason: Text | None = None
    ends_at: AwareDatetime | None = None
    end_reason: Text | None = None


class ManualWindowIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "starts_at": "2027-06-01T00:00:00+01:00",
                    "ends_at": "2027-06-08T00:00:00+01:00",
                    "reason": "Content under review by the Town Clerk",
                    "account_ids": ["facebook-mayorofredruth"],
                }
            ]
        },
    )

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Text
    account_ids: Annotated[list[Slug], Field(min_length=1)] | None = Field(
        default=None, max_length=500, description="Null: every account."
    )


class ManualWindowOut(_Out):
    window_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    account_ids: list[str] | None
    created_by: str
    created_at: dt.datetime


class PolicyOut(_Out):
    organisation_id: str
    organisation_name: str
    country: str
    election_scopes: list[str]
    clauses: dict[str, str]
    categories: dict[str, list[str]]
    reason_clauses: dict[str, str]
    caution_margin_days: int
    general_election_start: str
    end_extension_hours: float
    warning_horizon_days: float
    official_email_domains: list[str]
    next_review_due: dt.date | None
    review_overdue: bool
    max_override_days: float
    override_needs_second_clerk: bool


def _not_all(value: str) -> str:
    if value == "all":
        msg = "'all' is reserved: an override for `all` covers every account"
        raise ValueError(msg)
    return value


class AccountIn(_In):
    """A proposed account: it is `pending` until the Town Clerk approves it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": "tiktok-redruth",
                    "platform": "tiktok",
                    "name": "Redruth Town Council on TikTok",
                    "kind": "profile",
                    "contact_email": "comms@redruth.gov.uk",
                    "url": "https://www.tiktok.com/@redruthtc",
                    "reason": "Proposed by the communications officer to reach younger residents",
                }
            ]
        },
    )

    account_id: Annotated[Slug, AfterValidator(_not_all)]
    platform: Slug
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["page", "profile", "company-page", "podcast"]
    contact_email: Annotated[
        str,
        Field(
            min_length=3,
            max_length=320,
            description="On one of the policy's official email domains.",
        ),
    ]
    handle: Annotated[str, Field(max_length=200)] | None = None
    url: Annotated[str, Field(max_length=500, pattern=r"^https://")] | None = None
    reason: Text


class ReasonIn(_In):
    """Every move of the Clerk's carries a reason, kept in the audit log."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Approved at the Clerk's weekly review"}]},
    )

    reason: Text


class OverrideIn(_In):
    """The Clerk's written permission to publish inside a window; it must end."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": "facebook-redruthtowncouncil",
                    "starts_at": "2029-04-10T09:00:00+01:00",
                    "ends_at": "2029-04-12T17:00:00+01:00",
                    "categories": ["event"],
                    "reason": "Murdoch Day street fair: factual event notice, approved by the Town Clerk",
                }
            ]
        },
    )

    account_id: Annotated[
        str,
        Field(
            min_length=1, max_length=80, description="An account id, or `all` for every account."
        ),
    ]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    categories: Annotated[list[Category], Field(min_length=1)] | None = Field(
        default=None, description="Null: every category but the never-permitted ones."
    )
    reason: Text


class OverrideOut(_Out):
    override_id: str
    account_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    categories: list[str] | None
    anchors: list[str] = Field(
        description="The restrictions it was granted against (`election:<id>`, `manual:<window id>`): "
        "it lifts only these, so a window added later needs an override of its own."
    )
    reason: str
    granted_by: str
    created_at: dt.datetime
    confirmed: bool
    revoked_at: dt.datetime | None
    revoke_reason: str | None
    in_force: bool = Field(description="Confirmed where required, not revoked, and not yet ended.")


class DiesNonIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"date": "2029-04-16", "name": "Day of national mourning (appointed)"}]
        },
    )

    date: IsoDate
    name: Name


class DiesNonOut(_Out):
    date: dt.date
    name: str


class ManualWindowPatch(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"ends_at": "2027-06-05T00:00:00+01:00", "change_reason": "Review finished early"}
            ]
        },
    )

    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    reason: Text | None = None
    account_ids: Annotated[list[Slug], Field(min_length=1)] | None = None
    change_reason: Text


class AuditEventOut(_Out):
    seq: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    target: str
    reason: str | None
    before: Any
    after: Any
    request_id: str | None
    prev_hash: str
    hash: str


class AuditPage(_Out):
    events: list[AuditEventOut]
    next_after_seq: int | None = Field(
        description="Pass as `after_seq` for the next page; null at the end."
    )


class AuditVerifyOut(_Out):
    ok: bool
    events: int
    broken_at_seq: int | None
    problem: str | None


class FeedTokenIn(_In):
    """A secret feed URL for one person or calendar, for the council's feed or one account's."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Office shared Outlook calendar"},
                {"name": "Library team (Google)", "account_id": "library-facebook"},
            ]
        },
    )

    name: Name
    account_id: Slug | None = Field(
        default=None, description="Only this account's windows (its own manual windows too)."
    )


class FeedTokenOut(_Out):
    token_id: str
    name: str
    account_id: str | None
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class KeyOut(_Out):
    """An API key as the Clerk sees it: never its secret."""

    key_id: str = Field(description="The part after `pdh_`; `purdah keys revoke <key_id>`.")
    name: str
    role: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = Field(
        default=None, description="The latest successful authentication, to within a minute."
    )


class NewFeedTokenOut(FeedTokenOut):
    """The token and its URL are shown once, now; only a hash is kept."""

    token: str
    url: str = Field(description="Subscribe to this URL in Outlook, Google or Apple Calendar.")


class ImportIn(_In):
    """
    One source of elections, as JSON: a calendar URL the server fetches, a list of Democracy
    Club election ids, or EveryElection's election objects pasted as they came (the `results`
    of https://elections.democracyclub.org.uk/api/elections/). To upload an ICS file, send it
    as `multipart/form-data` (field `file`) or as a `text/calendar` body instead.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"election_ids": ["local.cornwall.2029-05-03", "parish.redruth.2029-05-03"]},
                {"url": "https://whocanivotefor.co.uk/elections/TR151AA.ics"},
                {
                    "elections": [
                        {
                            "election_id": "local.cornwall.2025-05-01",
                            "poll_open_date": "2025-05-01",
                            "election_type": {"election_type": "local", "name": "Local elections"},
                            "cancelled": False,
                            "cancellation_reason": None,
                            "replaced_by": None,
                        }
                    ]
                },
            ]
        },
    )

    url: Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")] | None = None
    election_ids: (
        Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=1000)]
        | None
    ) = None
    elections: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=5000)] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "ImportIn":
        given = [
            name for name in ("url", "election_ids", "elections") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            msg = "give exactly one source: url, election_ids or elections"
            raise ValueError(msg)
        return self


class ImportItem(_Out):
    """One entry of the source and what became of it."""

    model_config = ConfigDict(extra="forbid")

    where: str = Field(description="The line of the calendar or the item of the list.")
    election_id: str | None = None
    ballot: str | None = Field(
        default=None, description="The ballot id the source gave, when it is part of `election_id`."
    )
    uid: str | None = None
    summary: str | None = None
    poll_date: dt.date | None = None
    kind: str | None = None
    how: str | None = Field(default=None, description="How the election was recognised.")
    status: str | None = None
    replaces: str | None = Field(
        default=None, description="The election this one replaces (a moved poll)."
    )
    changes: dict[str, list[Any]] | None = Field(
        default=None, description="Each changed field: [before, after]."
    )
    reason: str | None = None
    note: str | None = None


class ImportOut(_Out):
    """What an import did, or with `dry_run=true` would do. Nothing is written on a dry run."""

    dry_run: bool
    source: str
    created: list[ImportItem]
    changed: list[ImportItem]
    unchanged: list[ImportItem]
    skipped: list[ImportItem]
    rejected: list[ImportItem]


class ScheduleIn(_In):
    """Recurring scheduled elections: an RFC 5545 RRULE from `dtstart`, which must end (COUNT or UNTIL)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Redruth Town Council ordinary elections",
                    "election_prefix": "parish.redruth",
                    "rrule": "FREQ=YEARLY;INTERVAL=4;BYMONTH=5;BYDAY=1TH;UNTIL=20450601",
                    "dtstart": "2029-05-03",
                }
            ]
        },
    )

    name: Name
    election_prefix: Annotated[
        str,
        Field(
            pattern=r"^[a-z]+(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$",
            max_length=180,
            description="The election id without its date: `parish.redruth`, `local.cornwall`.",
        ),
    ]
    rrule: Annotated[str, Field(min_length=1, max_length=300)]
    dtstart: IsoDate
    exdates: Annotated[list[IsoDate], Field(max_length=100)] = Field(
        default_factory=list, description="Polls that will not happen on the rule's day (moved)."
    )
    rdates: Annotated[list[IsoDate], Field(max_length=100)] = Field(
        default_factory=list, description="Polls on days outside the rule (where a poll moved to)."
    )


class ScheduleOut(_Out):
    schedule_id: str
    name: str
    election_prefix: str
    rrule: str
    dtstart: dt.date
    exdates: list[dt.date]
    rdates: list[dt.date]
    horizon_until: dt.date
    elections: ImportOut | None = Field(
        default=None, description="What creating the schedule did (or would do, on a dry run)."
    )


class OrganisationIn(_In):
    """A council to add: its policy file, in the policy folder, names it and its accounts."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"policy_file": "penryn.yaml"}]}
    )

    policy_file: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,78}\.ya?ml$")]


class OrganisationOut(_Out):
    organisation_id: str
    name: str
    country: str
    policy_file: str
    created_at: dt.datetime | None = None
    accounts: int | None = Field(
        default=None, description="Accounts seeded from the policy's appendix."
    )
    elections: int | None = Field(default=None, description="Shipped elections that affect it.")
    first_clerk_key: str | None = Field(
        default=None,
        description="The new council's first Clerk key, shown once: hand it to the Town Clerk.",
    )
