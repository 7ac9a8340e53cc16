"""
Approval requests: a scheduler asks the Clerk to allow one post that would be referred or
denied, and the Clerk approves (a second Clerk confirming where the policy asks), rejects,
or the requester withdraws it.

Stored statuses are `pending`, `awaiting-confirmation`, `approved`, `rejected` and
`withdrawn`; `expired` is worked out from the times (`effective_status`), never stored.

```
pending --approve--> approved | awaiting-confirmation (policy asks for a second Clerk)
awaiting-confirmation --confirm--> approved   (another Clerk, never the requester's key)
pending | awaiting-confirmation --reject--> rejected
pending | awaiting-confirmation | approved --withdraw--> withdrawn   (the requesting key)
```

Source: the policy's override clause (its longest override, a second Clerk where it asks
for one); Local Government Act 1986 s. 2 for the never-permitted categories, which no
approval can allow.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from enum import StrEnum

from app.domain.clock import require_aware
from app.domain.errors import InvalidChange, PurdahError
from app.domain.policy import AccountStatus, Policy
from app.domain.reasons import ReasonCode
from app.domain.snapshot import Snapshot
from app.domain.text import (
    bidi_control,
    control_character,
    describe_bidi_control,
    describe_control_character,
)

__all__ = [
    "DEFAULT_MARGIN",
    "LINK_MAX",
    "LINKS_MAX",
    "NOTE_MAX",
    "TEXT_MAX",
    "MoveRefused",
    "RequestConflict",
    "RequestMove",
    "RequestStatus",
    "allowed_moves",
    "approval_span",
    "check_approver",
    "check_confirmer",
    "check_post",
    "check_post_time",
    "check_request_text",
    "check_withdrawer",
    "effective_status",
    "key_holder",
    "key_of",
    "next_status",
]

# How long an approval lasts either side of the requested time, unless the Clerk says.
DEFAULT_MARGIN = dt.timedelta(hours=2)
TEXT_MAX = 65_536
LINKS_MAX = 10
LINK_MAX = 2_000
NOTE_MAX = 2_000
# An http(s) URL with a host and no white space.
_LINK = re.compile(r"https?://[^\s/?#]+\S*\Z", re.IGNORECASE)
# The key id an actor's name ends with: `Town Clerk (k9f8e7d6c5b4)`.
_KEY_SUFFIX = re.compile(r"\s*\([^()]*\)\s*\Z")


class RequestStatus(StrEnum):
    """A request's status; `expired` is derived from the times, never stored."""

    PENDING = "pending"
    AWAITING_CONFIRMATION = "awaiting-confirmation"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class RequestMove(StrEnum):
    """What can be done to a request."""

    APPROVE = "approve"
    CONFIRM = "confirm"
    REJECT = "reject"
    WITHDRAW = "withdraw"


_MOVES: Mapping[RequestStatus, Mapping[RequestMove, RequestStatus]] = {
    RequestStatus.PENDING: {
        # or awaiting-confirmation, where the policy asks for a second Clerk (`next_status`)
        RequestMove.APPROVE: RequestStatus.APPROVED,
        RequestMove.REJECT: RequestStatus.REJECTED,
        RequestMove.WITHDRAW: RequestStatus.WITHDRAWN,
    },
    RequestStatus.AWAITING_CONFIRMATION: {
        RequestMove.CONFIRM: RequestStatus.APPROVED,
        RequestMove.REJECT: RequestStatus.REJECTED,
        RequestMove.WITHDRAW: RequestStatus.WITHDRAWN,
    },
    # the Clerk may take an approval back at any time (reject), the requester withdraw it
    RequestStatus.APPROVED: {
        RequestMove.REJECT: RequestStatus.REJECTED,
        RequestMove.WITHDRAW: RequestStatus.WITHDRAWN,
    },
    RequestStatus.REJECTED: {},
    RequestStatus.WITHDRAWN: {},
    RequestStatus.EXPIRED: {},
}


