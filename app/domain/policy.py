"""
An organisation's social media policy, as domain values.

The store parses `policies/*.yaml` into these; the domain never reads files.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from app.domain.candidates import Party, Ward
from app.domain.clock import london_instant
from app.domain.elections import PPERA_AREAS, Country, ElectionKind, ElectionRef
from app.domain.periods import PeriodRules

__all__ = [
    "Account",
    "AccountKind",
    "AccountStatus",
    "ByElectionScope",
    "Category",
    "Citation",
    "Clause",
    "Policy",
]


class Category(StrEnum):
    """The kind of post, given by the caller (default `general`)."""

    GENERAL = "general"
    SERVICE_INFORMATION = "service-information"
    EVENT = "event"
    CONSULTATION = "consultation"
    NEW_CAMPAIGN = "new-campaign"
    FEATURES_CANDIDATE = "features-candidate"
    CONTROVERSIAL = "controversial"
    EMERGENCY = "emergency"
    ELECTION_INFORMATION = "election-information"
    STATUTORY_NOTICE = "statutory-notice"
    PARTY_POLITICAL = "party-political"
    PERSONAL_CAMPAIGN = "personal-campaign"
    PERSONAL_FINANCIAL_INTEREST = "personal-financial-interest"


class Citation(StrEnum):
    """
    What a council's policy cites beside decision reasons: the policy file's `citations` map
    these (and every `ReasonCode`) to its own clause ids, so no clause id is written in code.
    """

    OFFICIAL_EMAIL_REQUIRED = "OFFICIAL_EMAIL_REQUIRED"


class AccountStatus(StrEnum):
    """Where an account stands with the Clerk (approved, suspended, closed under the policy)."""

    PENDING = "pending"
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class AccountKind(StrEnum):
    """What sort of presence an account is on its platform."""

    PAGE = "page"
    PROFILE = "profile"
    COMPANY_PAGE = "company-page"
    PODCAST = "podcast"


class ByElectionScope(StrEnum):
    """
    What a by-election in one ward restricts: the whole council (the default, fail safe), or
    only posts that mention the ward or its places.
    """

    COUNCIL = "council"
    WARD = "ward"


@dataclass(frozen=True, slots=True)
class Clause:
    """A clause of the policy, cited in reasons."""

    clause_id: str
    summary: str


@dataclass(frozen=True, slots=True)
class Account:
    """An official social media account (the policy's appendix)."""

    account_id: str
    platform: str
    name: str
    kind: AccountKind
    status: AccountStatus
    handle: str | None = None
    url: str | None = None
    holder: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """
    One organisation's policy.

    Attributes:
        election_scopes: election id prefixes that affect the organisation. `parl.` and `ref.`
            match UK-wide polls only (general elections, national referendums); a
            by-election or local referendum needs its own, longer scope such as
            `parl.camborne-and-redruth.`.
        permitted: categories that stay permitted inside a window.
        referred: categories allowed inside a window only with the Clerk's override.
        never_permitted: categories no override lifts (LGA 1986 s. 2).
        reason_clauses: the clause each reason code cites.
        by_election_scope: what a by-election in one ward restricts (see `ByElectionScope`).
        wards: the council's wards and their places (for `by_election_scope: ward`).
        parties: parties the policy adds to the shipped register (local parties).
        holder_standing_permitted: the categories an account whose holder is standing may
            still publish without the Clerk (emergency and statutory notices by default).
        next_review_due: the last day by which the policy should have been reviewed.
    """

    organisation_id: str
    organisation_name: str
    country: Country
    election_scopes: tuple[str, ...]
    clauses: Mapping[str, Clause]
    permitted: frozenset[Category]
    referred: frozenset[Category]
    never_permitted: frozenset[Category]
    reason_clauses: Mapping[str, str]
    period_rules: PeriodRules = field(default_factory=PeriodRules)
    warning_horizon: dt.timedelta = dt.timedelta(days=14)
    official_email_domains: tuple[str, ...] = ()
    next_review_due: dt.date | None = None
    max_override: dt.timedelta = dt.timedelta(days=7)
    override_needs_second_clerk: bool = False
    accounts: tuple[Account, ...] = ()
    by_election_scope: ByElectionScope = ByElectionScope.COUNCIL
    wards: tuple[Ward, ...] = ()
    parties: tuple[Party, ...] = ()
    holder_standing_permitted: frozenset[Category] = frozenset(
        {Category.EMERGENCY, Category.STATUTORY_NOTICE}
    )

    def affects(self, election: ElectionRef) -> bool:
        """
        Whether an election restricts this organisation.

        UK-wide polls (general elections, UK referendums) affect every organisation; a PPERA
        referendum throughout one part of the UK (`ref.wales.`) affects the organisations in
        that part, and one in a region of England (`ref.north-east.`) those whose scopes name
        it.
        Other polls affect it when their id starts with one of its scopes; the bare national
        scopes `parl.` and `ref.` do not reach by-elections or local referendums elsewhere, and
        a by-election in one division of a principal area (or one constituency) needs a scope
        that names the division: `local.cornwall.redruth-north.`, not `local.cornwall.`.
        A town or parish council's own ward by-elections match its `parish.<council>.` scope.
        """
        if election.kind is ElectionKind.PARL_GENERAL:
            return True
        if election.kind is ElectionKind.NATIONAL_REFERENDUM:
            area = PPERA_AREAS.get(election.organisation or "")
            if election.organisation is None or (
                area is self.country and election.organisation == area.value
            ):
                return True  # UK-wide, or throughout the organisation's part of the UK
            if area is not None and area is not self.country:
                return False  # a referendum in another part of the UK
            # a region of England: only a scope that names it (`ref.south-west.`)
        scopes = [scope for scope in self.election_scopes if scope not in ("parl.", "ref.")]
        if (
            election.is_by_election
            and election.division
            and election.kind is not ElectionKind.PARISH
        ):
            # a by-election in one division restricts only councils that name that division
            # (or constituency): `local.cornwall.` alone does not reach a by-election in Bodmin
            division_prefix = election.election_id[: election.election_id.index(election.division)]
            scopes = [scope for scope in scopes if len(scope) > len(division_prefix)]
        return any(election.election_id.startswith(scope) for scope in scopes)

    def cite(self, code: str) -> str:
        """
        'policy <clause>' for the clause this policy maps to `code` (a reason code or a
        `Citation`), or '' where it maps none: the one way text a person reads names a clause.
        """
        clause = self.clause_for(code)
        return f"policy {clause}" if clause else ""

    def review_due_at(self) -> dt.datetime | None:
        """The instant from which the review is overdue: the day after it was due."""
        if self.next_review_due is None:
            return None
        return london_instant(self.next_review_due + dt.timedelta(days=1))

    def clause_for(self, code: str) -> str | None:
        """The clause a reason code cites, if the policy names one."""
        return self.reason_clauses.get(code)
