"""
The words of each event's notice (`app.domain.notices`): times in Europe/London in words,
whatever offset the payload carries, guidance lines from the payload's categories, and a
plain notice for an event type nobody taught it.
"""

from typing import Any

import pytest

from app.domain.notices import WHO_TO_ASK, Notice, notice_of

# Reference election: local.cornwall.2025-05-01 (notice of election published 14 March 2025)
CORNWALL_WINDOW = {
    "window_id": "w-2025-03-14",
    "starts_at": "2025-03-14T00:00:00+00:00",
    "ends_at": "2025-05-01T22:00:00+01:00",
    "election_ids": ["local.cornwall.2025-05-01"],
    "manual_window_ids": [],
    "estimated": False,
    "description": "Cornwall Council elections",
}
GUIDANCE = {
    "permitted": ["service-information", "emergency", "statutory_notice"],
    "referred": ["consultation", "event"],
    "never_permitted": ["party-political"],
}


def _window_event(type_: str, **data: Any) -> dict[str, Any]:
    return {
        "type": type_,
        "timestamp": "2025-03-07T00:00:00+00:00",
        "data": {
            "organisation_id": "org-a",
            "organisation_name": "Example Town Council",
            "window": CORNWALL_WINDOW,
            "boundary_at": "2025-03-14T00:00:00+00:00",
            "due_at": "2025-03-07T00:00:00+00:00",
            "late": False,
            "guidance": GUIDANCE,
            "link": "/v1/windows?from=2025-03-14T00:00:00Z",
        }
        | data,
    }


def test_an_upcoming_window_names_its_start_in_london_words() -> None:
    """14 March 2025 is GMT: 00:00 UTC is 00:00 in London."""
    notice = notice_of(_window_event("window.upcoming"))

    assert notice.title == "Pre-election period starts Friday 14 March 2025 at 00:00"
    assert notice.summary.startswith(
        "Example Town Council: restricted from Friday 14 March 2025 at 00:00 "
        "until 22:00 on Thursday 1 May 2025. Cornwall Council elections."
    )
    assert ("Ends", "Thursday 1 May 2025 at 22:00") in notice.facts
    assert notice.link == "/v1/windows?from=2025-03-14T00:00:00Z"


def test_guidance_lists_the_categories_as_words_and_says_whom_to_ask() -> None:
    notice = notice_of(_window_event("window.started"))

    assert notice.guidance == (
        "Still allowed: service information, emergency and statutory notice",
        "Needs the Clerk's approval: consultation and event",
        "Never allowed: party political",
        "Who to ask: the Clerk (approval requests: POST /v1/requests)",
    )


@pytest.mark.parametrize(
    "ends_at",
    ["2026-05-07T22:00:00+01:00", "2026-05-07T21:00:00Z", "2026-05-07T21:00:00+00:00"],
    ids=["london-offset", "utc-z", "utc-offset"],
)
def test_a_started_window_shows_its_end_in_british_summer_time(ends_at: str) -> None:
    # Reference election: local.2026-05-07 (poll closes 22:00 BST)
    window = CORNWALL_WINDOW | {"ends_at": ends_at, "election_ids": ["local.2026-05-07"]}

    notice = notice_of(_window_event("window.started", window=window))

    assert notice.title == "Pre-election period has started"
    assert notice.summary.startswith("Restricted until 22:00 on Thursday 7 May 2026: ")


def test_a_winter_poll_closes_at_22_00_gmt() -> None:
    # Reference election: parl.camborne-and-redruth.by.2026-03-05 (GMT)
    window = CORNWALL_WINDOW | {"ends_at": "2026-03-05T22:00:00Z"}

    notice = notice_of(_window_event("window.ended", window=window))

    assert notice.title == "Pre-election period ended at 22:00 on Thursday 5 March 2026"
    assert notice.guidance == (WHO_TO_ASK,)


def test_a_late_event_says_when_it_was_due() -> None:
    notice = notice_of(
        _window_event("window.started", late=True, due_at="2025-03-14T00:00:00+00:00")
    )

    assert notice.summary.endswith(" (late: due at Friday 14 March 2025 at 00:00)")


def test_an_event_on_time_says_nothing_of_lateness() -> None:
    notice = notice_of(_window_event("window.upcoming"))

    assert "late" not in notice.summary


def test_an_estimated_start_says_so() -> None:
    window = CORNWALL_WINDOW | {"estimated": True}

    notice = notice_of(_window_event("window.upcoming", window=window))

    assert ("Starts", "Friday 14 March 2025 at 00:00 (estimated)") in notice.facts
    assert "The start is estimated" in notice.summary


def test_a_window_of_the_clerks_alone_is_a_restricted_period() -> None:
    window = CORNWALL_WINDOW | {"election_ids": [], "manual_window_ids": ["mw-1"]}

    notice = notice_of(_window_event("window.upcoming", window=window))

    assert notice.title == "Restricted period starts Friday 14 March 2025 at 00:00"
    assert ("Windows set by the Clerk", "mw-1") in notice.facts


def test_an_override_granted_names_account_categories_and_span_in_london_time() -> None:
    payload = {
        "type": "override.granted",
        "timestamp": "2025-04-01T09:00:00+01:00",
        "data": {
            "organisation_id": "org-a",
            "override_id": "ov-1",
            "account_id": "facebook-main",
            "starts_at": "2025-04-10T08:00:00Z",
            "ends_at": "2025-04-10T17:00:00+00:00",
            "categories": ["event"],
            "anchors": [],
            "confirmed_at": None,
            "revoked_at": None,
            "reason": "Street fair road closures",
            "link": "/v1/overrides/ov-1",
        },
    }

    notice = notice_of(payload)

    assert notice.title == "Override granted for account facebook-main"
    assert notice.summary == (
        "The Clerk allowed account facebook-main to publish event posts from Thursday 10 April "
        "2025 at 09:00 until 18:00 on Thursday 10 April 2025."
    )
    assert ("Reason", "Street fair road closures") in notice.facts
    assert notice.link == "/v1/overrides/ov-1"