def effective_status(
    status: RequestStatus | str,
    *,
    at: dt.datetime,
    not_after: dt.datetime | None,
    now: dt.datetime,
) -> RequestStatus:
    """
    The status as it stands at `now`: a pending request whose post time `at` has passed is
    expired (the Clerk did not decide in time); one awaiting confirmation, or approved, is
    expired once its `not_after` has passed (or, lacking one, its `at`). Rejected and
    withdrawn requests stay so.
    """
    stored = RequestStatus(status)
    if stored is RequestStatus.PENDING:
        return RequestStatus.EXPIRED if at <= now else stored
    if stored in (RequestStatus.AWAITING_CONFIRMATION, RequestStatus.APPROVED):
        end = not_after if not_after is not None else at
        return RequestStatus.EXPIRED if end <= now else stored
    return stored


def allowed_moves(status: RequestStatus | str) -> tuple[str, ...]:
    """The moves the state machine allows from `status` (who may make them aside)."""
    return tuple(str(m) for m in _MOVES[RequestStatus(status)])


class RequestConflict(PurdahError):
    """A move the request's status does not allow (approving a rejected request): 409."""

    def __init__(self, request_id: str, status: RequestStatus, move: RequestMove) -> None:
        self.request_id = request_id
        self.status = status
        self.move = move
        self.allowed = allowed_moves(status)
        allowed = ", ".join(self.allowed) or f"none: a request that is {status} stays so"
        msg = f"request {request_id!r} is {status}: it cannot {move}; allowed moves: {allowed}"
        super().__init__(msg)


class MoveRefused(PurdahError):
    """
    A move this key may not make on this request, whatever its status (403): approving or
    confirming one's own request, confirming one's own approval, withdrawing another's.
    """

    def __init__(self, request_id: str, move: RequestMove, problem: str) -> None:
        self.request_id = request_id
        self.move = move
        self.problem = problem
        super().__init__(f"request {request_id!r}: {problem}")


def next_status(
    request_id: str,
    status: RequestStatus,
    move: RequestMove,
    *,
    needs_second_clerk: bool = False,
) -> RequestStatus:
    """
    The status after `move` from the effective `status`.

    Raises:
        RequestConflict: the move is not allowed from `status`; it lists the allowed ones.
    """
    moves = _MOVES[status]
    if move not in moves:
        raise RequestConflict(request_id, status, move)
    if move is RequestMove.APPROVE and needs_second_clerk:
        return RequestStatus.AWAITING_CONFIRMATION
    return moves[move]


def key_holder(actor: str) -> str:
    """
    Who is behind an actor as the audit log names it, `Name (key id)`: the key's name, case
    and white space folded. Keys of one name are taken as one person's (a Clerk's old and new
    key while rotating them, or a second key made for the same person).
    """
    name = _KEY_SUFFIX.sub("", actor)
    return " ".join(name.split()).casefold()


def key_of(actor: str) -> str | None:
    """
    The key id an actor's name ends with, as the API and the console write it (`Name (key
    id)`); None if it ends with none. The last bracket is the key's: a name may hold its own
    (`Jane (deputy) (k9f8e7d6c5b4)`).
    """
    found = _KEY_SUFFIX.search(actor)
    return found.group(0).strip()[1:-1].strip() if found else None


def check_approver(
    request_id: str, *, requested_by_key: str, key_id: str, requested_by: str, approver: str
) -> None:
    """
    The Clerk's key that asked for a post cannot approve it (no self-approval), nor can
    another key of the same name (`key_holder`).
    """
    if key_id == requested_by_key:
        raise MoveRefused(
            request_id,
            RequestMove.APPROVE,
            "the key that made a request cannot approve it: another Clerk must",
        )
    if key_holder(approver) == key_holder(requested_by):
        raise MoveRefused(
            request_id,
            RequestMove.APPROVE,
            "a key of the same name as the key that made the request cannot approve it: keys "
            "of one name are taken as one person's; another Clerk must, with a key in their "
            "own name",
        )


