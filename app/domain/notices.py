"""
Events in words: the notice a person reads of each webhook event (Teams cards, email).

`notice_of(payload)` turns an event payload (`{"type", "timestamp", "data"}`, as the outbox
and the scheduler write it) into a `Notice`: a title, a one-paragraph summary, facts as
label and value, lines of guidance (what is still allowed, what needs the Clerk, what never
is, whom to ask) and the API path of the object. Instants are shown in Europe/London, in
words ("Friday 14 March 2025 at 00:00"), whatever offset the payload carries.

Pure: no I/O, no clock, no locale (day and month names are spelt here), and it never raises
on a payload it cannot read: an unknown type, a missing field or a malformed time still
gives a notice, with what could be read. Nothing of any one council is written here: names,
categories and links all come from the payload.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.domain.clock import LONDON

__all__ = ["WHO_TO_ASK", "Notice", "notice_of"]

WHO_TO_ASK = "Who to ask: the Clerk (approval requests: POST /v1/requests)"

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True, slots=True)
class Notice:
    """
    One event as a person reads it.

    Attributes:
        title: one line, the event in a few words ("Pre-election period starts ...").
        summary: a sentence or two saying what happened or will happen, and to whom.
        facts: (label, value) pairs, in the order to show them.
        guidance: lines of what to do now (allowed, referred, never allowed, whom to ask).
        link: the API path of the object the event is about (relative), if any.
    """

    title: str
    summary: str
    facts: tuple[tuple[str, str], ...] = ()
    guidance: tuple[str, ...] = ()
    link: str | None = None


# --- reading a payload: every reader answers something, never raises ---------------------


def _mapping(value: object) -> Mapping[str, object]:
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return {}


def _text(value: object) -> str | None:
    """A scalar as text; None for null, empty text, a list or a mapping."""
    if value is None or isinstance(value, Mapping | list | tuple):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip()
    return text or None


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(t for t in (_text(v) for v in value) if t is not None)


def _instant(value: object) -> dt.datetime | None:
    """An aware instant from ISO 8601 text (or a datetime); None if it names none."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(LONDON)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


# --- words ------------------------------------------------------------------------------


