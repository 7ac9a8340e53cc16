"""
The console's forms as the server reads them: each field's text kept as typed (so a form
with an error comes back with nothing lost), and the errors in the order of the page.

Dates and times are London wall-clock time (`app.domain.clock.london_instant`, the one
place civil days become instants); the rules themselves are the services'.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from pydantic import TypeAdapter, ValidationError

from app.api.schemas import Name, Text
from app.domain import LONDON, Category, Policy, london_instant
from app.domain.text import control_character, describe_control_character

__all__ = [
    "FormErrors",
    "OverrideForm",
    "WindowForm",
    "category_label",
    "check_text",
    "dom_id",
    "grantable_categories",
    "optional_instant",
    "parse_date",
    "read_instant",
]

# What a browser without a date picker may send, as people in the UK write it: 9/4/2029.
_UK_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")


def category_label(category: str) -> str:
    """ "service-information" as a person reads it: "service information"."""
    return category.replace("-", " ")


def grantable_categories(policy: Policy) -> list[Category]:
    """What an override may allow: the referred categories first, then the rest the policy
    denies inside a window; never a permitted or a never-permitted one."""
    referred = sorted(policy.referred)
    denied = sorted(set(Category) - policy.permitted - policy.referred - policy.never_permitted)
    return [*referred, *denied]


@dataclass
class FormErrors:
    """Field id -> message, in the order the fields are on the page."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.messages.setdefault(field_id, message)

    def __bool__(self) -> bool:
        return bool(self.messages)


def parse_date(text: str) -> dt.date | None:
    """An ISO date (what a date input sends) or a UK one (9/4/2029); None if neither."""
    text = text.strip()
    match = _UK_DATE.fullmatch(text)
    try:
        if match is not None:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text) if len(text) == 10 and text[4] == "-" else None
    except ValueError:
        return None


_TEXT: TypeAdapter[str] = TypeAdapter(Text)
_NAME: TypeAdapter[str] = TypeAdapter(Name)


def check_text(
    errors: FormErrors, field_id: str, value: str, *, what: str, name: bool = False
) -> None:
    """
    Refuse what the API refuses in the same field: longer than its schema allows (`Text`,
    2000 characters; `Name`, 200) or holding a control character (`Name` allows none, `Text`
    only line feeds and tabs). An empty value is left to the form's own message.
    """
    if not value.strip():
        return
    found = control_character(value, multi_line=not name)
    if found is not None:
        errors.add(field_id, f"{what} {describe_control_character(found, multi_line=not name)}")
        return
    try:
        (_NAME if name else _TEXT).validate_python(value)
    except ValidationError as exc:
        limit = next((e.get("ctx", {}).get("max_length") for e in exc.errors()), None)
        errors.add(field_id, f"{what} must be {limit} characters or fewer")


def dom_id(identifier: str) -> str:
    """An id made safe to use in an HTML id and a link to it ("local.cornwall.2029-05-03"
    becomes "local-cornwall-2029-05-03")."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", identifier)


def _time(text: str) -> dt.time | None:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = (int(g) for g in match.groups())
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def read_instant(
    which: str, date_text: str, time_text: str, errors: FormErrors, prefix: str = ""
) -> dt.datetime | None:
    """
    A date and a time typed in London time, as an instant; or errors on the fields
    `{prefix}{which}-date` and `{prefix}{which}-time` that are missing or not readable.
    """
    day, time = parse_date(date_text), _time(time_text)
    if not date_text.strip():
        errors.add(f"{prefix}{which}-date", f"Enter the {which} date")
    elif day is None or not 1950 <= day.year <= 2199:
        errors.add(f"{prefix}{which}-date", f"Enter the {which} date as a real date, like 9/4/2029")
    if not time_text.strip():
        errors.add(f"{prefix}{which}-time", f"Enter the {which} time")
    elif time is None:
        errors.add(f"{prefix}{which}-time", f"Enter the {which} time in 24-hour form, like 09:00")
    if day is None or time is None or not 1950 <= day.year <= 2199:
        return None
    return _on_the_clock(day, time, errors, f"{prefix}{which}-time")


def _on_the_clock(
    day: dt.date, time: dt.time, errors: FormErrors, time_id: str
) -> dt.datetime | None:
    """
    The instant a London clock shows `time` on `day`; an error on the time's field when the
    clock never shows it (the hour the clocks go forward skips). In the hour they go back,
    which a London clock shows twice, it is the first time (still summer time).
    """
    instant = london_instant(day, time)
    shown = instant.astimezone(LONDON)
    if (shown.date(), shown.time()) != (day, time):
        errors.add(
            time_id,
            f"{time:%H:%M} does not happen in the UK on {day:%d/%m/%Y}: the clocks go forward "
            "an hour at 01:00. Enter a time before 01:00 or from 02:00",
        )
        return None
    return instant


@dataclass
class OverrideForm:
    """The grant-an-override form, as typed."""

    account: str = ""
    categories: list[str] = field(default_factory=list)
    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    reason: str = ""

    def instants(self, errors: FormErrors) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The start and end as instants, or errors on the fields that are not readable."""
        return (
            self._instant("start", self.start_date, self.start_time, errors),
            self._instant("end", self.end_date, self.end_time, errors),
        )

    @staticmethod
    def _instant(
        which: str, date_text: str, time_text: str, errors: FormErrors
    ) -> dt.datetime | None:
        return read_instant(which, date_text, time_text, errors)

    def check(self, policy: Policy, account_ids: set[str]) -> FormErrors:
        """What the form itself can tell is missing or unreadable (the service checks the rest)."""
        errors = FormErrors()
        if self.account != "all" and self.account not in account_ids:
            errors.add("account", "Select an account, or all accounts")
        allowed = {str(c) for c in grantable_categories(policy)}
        if not self.categories:
            errors.add("categories", "Select at least one kind of post to allow")
        elif not set(self.categories) <= allowed:
            errors.add("categories", "Select only kinds of post an override can allow")
        starts_at, ends_at = self.instants(errors)
        if starts_at is not None and ends_at is not None and ends_at <= starts_at:
            errors.add("end-date", "The end must be after the start")
        if not self.reason.strip():
            errors.add("reason", "Enter the reason for the override")
        check_text(errors, "reason", self.reason, what="The reason")
        return errors