def check_confirmer(
    request_id: str,
    *,
    requested_by_key: str,
    approved_by: str | None,
    key_id: str,
    clerk: str,
    requested_by: str = "",
) -> None:
    """
    A second Clerk confirms: not the Clerk who approved, never the requester's key, and no
    key of the same name as either (`key_holder`).
    """
    if key_id == requested_by_key or (
        requested_by and key_holder(clerk) == key_holder(requested_by)
    ):
        raise MoveRefused(
            request_id,
            RequestMove.CONFIRM,
            "the key that made a request cannot confirm it, nor can a key of the same name",
        )
    if clerk == approved_by or (
        approved_by is not None and key_holder(clerk) == key_holder(approved_by)
    ):
        raise MoveRefused(
            request_id,
            RequestMove.CONFIRM,
            "the Clerk who approved a request cannot confirm it, with that key or another of "
            "the same name: a second Clerk must",
        )


def check_withdrawer(request_id: str, *, requested_by_key: str, key_id: str) -> None:
    """Only the key that made a request may withdraw it."""
    if key_id != requested_by_key:
        raise MoveRefused(
            request_id, RequestMove.WITHDRAW, "only the key that made a request may withdraw it"
        )


def check_request_text(text: str, links: Sequence[str] = (), note: str | None = None) -> None:
    """
    A post's text, its links and the requester's note, as a request may hold them: the text
    1-65,536 characters (line feeds and tabs allowed, no other control character), at most
    10 http(s) links of at most 2,000 characters with no invisible formatting character
    (Unicode Cf: bidirectional overrides, zero-width characters), a note of at most 2,000
    characters.

    Raises:
        InvalidChange: naming the field.
    """
    if not text.strip():
        raise InvalidChange(field="text", problem="a request needs the text of the post")
    if len(text) > TEXT_MAX:
        raise InvalidChange(
            field="text", problem=f"a post's text may hold at most {TEXT_MAX:,} characters"
        )
    _free_text(text, "text")
    bidi = bidi_control(text)
    if bidi is not None:
        raise InvalidChange(field="text", problem=describe_bidi_control(bidi))
    if len(links) > LINKS_MAX:
        raise InvalidChange(field="links", problem=f"at most {LINKS_MAX} links")
    for index, link in enumerate(links):
        where = f"links[{index}]"
        found = control_character(link)
        if found is not None:
            raise InvalidChange(field=where, problem=describe_control_character(found))
        if len(link) > LINK_MAX or not _LINK.match(link):
            raise InvalidChange(
                field=where, problem=f"a link is an http(s) URL of at most {LINK_MAX:,} characters"
            )
        hidden = next((c for c in link if unicodedata.category(c) == "Cf"), None)
        if hidden is not None:
            # RFC 3987 s. 4.1: an IRI holds no bidirectional formatting character; a
            # right-to-left override or a zero-width character would show the Clerk a link
            # other than the one the post carries
            raise InvalidChange(
                field=where,
                problem=f"holds the invisible formatting character U+{ord(hidden):04X} "
                f"({unicodedata.name(hidden, 'unnamed')}), which makes a link read other than "
                "it is: send it as it is to be followed",
            )
    if note is not None:
        if len(note) > NOTE_MAX:
            raise InvalidChange(field="note", problem=f"at most {NOTE_MAX:,} characters")
        _free_text(note, "note")


def _free_text(value: str, field: str) -> None:
    found = control_character(value, multi_line=True)
    if found is not None:
        raise InvalidChange(field=field, problem=describe_control_character(found, multi_line=True))


def check_post_time(at: dt.datetime, *, now: dt.datetime) -> None:
    """
    A request is for a post still to come: one whose time has passed would expire at once
    (`effective_status`), before any Clerk could read it.

    Raises:
        InvalidChange: `at` is not after `now`.
    """
    if at <= now:
        raise InvalidChange(
            field="at",
            problem=(
                "the post's time has passed: ask for a time still to come, so that the Clerk "
                "can decide before it"
            ),
        )