def _day(day: dt.date) -> str:
    """`Friday 14 March 2025`."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _clock(instant: dt.datetime) -> str:
    return f"{instant.hour:02d}:{instant.minute:02d}"


def _at(value: object) -> str | None:
    """`Friday 14 March 2025 at 00:00` in London time; the text itself if it is no instant."""
    instant = _instant(value)
    if instant is None:
        return _text(value)
    return f"{_day(instant.date())} at {_clock(instant)}"


def _until(value: object) -> str | None:
    """`22:00 on Thursday 7 May 2026` in London time; the text itself if it is no instant."""
    instant = _instant(value)
    if instant is None:
        return _text(value)
    return f"{_clock(instant)} on {_day(instant.date())}"


def _readable(name: str) -> str:
    """A code as words: `statutory_notice`, `statutory-notice` -> `statutory notice`."""
    return name.replace("_", " ").replace("-", " ").strip()


def _listed(items: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _a(words: str) -> str:
    """`a post`, `an event post`."""
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"


def _categories(value: object) -> str:
    return _listed([_readable(c) for c in _texts(value)])


def _facts(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    """The pairs that have a value."""
    return tuple((label, value) for label, value in pairs if value)


def _organisation(data: Mapping[str, object]) -> str:
    return (
        _text(data.get("organisation_name"))
        or _text(data.get("organisation_id"))
        or "The organisation"
    )


def _late(data: Mapping[str, object]) -> str:
    """` (late: due at ...)` for an event sent after its instant, else nothing."""
    if data.get("late") is not True:
        return ""
    due = _at(data.get("due_at"))
    return f" (late: due at {due})" if due else " (late)"


def _guidance(value: object) -> tuple[str, ...]:
    guidance = _mapping(value)
    lines = []
    for key, words in (
        ("permitted", "Still allowed"),
        ("referred", "Needs the Clerk's approval"),
        ("never_permitted", "Never allowed"),
    ):
        listed = _categories(guidance.get(key))
        if listed:
            lines.append(f"{words}: {listed}")
    return (*lines, WHO_TO_ASK)


def _account(value: object) -> str:
    account = _text(value)
    return f"account {account}" if account else "all accounts"


# --- the notice of each event type ------------------------------------------------------

_Data = Mapping[str, object]


def _period_name(window: _Data) -> str:
    return "Pre-election period" if _texts(window.get("election_ids")) else "Restricted period"


def _window_facts(data: _Data, window: _Data) -> tuple[tuple[str, str], ...]:
    starts = _at(window.get("starts_at"))
    if starts and window.get("estimated") is True:
        starts += " (estimated)"
    return _facts(
        ("Organisation", _organisation(data)),
        ("Starts", starts),
        ("Ends", _at(window.get("ends_at"))),
        ("Elections", ", ".join(_texts(window.get("election_ids")))),
        ("Windows set by the Clerk", ", ".join(_texts(window.get("manual_window_ids")))),
        ("Window", _text(window.get("window_id"))),
    )


def _described(window: _Data) -> str:
    description = _text(window.get("description"))
    return f" {description.rstrip('.')}." if description else ""


def _window_upcoming(data: _Data) -> Notice:
    window = _mapping(data.get("window"))
    name = _period_name(window)
    starts = _at(window.get("starts_at")) or "soon"
    until = _until(window.get("ends_at"))
    estimated = (
        " The start is estimated: it moves when the notice of election is published."
        if window.get("estimated") is True
        else ""
    )
    return Notice(
        title=f"{name} starts {starts}",
        summary=f"{_organisation(data)}: restricted from {starts}"
        + (f" until {until}." if until else ".")
        + _described(window)
        + estimated
        + _late(data),
        facts=_window_facts(data, window),
        guidance=_guidance(data.get("guidance")),
        link=_text(data.get("link")),
    )


def _window_started(data: _Data) -> Notice:
    window = _mapping(data.get("window"))
    name = _period_name(window)
    until = _until(window.get("ends_at"))
    restricted = f"Restricted until {until}" if until else "Restricted until further notice"
    return Notice(
        title=f"{name} has started",
        summary=f"{restricted}: {_organisation(data)}'s official accounts publish only what "
        "the policy still allows." + _described(window) + _late(data),
        facts=_window_facts(data, window),
        guidance=_guidance(data.get("guidance")),
        link=_text(data.get("link")),
    )


def _window_ended(data: _Data) -> Notice:
    window = _mapping(data.get("window"))
    name = _period_name(window)
    ended = _until(window.get("ends_at"))
    return Notice(
        title=f"{name} ended" + (f" at {ended}" if ended else ""),
        summary=f"{_organisation(data)}: the restrictions of this period no longer apply; "
        "other windows and an account's own status still do." + _described(window) + _late(data),
        facts=_window_facts(data, window),
        guidance=(WHO_TO_ASK,),
        link=_text(data.get("link")),
    )


def _span(value: object) -> str | None:
    span = _mapping(value)
    starts, ends = _at(span.get("starts_at")), _until(span.get("ends_at"))
    if not starts and not ends:
        return None
    return f"from {starts or 'an open start'} until {ends or 'further notice'}"


def _window_changed(data: _Data) -> Notice:
    manual = data.get("kind") == "manual"
    window_id = _text(data.get("window_id"))
    if manual:
        subject = f"Window {window_id} set by the Clerk" if window_id else "A Clerk's window"
    else:
        subject = f"Pre-election period of {_text(data.get('election_id')) or 'an election'}"
    change = _text(data.get("change")) or "changed"
    now, was = _span(data.get("after")), _span(data.get("before"))
    if change == "removed" or now is None:
        summary = f"{subject} was removed" + (f" (it ran {was})." if was else ".")
    else:
        summary = f"{subject} now runs {now}" + (f" (was {was})." if was else ".")
    return Notice(
        title=f"{subject} {change}",
        summary=summary,
        facts=_facts(
            ("Organisation", _organisation(data)),
            ("Change", change),
            ("Now", now),
            ("Was", was),
            ("Reason", _text(data.get("reason"))),
        ),
        guidance=(WHO_TO_ASK,),
        link=_text(data.get("link")),
    )


def _override(data: _Data, *, revoked: bool) -> Notice:
    account = _account(data.get("account_id"))
    listed = _categories(data.get("categories"))
    categories = f"{listed} posts" if listed else "posts of any category the policy allows"
    span = _span(data)
    if revoked:
        title = f"Override revoked for {account}"
        summary = (
            f"The Clerk withdrew the permission for {account} to publish {categories}"
            + (f" {span}." if span else ".")
            + " Posts it covered need the Clerk's approval again."
        )
    else:
        title = f"Override granted for {account}"
        summary = f"The Clerk allowed {account} to publish {categories}" + (
            f" {span}." if span else "."
        )
    return Notice(
        title=title,
        summary=summary,
        facts=_facts(
            ("Organisation", _organisation(data)),
            ("Account", _text(data.get("account_id")) or "all accounts"),
            ("Categories", categories),
            ("From", _at(data.get("starts_at"))),
            ("Until", _at(data.get("ends_at"))),
            ("Revoked", _at(data.get("revoked_at")) if revoked else None),
            ("Reason", _text(data.get("reason"))),
            ("Override", _text(data.get("override_id"))),
        ),
        guidance=(WHO_TO_ASK,),
        link=_text(data.get("link")),
    )


def _request_facts(data: _Data) -> tuple[tuple[str, str | None], ...]:
    return (
        ("Organisation", _organisation(data)),
        ("Account", _text(data.get("account_id"))),
        ("Category", _readable(_text(data.get("category")) or "")),
        ("Planned for", _at(data.get("at"))),
        ("Asked by", _text(data.get("requested_by"))),
        ("Request", _text(data.get("request_id"))),
    )


def _request_created(data: _Data) -> Notice:
    category = _readable(_text(data.get("category")) or "")
    post = f"{category} post" if category else "post"
    at = _at(data.get("at"))
    by = _text(data.get("requested_by")) or "Someone"
    return Notice(
        title=f"Approval requested: {post} on {_account(data.get('account_id'))}",
        summary=f"{by} asks the Clerk to approve {_a(post)}"
        + (f" planned for {at}." if at else "."),
        facts=_facts(*_request_facts(data)),
        guidance=(
            "The Clerk approves or rejects it, with a reason, at the request's link.",
            WHO_TO_ASK,
        ),
        link=_text(data.get("link")),
    )


_DECIDED = {"approve": "approved", "confirm": "confirmed", "reject": "rejected"}


def _request_decided(data: _Data) -> Notice:
    decision = _text(data.get("decision")) or "decided"
    decided = _DECIDED.get(decision, decision)
    category = _readable(_text(data.get("category")) or "")
    post = f"{category} post" if category else "post"
    at = _at(data.get("at"))
    allowed = (
        "That post, with the same text, account and category, may be published as planned."
        if decided in ("approved", "confirmed")
        else "The post may not be published inside the restricted period."
    )
    return Notice(
        title=f"Request {decided}: {post} on {_account(data.get('account_id'))}",
        summary=f"The Clerk {decided} the {post}"
        + (f" planned for {at}. " if at else ". ")
        + allowed,
        facts=_facts(
            *_request_facts(data),
            ("Decided by", _text(data.get("decided_by"))),
            ("Reason", _text(data.get("reason"))),
        ),
        guidance=(WHO_TO_ASK,),
        link=_text(data.get("link")),
    )


def _account_status(data: _Data) -> Notice:
    account = _text(data.get("account_id")) or "an account"
    status = _readable(_text(data.get("status")) or "changed")
    previous = _text(data.get("previous_status"))
    return Notice(
        title=f"Account {account} is now {status}",
        summary=f"The status of account {account} moved"
        + (f" from {_readable(previous)}" if previous else "")
        + f" to {status}."
        + (" Only active accounts may publish." if status != "active" else ""),
        facts=_facts(
            ("Organisation", _organisation(data)),
            ("Account", account),
            ("Status", status),
            ("Was", _readable(previous) if previous else None),
            ("Reason", _text(data.get("reason"))),
        ),
        guidance=(WHO_TO_ASK,),
        link=_text(data.get("link")),
    )


def _policy_review_due(data: _Data) -> Notice:
    due = _date(data.get("review_due"))
    shown = _day(due) if due else _text(data.get("review_due"))
    return Notice(
        title="Social media policy review due" + (f" {shown}" if shown else ""),
        summary=f"{_organisation(data)}'s social media policy is due for review"
        + (f" on {shown}." if shown else ".")
        + " Until it is reviewed, decisions warn that the review is overdue."
        + _late(data),
        facts=_facts(
            ("Organisation", _organisation(data)),
            ("Review due", shown),
        ),
        guidance=(WHO_TO_ASK,),
        link=_text(data.get("link")),
    )


def _webhook_failing(data: _Data) -> Notice:
    webhook = _text(data.get("webhook_id")) or "a webhook"
    reason = _text(data.get("reason"))
    return Notice(
        title=f"Webhook {webhook} is failing",
        summary=f"A delivery to webhook {webhook} was given up after its retries"
        + (f": {reason}." if reason else ".")
        + " Its endpoint needs fixing; the deliveries list says what happened.",
        facts=_facts(
            ("Organisation", _organisation(data)),
            ("Webhook", webhook),
            ("Error", reason),
            ("Event", _text(data.get("event_id"))),
            ("Delivery", _text(data.get("delivery_id"))),
        ),
        guidance=(),
        link=_text(data.get("link")),
    )


def _webhook_test(data: _Data) -> Notice:
    return Notice(
        title="Test event",
        summary=_text(data.get("message")) or "A test event from the Clerk.",
        facts=_facts(
            ("Organisation", _organisation(data)),
            ("Webhook", _text(data.get("webhook_id"))),
        ),
        link=_text(data.get("link")),
    )


_NOTICES: dict[str, Callable[[_Data], Notice]] = {
    "window.upcoming": _window_upcoming,
    "window.started": _window_started,
    "window.ended": _window_ended,
    "window.changed": _window_changed,
    "override.granted": lambda data: _override(data, revoked=False),
    "override.revoked": lambda data: _override(data, revoked=True),
    "request.created": _request_created,
    "request.decided": _request_decided,
    "account.status_changed": _account_status,
    "policy.review_due": _policy_review_due,
    "webhook.failing": _webhook_failing,
    "webhook.test": _webhook_test,
}


def _unknown(type_: str | None, data: _Data) -> Notice:
    """Any other event: its type, and its scalar fields as facts (times in words)."""
    facts = []
    for key, value in data.items():
        if key == "link":
            continue
        shown = _at(value) if _instant(value) is not None else _text(value)
        if shown:
            facts.append((_readable(key).capitalize(), shown))
    return Notice(
        title=f"Event {type_}" if type_ else "Event",
        summary=f"{_organisation(data)}: an event of type {type_ or 'unknown'}.",
        facts=tuple(facts),
        guidance=(WHO_TO_ASK,),
        link=_text(data.get("link")),
    )


def notice_of(payload: Mapping[str, object]) -> Notice:
    """
    The notice of an event payload (`{"type", "timestamp", "data"}`), for any event type:
    an unknown type gets a plain notice of its fields rather than an error.
    """
    type_ = _text(payload.get("type"))
    data = _mapping(payload.get("data"))
    render = _NOTICES.get(type_ or "")
    if render is None:
        return _unknown(type_, data)
    return render(data)
