"""
Teams Workflows bodies (`app.domain.teams_cards`): a message carrying one Adaptive Card 1.5
that validates against that version's official JSON schema, for every event type.
"""

import json
from typing import Any

import pytest
from jsonschema import Draft6Validator

from app.domain.notices import Notice, notice_of
from app.domain.teams_cards import absolute_link, teams_message
from tests.conftest import ROOT

from .notice_payloads import EVENT_PAYLOADS

SCHEMA = json.loads((ROOT / "tests/data/adaptive-cards/adaptive-card-1.5.json").read_text())
VALIDATOR = Draft6Validator(SCHEMA, format_checker=Draft6Validator.FORMAT_CHECKER)
BASE = "https://purdah.example.org"


def _card(message: dict[str, Any]) -> dict[str, Any]:
    card: dict[str, Any] = message["attachments"][0]["content"]
    return card


def _errors(card: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(card)]


@pytest.mark.parametrize("payload", EVENT_PAYLOADS.values(), ids=EVENT_PAYLOADS.keys())
def test_every_event_card_is_valid_adaptive_card_1_5(payload: dict[str, Any]) -> None:
    message = teams_message(notice_of(payload), base_url=BASE)

    assert _errors(_card(message)) == []
    assert _card(message)["version"] == "1.5"


@pytest.mark.parametrize("payload", EVENT_PAYLOADS.values(), ids=EVENT_PAYLOADS.keys())
def test_every_event_card_without_a_base_url_is_valid_too(payload: dict[str, Any]) -> None:
    message = teams_message(notice_of(payload), base_url=None)

    assert _errors(_card(message)) == []
    assert "actions" not in _card(message)


def test_the_schema_refuses_a_card_that_breaks_it() -> None:
    """The validator bites: a TextBlock needs its text, and 1.5 has no `Badge` element."""
    card = _card(teams_message(notice_of(EVENT_PAYLOADS["override.granted"]), base_url=BASE))
    broken = card | {"body": [{"type": "TextBlock"}, {"type": "Badge", "text": "x"}]}

    assert _errors(broken) != []


def test_the_message_is_the_workflows_webhook_envelope() -> None:
    message = teams_message(Notice(title="T", summary="S"), base_url=None)

    assert message["type"] == "message"
    assert len(message["attachments"]) == 1
    assert message["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert message["attachments"][0]["contentUrl"] is None
    assert _card(message)["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert _card(message)["type"] == "AdaptiveCard"


def test_the_card_shows_title_summary_facts_and_guidance_in_order() -> None:
    notice = notice_of(EVENT_PAYLOADS["window.started"])

    body = _card(teams_message(notice, base_url=BASE))["body"]

    assert [block["type"] for block in body[:3]] == ["TextBlock", "TextBlock", "FactSet"]
    assert body[0]["text"] == "Pre-election period has started"
    assert body[1]["text"].startswith("Restricted until 22:00 on Thursday 1 May 2025: ")
    assert {"title": "Starts", "value": "Friday 14 March 2025 at 00:00"} in body[2]["facts"]
    assert [block["text"] for block in body[3:]] == list(notice.guidance)


def test_the_button_opens_the_link_on_the_public_url() -> None:
    card = _card(
        teams_message(notice_of(EVENT_PAYLOADS["override.granted"]), base_url=BASE + "/purdah/")
    )

    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open in the API",
            "url": "https://purdah.example.org/purdah/v1/overrides/ov-1",
        }
    ]


@pytest.mark.parametrize(
    ("link", "base", "expected"),
    [
        ("/v1/policy", "https://a.example", "https://a.example/v1/policy"),
        ("/v1/policy", None, None),
        ("https://b.example/x", None, "https://b.example/x"),
        ("v1/policy", "https://a.example", None),
        (None, "https://a.example", None),
        ("javascript:alert(1)", "https://a.example", None),
    ],
    ids=["path", "no-base", "absolute", "relative", "no-link", "other-scheme"],
)
def test_absolute_link(link: str | None, base: str | None, expected: str | None) -> None:
    assert absolute_link(link, base) == expected