def check_post(policy: Policy, snapshot: Snapshot, *, account_id: str, category: str) -> None:
    """
    A post the Clerk may be asked to allow, or may allow: on an active account, and not of
    a never-permitted category. An unknown account is left to `decide` (404).

    Raises:
        InvalidChange: the category is never permitted (the policy's clause, Local
            Government Act 1986 s. 2), or the account's status stops every post.
    """
    if category in policy.never_permitted:
        cited = policy.cite(ReasonCode.NEVER_PERMITTED_CATEGORY)
        raise InvalidChange(
            field="category",
            problem=(
                f"{category} can never be published on an official account ("
                f"{'; '.join(filter(None, [cited, 'Local Government Act 1986 s. 2']))}): "
                "no approval can permit it"
            ),
        )
    account = snapshot.accounts.get(account_id)
    if account is not None and account.status is not AccountStatus.ACTIVE:
        raise InvalidChange(
            field="account_id",
            problem=(
                f"the account is {account.status}: its status stops every post, and no "
                "approval can lift it; the Clerk reinstates or approves the account first"
            ),
        )


def approval_span(
    policy: Policy,
    snapshot: Snapshot,
    *,
    request_id: str,
    account_id: str,
    at: dt.datetime,
    not_before: dt.datetime | None,
    not_after: dt.datetime | None,
    now: dt.datetime,
) -> tuple[dt.datetime, dt.datetime, frozenset[str]]:
    """
    When an approved post may go out, `[not_before, not_after)`, and the restrictions the
    approval is anchored to (as an override's: `Snapshot.restrictions_overlapping`).

    Each bound the Clerk leaves out defaults to the requested `at` -/+ 2 hours, cut to the
    restriction window the post is in; a bound the Clerk gives may not reach outside it.
    The span holds `at`, ends after now, and lasts no longer than the policy's longest
    override.

    Raises:
        NaiveDatetime: a bound without a UTC offset.
        InvalidChange: the span is empty, misses `at`, ends before now, reaches outside the
            window, lasts too long, or the post is in no restriction window any more.
    """
    given_start = require_aware(not_before, field="not_before") if not_before else None
    given_end = require_aware(not_after, field="not_after") if not_after else None
    window = next(
        (w for w in snapshot.windows_for(account_id) if w.starts_at <= at < w.ends_at), None
    )
    if window is None:
        raise InvalidChange(
            field="at",
            problem=(
                f"the post at {at.isoformat()} is in no restriction window now, so it needs no "
                f"approval: reject or let {request_id} expire"
            ),
        )
    start = given_start or max(at - DEFAULT_MARGIN, window.starts_at)
    end = given_end or min(at + DEFAULT_MARGIN, window.ends_at)
    if end <= start:
        raise InvalidChange(field="not_after", problem="must be after not_before")
    if not start <= at < end:
        raise InvalidChange(
            field="not_before" if at < start else "not_after",
            problem=f"the approval must include the requested time {at.isoformat()}",
        )
    if start < window.starts_at or end > window.ends_at:
        raise InvalidChange(
            field="not_before" if start < window.starts_at else "not_after",
            problem=(
                "an approval cannot reach outside the restriction window the post is in "
                f"({window.starts_at.isoformat()} to {window.ends_at.isoformat()})"
            ),
        )
    if end <= now:
        raise InvalidChange(
            field="not_after",
            problem="the approval would end before now, so it could allow nothing",
        )
    if end - start > policy.max_override:
        raise InvalidChange(
            field="not_after",
            problem=f"an approval may last at most {policy.max_override.days} days under the policy",
        )
    anchors = snapshot.restrictions_overlapping(account_id, start, end)
    return start, end, anchors
