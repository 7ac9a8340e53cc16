"""
A notice as a Microsoft Teams message: the body a Teams Workflows webhook ("When a Teams
webhook request is received", then "Post card in a chat or channel") takes, carrying one
Adaptive Card.

Shape (the body Microsoft's Teams documentation gives for Adaptive Cards sent to a webhook,
which a Workflow's trigger reads as `triggerBody()?['attachments']`):

    {"type": "message",
     "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                      "contentUrl": null,
                      "content": {"$schema": ..., "type": "AdaptiveCard", "version": "1.5",
                                  "body": [...], "actions": [...]}}]}

The card holds the notice's title and summary (TextBlocks), its facts (a FactSet), its
guidance (TextBlocks) and, when the service's public address is known, an `Action.OpenUrl`
to the object's link made absolute. It uses only elements of Adaptive Cards 1.5 and is
checked against that version's JSON schema in the tests (tests/data/adaptive-cards/).

Pure: no I/O.
"""

from typing import Any

from app.domain.notices import Notice

__all__ = ["CARD_SCHEMA", "CARD_VERSION", "absolute_link", "teams_message"]

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
_CARD_TYPE = "application/vnd.microsoft.card.adaptive"


def absolute_link(link: str | None, base_url: str | None) -> str | None:
    """
    The link as an absolute URL: an API path joined to `base_url` (the service's public
    address, which may have a path of its own); an absolute http(s) link as it is; None
    without a link, or for a path without a base (a card cannot open a relative URL).
    """
    if not link:
        return None
    if link.startswith(("https://", "http://")):
        return link
    if not base_url or not link.startswith("/"):
        return None
    return base_url.rstrip("/") + link


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _card(notice: Notice, base_url: str | None) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _text_block(notice.title, size="Medium", weight="Bolder", style="heading"),
        _text_block(notice.summary),
    ]
    if notice.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in notice.facts],
            }
        )
    for index, line in enumerate(notice.guidance):
        style: dict[str, Any] = (
            {"separator": True, "spacing": "Medium"} if index == 0 else {"spacing": "Small"}
        )
        body.append(_text_block(line, **style))
    card: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "fallbackText": f"{notice.title}: {notice.summary}",
        "body": body,
    }
    url = absolute_link(notice.link, base_url)
    if url is not None:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in the API", "url": url}]
    return card


def teams_message(notice: Notice, *, base_url: str | None) -> dict[str, Any]:
    """
    The Teams Workflows webhook body for `notice`: a message with one Adaptive Card. The
    card's button opens the notice's link on `base_url`; without a base it has no button.
    """
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": _CARD_TYPE,
                "contentUrl": None,
                "content": _card(notice, base_url),
            }
        ],
    }
