"""
Policy files (`policies/*.yaml`) parsed into domain `Policy` values.

Validated with pydantic; an error names the field and the line of the file it is on.
"""

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.domain import (
    Account,
    AccountKind,
    AccountStatus,
    ByElectionScope,
    Category,
    Clause,
    Country,
    GeneralElectionStart,
    PeriodRules,
    Policy,
    ReasonCode,
)
from app.domain.candidates import Party, Ward
from app.domain.policy import Citation

__all__ = ["PolicyFileError", "load_policy", "load_policy_text"]

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_MAX_POLICY_BYTES = 1_000_000
# Local Government Act 1986 s. 2: no policy may permit these on an official account.
_LAW_NEVER_PERMITTED = frozenset({Category.PARTY_POLITICAL})


class PolicyFileError(ValueError):
    """A policy file that cannot be used; the message names the file, field and line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Organisation(_Strict):
    id: Annotated[str, Field(pattern=_SLUG)]
    name: str
    country: Country
    time_zone: str = "Europe/London"
    election_scopes: tuple[str, ...]

    @field_validator("time_zone")
    @classmethod
    def _london_only(cls, value: str) -> str:
        if value != "Europe/London":
            msg = "UK election law is timed in Europe/London; time_zone must be Europe/London"
            raise ValueError(msg)
        return value

    @field_validator("election_scopes")
    @classmethod
    def _scopes_end_with_dot(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [scope for scope in value if not scope.endswith(".")]
        if bad:
            msg = f"each scope is an election id prefix ending in '.', not {bad}"
            raise ValueError(msg)
        return value


def _month_end(value: Any) -> dt.date:
    """A review month `YYYY-MM` as the last day of that month, or a date `YYYY-MM-DD` as it is."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        pass
    match = _MONTH.match(str(value))
    if not match:
        msg = f"expected a month as YYYY-MM or a date as YYYY-MM-DD, not {value!r}"
        raise ValueError(msg)
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        msg = f"{value!r} has no month {month}"
        raise ValueError(msg)
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


class _PolicyMeta(_Strict):
    title: str
    current_review: str | None = None
    next_review: str | None = None
    source: str | None = None

    @field_validator("current_review", "next_review", mode="before")
    @classmethod
    def _month_text(cls, value: Any) -> str | None:
        if value is None:
            return None
        _month_end(value)
        return str(value)


class _Restrictions(_Strict):
    caution_margin_days: Annotated[int, Field(ge=0, le=60)] = 0
    general_election_start: GeneralElectionStart = GeneralElectionStart.NOTICE_OF_ELECTION
    end_extension_hours: Annotated[int, Field(ge=0, le=72)] = 0
    warning_horizon_days: Annotated[int, Field(ge=0, le=90)] = 14
    source: str


class _Categories(_Strict):
    permitted: frozenset[Category]
    referred: frozenset[Category]
    never_permitted: frozenset[Category]
    source: str

    @model_validator(mode="after")
    def _disjoint_and_lawful(self) -> Self:
        overlap = (
            (self.permitted & self.referred)
            | (self.permitted & self.never_permitted)
            | (self.referred & self.never_permitted)
        )
        if overlap:
            msg = f"a category may be in one list only: {sorted(overlap)}"
            raise ValueError(msg)
        missing = _LAW_NEVER_PERMITTED - self.never_permitted
        if missing:
            msg = (
                f"{sorted(missing)} must be never_permitted: the Local Government Act 1986 s. 2 "
                "forbids political publicity by a council"
            )
            raise ValueError(msg)
        return self


class _Overrides(_Strict):
    max_duration_days: Annotated[int, Field(ge=1, le=90)] = 7
    second_clerk_confirmation: bool = False
    source: str


class _Account(_Strict):
    id: Annotated[str, Field(pattern=_SLUG, max_length=80)]
    platform: Annotated[str, Field(pattern=_SLUG)]
    name: str
    handle: str | None = None
    url: str | None = None
    kind: AccountKind
    status: AccountStatus
    # who the account speaks as (the Mayor's page, a member's profile); a candidate is
    # linked to it by the Clerk, never by this name alone
    holder: str | None = None


