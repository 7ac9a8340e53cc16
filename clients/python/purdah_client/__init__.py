"""
A small typed client of purdah-controller for scheduling tools.

`PurdahClient.can_publish()` fails closed: it is True only for a 200 whose body says
`"allowed": true`, and False on any other status, a transport error, a timeout or a body it
cannot read. It never raises for those. `decision()` asks the same question and returns the
whole decision (outcome, reasons, windows) for callers who want the reasons; it raises
`PurdahError` on anything but a 200. `verify_webhook()` checks a webhook's Standard Webhooks
signature before its body is trusted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx
from standardwebhooks import Webhook

__all__ = ["PurdahClient", "PurdahError", "WebhookError", "verify_webhook"]


class PurdahError(Exception):
    """The service answered with a status other than 200, or with a body that is not a decision."""

    def __init__(self, status: int, problem: Mapping[str, Any] | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        #: The RFC 9457 problem the service sent, if it sent one.
        self.problem: Mapping[str, Any] | None = problem


class WebhookError(Exception):
    """A webhook whose signature, timestamp or body does not verify: do not act on it."""


def _aware(name: str, value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        msg = f"{name} must be an aware datetime (with a UTC offset), not {value!r}"
        raise ValueError(msg)
    return value.isoformat()


def _problem(response: httpx.Response) -> Mapping[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class PurdahClient:
    """A client of one purdah-controller service, with one API key."""

    def __init__(
        self,
        base_url: str,
        key: str,
        timeout: float = 5.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PurdahClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # can-publish

    def can_publish(
        self,
        account_id: str,
        *,
        at: dt.datetime | None = None,
        category: str = "general",
        text: str | None = None,
        request_id: str | None = None,
    ) -> bool:
        """
        Whether the account may publish now (or `at`): True only for a 200 whose body says
        `"allowed": true`. Any error, timeout, other status or unreadable body is False.
        A naive `at` raises ValueError (a programming error, not an answer).
        """
        when = _aware("at", at)
        try:
            answer = self._ask(account_id, when, category, text, request_id)
        except (httpx.HTTPError, PurdahError, ValueError):
            return False
        return answer.get("allowed") is True

    def decision(
        self,
        account_id: str,
        *,
        at: dt.datetime | None = None,
        category: str = "general",
        text: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """The whole decision; PurdahError on any status but 200 (httpx errors pass through)."""
        return self._ask(account_id, _aware("at", at), category, text, request_id)

    def _ask(
        self,
        account_id: str,
        at: str | None,
        category: str,
        text: str | None,
        request_id: str | None,
    ) -> dict[str, Any]:
        path = f"/v1/accounts/{quote(account_id, safe='')}/can-publish"
        if text is None and request_id is None:
            params = {"category": category, **({"at": at} if at else {})}
            response = self._http.get(path, params=params)
        else:
            given = {"at": at, "text": text, "request_id": request_id}
            body = {"category": category, **{k: v for k, v in given.items() if v is not None}}
            response = self._http.post(path, json=body)
        answer = self._json(response)
        if not isinstance(answer.get("allowed"), bool):
            raise PurdahError(response.status_code, None, "the answer is not a decision")
        return answer

    # approval requests

    def ask_clerk(
        self,
        account_id: str,
        *,
        at: dt.datetime,
        category: str,
        text: str,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Ask the Town Clerk to allow one post (POST /v1/requests): the request made."""
        body: dict[str, Any] = {
            "account_id": account_id,
            "at": _aware("at", at),
            "category": category,
            "text": text,
        }
        if note is not None:
            body["note"] = note
        return self._json(self._http.post("/v1/requests", json=body), ok=(200, 201))

    def request(self, request_id: str) -> dict[str, Any]:
        """One approval request as it stands now (GET /v1/requests/{request_id})."""
        return self._json(self._http.get(f"/v1/requests/{quote(request_id, safe='')}"))

    @staticmethod
    def _json(response: httpx.Response, ok: tuple[int, ...] = (200,)) -> dict[str, Any]:
        if response.status_code not in ok:
            problem = _problem(response)
            detail = (problem or {}).get("detail") or response.reason_phrase
            raise PurdahError(response.status_code, problem, f"{response.status_code}: {detail}")
        try:
            body = response.json()
        except ValueError:
            raise PurdahError(response.status_code, None, "the answer is not JSON") from None
        if not isinstance(body, dict):
            raise PurdahError(response.status_code, None, "the answer is not a JSON object")
        return body


def verify_webhook(secret: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """
    The webhook's payload, once its Standard Webhooks signature (webhook-id, webhook-timestamp,
    webhook-signature) verifies with the secret; WebhookError otherwise. Pass the body's bytes
    exactly as received, before any JSON parsing.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        payload = Webhook(secret).verify(body, lowered)
    except Exception as exc:  # the package raises several types; every one means "refuse"
        raise WebhookError(str(exc)) from exc
    if not isinstance(payload, dict):
        msg = "the webhook's body is not a JSON object"
        raise WebhookError(msg)
    return payload
