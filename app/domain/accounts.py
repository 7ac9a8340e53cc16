"""
What the Town Clerk may do to an account, and what becomes of it.

Source: a council's social media policy, as its policy file encodes it: new accounts need the
Clerk's approval, publishing rights may be suspended, the Clerk may require closure, and
official accounts use official email addresses. Which clause says each is the policy file's
to say (`citations`), never this module's.

Email addresses are read by email-validator: a pure library (no I/O with deliverability
checks off), like the timetable packages the domain wraps; its errors become
`OfficialEmailRequired` here, at its one import site.
"""

from collections.abc import Mapping
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from app.domain.errors import PurdahError
from app.domain.policy import AccountStatus

__all__ = [
    "AccountAction",
    "IllegalMove",
    "OfficialEmailRequired",
    "allowed_moves",
    "check_official_email",
    "next_status",
]


class AccountAction(StrEnum):
    """The Clerk's moves on an account."""

    APPROVE = "approve"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    CLOSE = "close"
    DEACTIVATE = "deactivate"


_MOVES: Mapping[AccountStatus, Mapping[AccountAction, AccountStatus]] = {
    AccountStatus.PENDING: {
        AccountAction.APPROVE: AccountStatus.ACTIVE,
        AccountAction.CLOSE: AccountStatus.CLOSED,
    },
    AccountStatus.ACTIVE: {
        AccountAction.SUSPEND: AccountStatus.SUSPENDED,
        AccountAction.DEACTIVATE: AccountStatus.INACTIVE,
        AccountAction.CLOSE: AccountStatus.CLOSED,
    },
    AccountStatus.SUSPENDED: {
        AccountAction.REINSTATE: AccountStatus.ACTIVE,
        AccountAction.CLOSE: AccountStatus.CLOSED,
    },
    AccountStatus.INACTIVE: {
        AccountAction.REINSTATE: AccountStatus.ACTIVE,
        AccountAction.CLOSE: AccountStatus.CLOSED,
    },
    AccountStatus.CLOSED: {},
}


def _past(action: str) -> str:
    """The past participle of a move: approved, suspended, reinstated, closed, deactivated."""
    return action + ("d" if action.endswith("e") else "ed")


class IllegalMove(PurdahError):
    """A move the account's status does not allow (closing a closed account)."""

    def __init__(self, account_id: str, status: AccountStatus, action: AccountAction) -> None:
        self.account_id = account_id
        self.status = status
        self.action = action
        self.allowed = tuple(str(a) for a in _MOVES[status])
        allowed = ", ".join(self.allowed) or "none: a closed account stays closed"
        msg = (
            f"account {account_id!r} is {status}: it cannot be {_past(action)}; "
            f"allowed moves: {allowed}"
        )
        super().__init__(msg)


class OfficialEmailRequired(PurdahError):
    """An account's contact email is not on one of the council's official domains."""

    def __init__(
        self,
        email: str,
        domains: tuple[str, ...],
        problem: str | None = None,
        *,
        clause: str | None = None,
    ) -> None:
        self.email = email
        self.domains = domains
        self.problem = problem
        self.clause = clause
        where = ", ".join("@" + d for d in domains) or "any official domain"
        cited = f"policy {clause}: " if clause else ""
        msg = f"{cited}official accounts must use an official email address; {email!r} " + (
            f"is not an email address ({problem})" if problem else f"is not on {where}"
        )
        super().__init__(msg)


def allowed_moves(status: AccountStatus) -> tuple[AccountAction, ...]:
    """The Clerk's moves an account in `status` allows, in the order of `AccountAction`."""
    return tuple(a for a in AccountAction if a in _MOVES[status])


def next_status(account_id: str, status: AccountStatus, action: AccountAction) -> AccountStatus:
    """
    The status after the Clerk's move.

    Raises:
        IllegalMove: the move is not allowed from `status`; it lists the allowed ones.
    """
    moves = _MOVES[status]
    if action not in moves:
        raise IllegalMove(account_id, status, action)
    return moves[action]


def _ascii_domain(domain: str) -> str | None:
    """A policy's domain as email-validator gives an address's (IDNA, lower case), or None."""
    try:
        return validate_email(f"x@{domain.strip()}", check_deliverability=False).ascii_domain
    except EmailNotValidError:
        return None


def check_official_email(email: str, domains: tuple[str, ...], *, clause: str | None = None) -> str:
    """
    The address, normalised and lower-cased, if it is one address on an official domain
    (`clause`: the policy's own clause requiring official addresses, cited in the refusal).

    The address is read by email-validator (RFC 5321/5322 syntax, no DNS lookup), not split
    at an `@`: `attacker@gmail.com@redruth.gov.uk` is not an address at all, and a domain is
    compared in its IDNA (ASCII) form with the policy's, so a look-alike Unicode spelling
    does not pass for the official one.

    Raises:
        OfficialEmailRequired: it is not a valid address, or not on an official domain.
    """
    try:
        address = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise OfficialEmailRequired(email, domains, problem=str(exc), clause=clause) from None
    official = {_ascii_domain(d) for d in domains} - {None}
    if address.ascii_domain.lower() not in official:
        raise OfficialEmailRequired(email, domains, clause=clause)
    return address.normalized.lower()