def test_an_override_for_every_account_says_all_accounts() -> None:
    payload = {
        "type": "override.revoked",
        "data": {"account_id": None, "categories": None, "reason": "Fair cancelled"},
    }

    notice = notice_of(payload)

    assert notice.title == "Override revoked for all accounts"
    assert "posts of any category the policy allows" in notice.summary


def test_a_decided_request_says_what_the_clerk_decided() -> None:
    payload = {
        "type": "request.decided",
        "data": {
            "request_id": "rq-1",
            "account_id": "x-main",
            "category": "new-campaign",
            "at": "2025-12-01T12:30:00+00:00",
            "decision": "reject",
            "reason": "Wait until after the poll",
            "link": "/v1/requests/rq-1",
        },
    }

    notice = notice_of(payload)

    assert notice.title == "Request rejected: new campaign post on account x-main"
    assert notice.summary.startswith(
        "The Clerk rejected the new campaign post planned for Monday 1 December 2025 at 12:30."
    )


def test_a_created_request_names_who_asked() -> None:
    payload = {
        "type": "request.created",
        "data": {"account_id": "x-main", "category": "event", "requested_by": "comms"},
    }

    notice = notice_of(payload)

    assert notice.title == "Approval requested: event post on account x-main"
    assert notice.summary == "comms asks the Clerk to approve an event post."


def test_an_account_status_change_says_from_and_to() -> None:
    payload = {
        "type": "account.status_changed",
        "data": {"account_id": "x-main", "status": "suspended", "previous_status": "active"},
    }

    notice = notice_of(payload)

    assert notice.title == "Account x-main is now suspended"
    assert notice.summary == (
        "The status of account x-main moved from active to suspended. "
        "Only active accounts may publish."
    )


def test_a_moved_election_period_says_now_and_was() -> None:
    payload = {
        "type": "window.changed",
        "data": {
            "kind": "election",
            "election_id": "local.cornwall.2025-05-01",
            "change": "moved",
            "before": {"starts_at": "2025-03-25T00:00:00+00:00", "ends_at": "2025-05-01T21:00Z"},
            "after": {"starts_at": "2025-03-14T00:00:00+00:00", "ends_at": "2025-05-01T21:00Z"},
        },
    }

    notice = notice_of(payload)

    assert notice.title == "Pre-election period of local.cornwall.2025-05-01 moved"
    assert notice.summary == (
        "Pre-election period of local.cornwall.2025-05-01 now runs from Friday 14 March "
        "2025 at 00:00 until 22:00 on Thursday 1 May 2025 (was from Tuesday 25 March 2025 "
        "at 00:00 until 22:00 on Thursday 1 May 2025)."
    )


def test_a_policy_review_due_names_the_day_and_lateness() -> None:
    payload = {
        "type": "policy.review_due",
        "data": {
            "organisation_id": "org-a",
            "organisation_name": "Example Town Council",
            "review_due": "2025-07-01",
            "due_at": "2025-07-01T00:00:00+01:00",
            "late": True,
            "link": "/v1/policy",
        },
    }

    notice = notice_of(payload)

    assert notice.title == "Social media policy review due Tuesday 1 July 2025"
    assert notice.summary.endswith("(late: due at Tuesday 1 July 2025 at 00:00)")


def test_a_failing_webhook_gives_the_error() -> None:
    payload = {
        "type": "webhook.failing",
        "data": {"webhook_id": "wh-1", "reason": "the receiver answered 500"},
    }

    notice = notice_of(payload)

    assert notice.title == "Webhook wh-1 is failing"
    assert ("Error", "the receiver answered 500") in notice.facts


def test_a_test_event_shows_its_message() -> None:
    payload = {"type": "webhook.test", "data": {"webhook_id": "wh-1", "message": "Hello."}}

    assert notice_of(payload) == Notice(
        title="Test event",
        summary="Hello.",
        facts=(("Organisation", "The organisation"), ("Webhook", "wh-1")),
    )


def test_an_unknown_event_type_gets_a_plain_notice_of_its_fields() -> None:
    payload = {
        "type": "election.certified",
        "data": {"organisation_id": "org-a", "certified_at": "2025-05-02T03:15:00Z", "n": 3},
    }

    notice = notice_of(payload)

    assert notice.title == "Event election.certified"
    assert ("Certified at", "Friday 2 May 2025 at 04:15") in notice.facts
    assert ("N", "3") in notice.facts


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"type": None, "data": None},
        {"type": "window.started", "data": {"window": "not a mapping", "guidance": 7}},
        {"type": "override.granted", "data": {"starts_at": "yesterday", "categories": "event"}},
        {"type": "window.changed", "data": {"before": [], "after": "x"}},
        {"type": "policy.review_due", "data": {"review_due": "2025-13-45", "late": "yes"}},
    ],
    ids=["empty", "nulls", "bad-window", "bad-times", "bad-spans", "bad-date"],
)
def test_a_payload_it_cannot_read_still_gives_a_notice(payload: dict[str, Any]) -> None:
    notice = notice_of(payload)

    assert notice.title
    assert notice.summary