class _Ward(_Strict):
    id: Annotated[str, Field(pattern=_SLUG, max_length=200)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    places: tuple[Annotated[str, Field(min_length=2, max_length=200)], ...] = ()


class _Party(_Strict):
    name: Annotated[str, Field(min_length=2, max_length=200)]
    short_names: tuple[Annotated[str, Field(min_length=2, max_length=200)], ...] = ()


class _Screening(_Strict):
    by_election_scope: ByElectionScope = ByElectionScope.COUNCIL
    wards: tuple[_Ward, ...] = ()
    parties: tuple[_Party, ...] = ()
    holder_standing_permitted: frozenset[Category] = frozenset(
        {Category.EMERGENCY, Category.STATUTORY_NOTICE}
    )
    source: str | None = None

    @model_validator(mode="after")
    def _wards_for_ward_scope(self) -> Self:
        if self.by_election_scope is ByElectionScope.WARD and not self.wards:
            msg = "by_election_scope: ward needs the council's wards and their places"
            raise ValueError(msg)
        return self


class _PolicyFile(_Strict):
    organisation: _Organisation
    policy: _PolicyMeta
    clauses: dict[str, str]
    citations: dict[ReasonCode | Citation, str]
    restrictions: _Restrictions
    categories: _Categories
    overrides: _Overrides
    official_email_domains: tuple[str, ...]
    accounts: tuple[_Account, ...]
    screening: _Screening = _Screening()

    def cross_check(self) -> list[tuple[tuple[int | str, ...], str]]:
        """Problems between sections, each with the location of the offending field."""
        problems: list[tuple[tuple[int | str, ...], str]] = []
        for code, clause in self.citations.items():
            if clause not in self.clauses:
                problems.append(
                    (
                        ("citations", str(code)),
                        f"cites clause {clause!r}, which is not in `clauses`",
                    )
                )
        never = sorted(self.screening.holder_standing_permitted & self.categories.never_permitted)
        if never:
            problems.append(
                (
                    ("screening", "holder_standing_permitted"),
                    f"{never} are never permitted, so cannot be permitted to a standing holder",
                )
            )
        seen: set[str] = set()
        for index, account in enumerate(self.accounts):
            if account.id in seen:
                problems.append(
                    (("accounts", index, "id"), f"account id {account.id!r} is used twice")
                )
            seen.add(account.id)
        return problems

    def to_domain(self) -> Policy:
        return Policy(
            organisation_id=self.organisation.id,
            organisation_name=self.organisation.name,
            country=self.organisation.country,
            election_scopes=self.organisation.election_scopes,
            clauses={cid: Clause(cid, summary) for cid, summary in self.clauses.items()},
            permitted=self.categories.permitted,
            referred=self.categories.referred,
            never_permitted=self.categories.never_permitted,
            reason_clauses={str(code): clause for code, clause in self.citations.items()},
            period_rules=PeriodRules(
                caution_margin=dt.timedelta(days=self.restrictions.caution_margin_days),
                general_election_start=self.restrictions.general_election_start,
                end_extension=dt.timedelta(hours=self.restrictions.end_extension_hours),
            ),
            warning_horizon=dt.timedelta(days=self.restrictions.warning_horizon_days),
            official_email_domains=self.official_email_domains,
            next_review_due=_month_end(self.policy.next_review)
            if self.policy.next_review
            else None,
            max_override=dt.timedelta(days=self.overrides.max_duration_days),
            override_needs_second_clerk=self.overrides.second_clerk_confirmation,
            accounts=tuple(
                Account(
                    account_id=a.id,
                    platform=a.platform,
                    name=a.name,
                    kind=a.kind,
                    status=a.status,
                    handle=a.handle,
                    url=a.url,
                    holder=a.holder,
                )
                for a in self.accounts
            ),
            by_election_scope=self.screening.by_election_scope,
            wards=tuple(Ward(w.id, w.name, w.places) for w in self.screening.wards),
            parties=tuple(Party(None, p.name, p.short_names) for p in self.screening.parties),
            holder_standing_permitted=self.screening.holder_standing_permitted,
        )


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of its nearest ancestor found."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            node = match
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


# libyaml's parser where PyYAML was built with it: ten times faster, which matters when one
# deployment loads ten thousand councils' policy files at start.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type, misc]
    """A SafeLoader that refuses a key given twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                msg = f"line {key_node.start_mark.line + 1}: key {key!r} is given twice"
                raise yaml.constructor.ConstructorError(None, None, msg, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_policy_text(text: str, *, name: str = "<policy>") -> Policy:
    """
    Parse and validate a policy file's text.

    Raises:
        PolicyFileError: the YAML is malformed or a field is invalid; the message names
            the field and its line.
    """
    if len(text) > _MAX_POLICY_BYTES:
        msg = f"{name}: a policy file is at most {_MAX_POLICY_BYTES} characters"
        raise PolicyFileError(msg)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        msg = f"{name}:{where}: not valid YAML: {getattr(exc, 'problem', exc)}"
        raise PolicyFileError(msg) from None
    except (RecursionError, ValueError) as exc:
        msg = f"{name}: not a usable policy file: {type(exc).__name__}: {str(exc)[:200]}"
        raise PolicyFileError(msg) from None
    if not isinstance(data, dict):
        msg = f"{name}: a policy file is a YAML mapping with organisation, policy, clauses, ..."
        raise PolicyFileError(msg)
    try:
        parsed = _PolicyFile.model_validate(data)
    except ValidationError as exc:
        errors = [(tuple(e["loc"]), str(e["msg"])) for e in exc.errors()]
    else:
        errors = parsed.cross_check()
        if not errors:
            return parsed.to_domain()
    root = yaml.compose(text, Loader=_SafeLoader)  # only to name the lines of the errors
    problems = [
        f"{name}:{_line_of(root, loc)}: {'.'.join(str(p) for p in loc) or '(file)'}: {message}"
        for loc, message in errors
    ]
    raise PolicyFileError("\n".join(problems))


def load_policy(path: Path) -> Policy:
    """
    Load and validate one policy file.

    Raises:
        FileNotFoundError: there is no such file.
        PolicyFileError: it cannot be read as UTF-8 text or is not a valid policy.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot be read as UTF-8 text: {exc}"
        raise PolicyFileError(msg) from None
    return load_policy_text(text, name=str(path))
