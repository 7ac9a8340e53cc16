"""
One event as an email to one recipient: a plain-text part, an HTML part and, for an event
about a restriction window, the window as a calendar attachment.

The words come from the event's notice (`domain.notices.notice_of`: title, summary, facts,
guidance, link), the same as a Teams card's. Every value
is escaped in the HTML, and header values are kept to one line, so nothing in an event (a
reason the Clerk typed, say) can add a header or markup. The `Message-ID` is the event's id
at the sender's domain, so every attempt at one delivery carries the same one and a resend
is recognisable (a mail client shows it once); `X-Purdah-Event-Id` says it again.

A window event (`window.upcoming`, `window.started`, `window.ended`: `data.window`; or
`window.changed` of a manual window: its `after`) carries the window as an ICS attachment
(`calendars.invite`) whose UID is the feed's for that window: `feed_uid` of the window's
anchor (`domain.periods.Window.anchor`: its first election by polling day, else its first
manual window), or the anchor of the feed's event it continues
(`store.feed_events.published_anchor`, looked up by the sender).
"""

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from app.calendars.invite import window_invite
from app.domain.errors import PurdahError
from app.domain.feeds import PublishedWindow, feed_uid, window_summary
from app.domain.notices import Notice, notice_of
from app.domain.periods import Window
from app.domain.teams_cards import absolute_link

__all__ = ["WindowInvite", "message_of", "window_of"]

_WINDOW_EVENTS = ("window.upcoming", "window.started", "window.ended")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_MAX_SUBJECT = 200


@dataclass(frozen=True, slots=True)
class WindowInvite:
    """
    A window an event is about, as its calendar attachment shows it.

    Attributes:
        anchor: the window's identity in the feed, which makes its UID (`feed_uid`).
        election_ids: its elections (to find the feed's event it continues, if any).
    """

    organisation_id: str
    anchor: str
    election_ids: tuple[str, ...]
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    description: str

    @property
    def uid(self) -> str:
        return feed_uid(self.organisation_id, self.anchor)


