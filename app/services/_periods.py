"""Recompute an organisation's restricted periods inside a write (elections, dies non, imports)."""

import logging

from app.domain import Policy, PurdahError, RestrictedPeriod, restricted_periods
from app.store.repositories import appointed_dies_non, elections_of, replace_periods
from app.store.unit_of_work import Write

__all__ = ["recompute_periods"]

log = logging.getLogger(__name__)


def recompute_periods(change: Write, policy: Policy) -> None:
    """
    Replace the organisation's restricted periods with ones computed from its elections.

    A stored election that today's rules refuse (a poll under timetable rules this service
    no longer computes, a referendum whose kind must now be given) keeps the period it has:
    nothing a rule change does may lift a restriction, and one such row must not stop the
    Clerk's other writes.
    """
    change.session.flush()
    appointed = appointed_dies_non(change.session, change.organisation_id)
    periods: list[RestrictedPeriod] = []
    kept = []
    for election in elections_of(change):
        try:
            periods += restricted_periods(
                [election.to_domain()],
                rules=policy.period_rules,
                country=policy.country,
                extra_dies_non=appointed,
            )
        except PurdahError as exc:
            log.warning(
                "%s: kept the stored period of %s: %s",
                change.organisation_id,
                election.election_id,
                exc,
            )
            kept.append(election.election_id)
    replace_periods(change, periods, keep=kept)
