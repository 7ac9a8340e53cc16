"""
Domain errors. Each carries the fields a caller needs, and a message a person can act on.

The API maps each class to one problem+json type; the CLI prints the message and exits 2.
"""

__all__ = [
    "AlreadyExists",
    "CandidateWithdrawn",
    "ContradictoryElection",
    "CountryRequired",
    "DuplicateCandidate",
    "InvalidChange",
    "InvalidElectionId",
    "InvalidNoticeDate",
    "KeyConflict",
    "KindRequired",
    "NaiveDatetime",
    "NotFound",
    "PreconditionFailed",
    "PurdahError",
    "UnknownAccount",
    "UnknownCategory",
    "UnsupportedElection",
]

VALID_ID_EXAMPLES = (
    "parl.2024-07-04, local.cornwall.2025-05-01, pcc.devon-and-cornwall.2024-05-02, "
    "parl.camborne-and-redruth.by.2026-03-05, parish.redruth.2029-05-03"
)


class PurdahError(Exception):
    """Base of every error the domain raises on bad input."""


class InvalidElectionId(PurdahError):
    """An election id that is not in Democracy Club (or our `parish.`) form."""

    def __init__(self, election_id: str, problem: str) -> None:
        self.election_id = election_id
        self.problem = problem
        msg = (
            f"invalid election id {election_id!r}: {problem}; "
            f"a valid id looks like one of: {VALID_ID_EXAMPLES}"
        )
        super().__init__(msg)


class InvalidNoticeDate(PurdahError):
    """
    A recorded notice of election outside the days the law allows for it.

    A notice after the statutory latest day (or, where the law sets one, before the earliest)
    cannot have been lawfully published, so it is a mistake; taken as given it would move the
    start of the restricted period and so shorten it.
    """

    def __init__(
        self,
        election_id: str,
        notice: str,
        *,
        earliest: str | None,
        latest: str,
        rule: str,
    ) -> None:
        self.election_id = election_id
        self.notice = notice
        self.earliest = earliest
        self.latest = latest
        self.rule = rule
        window = f"from {earliest} to {latest}" if earliest else f"on or before {latest}"
        self.problem = (
            f"{notice} is outside the days the law allows for the notice of election of "
            f"{election_id} ({window}: {rule})"
        )
        super().__init__(f"notice_published: {self.problem}")


class UnsupportedElection(PurdahError):
    """A well-formed election whose timetable this service does not compute."""

    def __init__(self, election_id: str, problem: str) -> None:
        self.election_id = election_id
        self.problem = problem
        msg = f"unsupported election {election_id!r}: {problem}"
        super().__init__(msg)


class CountryRequired(PurdahError):
    """The election's rules differ by country and no country was given."""

    def __init__(self, election_id: str) -> None:
        self.election_id = election_id
        msg = (
            f"election {election_id!r} is held under different rules in each part of the UK: "
            "give a country (england, wales, scotland, northern-ireland)"
        )
        super().__init__(msg)


class ContradictoryElection(PurdahError):
    """
    Inputs that name two different polls: a kind that contradicts the id's election type
    (`local.cornwall.2025-05-01` given kind `sp`), or a country that contradicts the id or
    the kind (a Scottish Parliament poll in England). Neither is obeyed: the caller fixes one.
    """

    def __init__(self, election_id: str, field: str, problem: str) -> None:
        self.election_id = election_id
        self.field = field
        self.problem = problem
        msg = f"contradictory {field} for election {election_id!r}: {problem}"
        super().__init__(msg)


class KindRequired(PurdahError):
    """The id does not say which kind of poll it is, and guessing could time the wrong one."""

    def __init__(self, election_id: str, problem: str) -> None:
        self.election_id = election_id
        self.problem = problem
        msg = f"election {election_id!r} needs an explicit kind: {problem}"
        super().__init__(msg)


class NaiveDatetime(PurdahError):
    """A datetime without a UTC offset: the instant it names is ambiguous."""

    def __init__(self, field: str, value: str) -> None:
        self.field = field
        self.value = value
        msg = (
            f"{field} {value!r} has no UTC offset: give an RFC 3339 time with an offset, "
            "such as 2025-04-01T09:00:00+01:00 or 2025-04-01T08:00:00Z"
        )
        super().__init__(msg)


class UnknownAccount(PurdahError):
    """No account with this id belongs to the organisation."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        msg = f"unknown account {account_id!r}"
        super().__init__(msg)


class UnknownCategory(PurdahError):
    """A post category that is not one of the known categories."""

    def __init__(self, category: str, known: tuple[str, ...]) -> None:
        self.category = category
        self.known = known
        msg = f"unknown category {category!r}; known categories: {', '.join(known)}"
        super().__init__(msg)


class NotFound(PurdahError):
    """No such thing belongs to the organisation."""

    def __init__(self, what: str, identifier: str) -> None:
        self.what = what
        self.identifier = identifier
        msg = f"no {what} {identifier!r}"
        super().__init__(msg)


class AlreadyExists(PurdahError):
    """The thing to create exists already."""

    def __init__(self, what: str, identifier: str) -> None:
        self.what = what
        self.identifier = identifier
        msg = f"{what} {identifier!r} exists already"
        super().__init__(msg)


class DuplicateCandidate(AlreadyExists):
    """The same person is entered already in the same election (409)."""

    def __init__(self, *, name: str, election_id: str, candidate_id: str) -> None:
        self.what = "candidate"
        self.identifier = candidate_id
        self.name = name
        self.election_id = election_id
        msg = (
            f"{name!r} stands in {election_id} already, as {candidate_id}: a person is entered "
            "once an election (add another spelling as an alias of that candidate)"
        )
        PurdahError.__init__(self, msg)


class CandidateWithdrawn(AlreadyExists):
    """A move on a candidate who was withdrawn (409): a withdrawn candidate stays as they are."""

    def __init__(self, candidate_id: str, action: str) -> None:
        self.what = "candidate"
        self.identifier = candidate_id
        self.action = action
        msg = (
            f"candidate {candidate_id!r} was withdrawn, so cannot be {action}; "
            "enter them again if they stand again"
        )
        PurdahError.__init__(self, msg)


class KeyConflict(AlreadyExists):
    """
    An API key that cannot be revoked as asked (409): it was revoked already, or it is the
    key asking (a Clerk revoking its own key would lock itself out).
    """

    def __init__(self, key_id: str, problem: str) -> None:
        self.what = "key"
        self.identifier = key_id
        self.field = "key_id"
        self.problem = problem
        PurdahError.__init__(self, problem)


class PreconditionFailed(PurdahError):
    """
    A change made against a version that is no longer current: someone changed it since it
    was read (an If-Match that no longer matches, 412). `current` is the current version tag.
    """

    def __init__(self, what: str, identifier: str, current: str) -> None:
        self.current = current
        msg = (
            f"{what} {identifier!r} changed since you read it: read it again (its ETag is now "
            f'"{current}") and redo your change'
        )
        super().__init__(msg)


class InvalidChange(PurdahError):
    """A change that is well formed but not allowed (an end before a start, say)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        msg = f"{field}: {problem}"
        super().__init__(msg)