@dataclass
class WindowForm:
    """
    A manual window as typed: its start and end (London time), its reason, and the accounts
    it restricts (`scope` "all", or "some" with `accounts` ticked). `prefix` namespaces the
    field ids of a window's own change form in the list ("window-mw-1a2b-").
    """

    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    reason: str = ""
    scope: str = "all"
    accounts: list[str] = field(default_factory=list)
    change_reason: str = ""
    prefix: str = ""

    def instants(self, errors: FormErrors) -> tuple[dt.datetime | None, dt.datetime | None]:
        return (
            read_instant("start", self.start_date, self.start_time, errors, self.prefix),
            read_instant("end", self.end_date, self.end_time, errors, self.prefix),
        )

    def account_ids(self) -> list[str] | None:
        """None: every account (the service's meaning)."""
        return None if self.scope == "all" else list(self.accounts)

    def check(self, account_ids: set[str], *, changing: bool = False) -> FormErrors:
        """What the form can tell is missing or unreadable; the service checks the rest."""
        errors = FormErrors()
        p = self.prefix
        starts_at, ends_at = self.instants(errors)
        if starts_at is not None and ends_at is not None and ends_at <= starts_at:
            errors.add(f"{p}end-date", "The end must be after the start")
        if not self.reason.strip():
            errors.add(f"{p}reason", "Enter the reason for the restriction")
        check_text(errors, f"{p}reason", self.reason, what="The reason")
        if self.scope not in ("all", "some"):
            errors.add(f"{p}scope", "Choose all accounts, or some")
        elif self.scope == "some" and not self.accounts:
            errors.add(f"{p}scope", "Select at least one account, or choose all accounts")
        elif not set(self.accounts) <= account_ids:
            errors.add(f"{p}scope", "Select only the listed accounts")
        if changing and not self.change_reason.strip():
            errors.add(f"{p}change-reason", "Enter why you are changing the restriction")
        check_text(errors, f"{p}change-reason", self.change_reason, what="Why you change it")
        return errors


def optional_instant(
    label: str, date_text: str, time_text: str, errors: FormErrors, *, date_id: str, time_id: str
) -> dt.datetime | None:
    """
    A date and time the form may leave out (both empty: None), as a London instant; an
    error on the field that is missing or not readable when only one is given.
    """
    if not date_text.strip() and not time_text.strip():
        return None
    day, time = parse_date(date_text), _time(time_text)
    if not date_text.strip():
        errors.add(date_id, f"Enter the {label} date, or leave its time empty too")
    elif day is None or not 1950 <= day.year <= 2199:
        errors.add(date_id, f"Enter the {label} date as a real date, like 9/4/2029")
    if not time_text.strip():
        errors.add(time_id, f"Enter the {label} time, or leave its date empty too")
    elif time is None:
        errors.add(time_id, f"Enter the {label} time in 24-hour form, like 09:00")
    if day is None or time is None or not 1950 <= day.year <= 2199:
        return None
    return _on_the_clock(day, time, errors, time_id)