def _instant(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def _ids(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(v) for v in value if isinstance(v, str) and v)


def _summary(
    anchor: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    election_ids: tuple[str, ...],
    organisation_name: str,
) -> str:
    """The feed's SUMMARY of the window (`domain.feeds.window_summary`), where it can be made."""
    if not election_ids:
        return "Publishing restricted by the Clerk"
    window = PublishedWindow(
        anchor=anchor,
        starts_at=starts_at,
        ends_at=ends_at,
        election_ids=election_ids,
        manual_reasons=(),
        estimated=False,
        sequence=0,
        changed_at=starts_at,
    )
    try:
        return window_summary(window, organisation_name)
    except PurdahError:  # an id the domain cannot read (a local referendum needs its kind)
        return f"Pre-election period ({organisation_name})"


def window_of(payload: Mapping[str, Any]) -> WindowInvite | None:
    """
    The window an event is about, or None: an event about no window, an election's period
    withdrawn (`window.changed` of kind `election` with no window left), a manual window's
    event without its times, or times that cannot be read.
    """
    data = payload.get("data")
    if not isinstance(data, Mapping):
        return None
    organisation_id = str(data.get("organisation_id") or "")
    kind = payload.get("type")
    about_window = kind in _WINDOW_EVENTS or (
        kind == "window.changed" and data.get("kind") == "election"
    )
    if about_window and isinstance(data.get("window"), Mapping):
        window = data["window"]
        starts_at, ends_at = _instant(window.get("starts_at")), _instant(window.get("ends_at"))
        elections = _ids(window.get("election_ids"))
        manual = _ids(window.get("manual_window_ids"))
        if starts_at is None or ends_at is None or not (elections or manual):
            return None
        anchor = Window(
            window_id=str(window.get("window_id") or ""),
            starts_at=starts_at,
            ends_at=ends_at,
            election_ids=elections,
            manual_window_ids=manual,
        ).anchor
        name = str(data.get("organisation_name") or organisation_id)
        description = str(window.get("description") or "")
        summary = _summary(anchor, starts_at, ends_at, elections, name)
        return WindowInvite(
            organisation_id=organisation_id,
            anchor=anchor,
            election_ids=elections,
            starts_at=starts_at,
            ends_at=ends_at,
            summary=summary,
            description=description,
        )
    if kind == "window.changed" and data.get("kind") == "manual":
        after = data.get("after")
        window_id = data.get("window_id")
        if not isinstance(after, Mapping) or not isinstance(window_id, str):
            return None
        starts_at, ends_at = _instant(after.get("starts_at")), _instant(after.get("ends_at"))
        if starts_at is None or ends_at is None:
            return None
        reason = str(data.get("reason") or "")
        return WindowInvite(
            organisation_id=organisation_id,
            anchor=window_id,
            election_ids=(),
            starts_at=starts_at,
            ends_at=ends_at,
            summary=f"Publishing restricted by the Clerk: {reason}".removesuffix(": "),
            description=reason,
        )
    return None


def _line(text: str, limit: int = _MAX_SUBJECT) -> str:
    """One header line: control characters (CR, LF) become spaces, and it is cut short."""
    flat = _CONTROL.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _text(notice: Notice, link: str | None) -> str:
    lines = [notice.title, "", notice.summary]
    if notice.facts:
        lines.append("")
        lines += [f"{label}: {value}" for label, value in notice.facts]
    if notice.guidance:
        lines.append("")
        lines += list(notice.guidance)
    if link:
        lines += ["", f"Details: {link}"]
    lines += ["", "-- ", "Sent by purdah-controller: the Clerk manages these notifications."]
    return "\n".join(lines) + "\n"


def _html(notice: Notice, link: str | None) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{e(notice.title)}</title></head><body>",
        f"<h1>{e(notice.title)}</h1>",
        f"<p>{e(notice.summary)}</p>",
    ]
    if notice.facts:
        parts.append("<table>")
        parts += [
            f'<tr><th scope="row" align="left">{e(label)}</th><td>{e(value)}</td></tr>'
            for label, value in notice.facts
        ]
        parts.append("</table>")
    if notice.guidance:
        parts.append("<ul>")
        parts += [f"<li>{e(line)}</li>" for line in notice.guidance]
        parts.append("</ul>")
    if link:
        if link.startswith(("https://", "http://")):
            parts.append(f'<p><a href="{e(link, quote=True)}">{e(link)}</a></p>')
        else:
            parts.append(f"<p>Details: {e(link)}</p>")
    parts.append("<p><small>Sent by purdah-controller: the Clerk manages these notifications.")
    parts.append("</small></p></body></html>")
    return "\n".join(parts) + "\n"


def message_of(
    payload: Mapping[str, Any],
    *,
    event_id: str,
    recipient: str,
    sender: str,
    now: dt.datetime,
    invite: WindowInvite | None = None,
    public_url: str | None = None,
) -> EmailMessage:
    """
    The email of one event to one recipient (both addresses already checked).

    Args:
        now: the Date header.
        invite: the window to attach as a calendar (`window_of`, with the feed's anchor).
        public_url: where people reach the service, to make the event's link absolute.
    """
    notice = notice_of(payload)
    # an API path without a public URL is still shown (as text): the Clerk can open it
    link = absolute_link(notice.link, public_url) or notice.link
    message = EmailMessage()
    data = payload.get("data") if isinstance(payload.get("data"), Mapping) else {}
    name = _line(str((data or {}).get("organisation_name") or "purdah-controller"), 80)
    local, _, domain = sender.rpartition("@")
    message["From"] = Address(display_name=name, username=local, domain=domain)
    message["To"] = recipient
    message["Subject"] = _line(notice.title)
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    # the event's id alone (a UUID): one line, whoever receives it and however often
    message["Message-ID"] = f"<{event_id}@{domain}>"
    # RFC 3834: no out-of-office reply to a machine
    message["Auto-Submitted"] = "auto-generated"
    message["X-Purdah-Event"] = _line(str(payload.get("type") or ""), 60)
    message["X-Purdah-Event-Id"] = event_id
    message.set_content(_text(notice, link))
    message.add_alternative(_html(notice, link), subtype="html")
    if invite is not None:
        ics = window_invite(
            uid=invite.uid,
            starts_at=invite.starts_at,
            ends_at=invite.ends_at,
            summary=invite.summary,
            description=invite.description,
            stamp=now,
            url=link,
        )
        message.add_attachment(
            ics.decode(),
            subtype="calendar",
            filename="restriction.ics",
            params={"method": "PUBLISH"},
        )
    return message
