"""
can-publish's fast answers, for the fast path (`app.api.fast_path`): a question asked before,
by GET, HEAD or POST, from the answer memo (`app.api.answer_memo`), and a well-formed POST.

Each answers only what the documented route (`app.api.routes.decisions`) would answer 200 or
304 with the same steps (`decide`, `decision_bytes`, `decision_etag`, `max_age`, `answer_post`,
`audited`), and for anything else sends nothing and returns False, so that the route answers.
"""

import datetime as dt
import hashlib
import math
import os
import weakref

from pydantic import ValidationError
from pydantic_core import to_json
from starlette.types import Scope, Send

from app.domain import PurdahError, Snapshot, decide
from app.domain.decision import post_decision
from app.store.errors import SnapshotUnavailable

from . import answer_memo
from .answer_memo import Question, Remembered
from .conditional import etag_matches
from .decision_json import decision_bytes, instant_bytes
from .deps import READ_ROLES, Principal, Services, verified_key
from .hygiene import path_problem, read_query
from .problems import MEDIA_TYPE, problem_for
from .reliance import override_uses
from .routes.decisions import (
    CACHE_CAP_SECONDS,
    CAN_PUBLISH_QUERY,
    Answer,
    answer_post,
    audited,
    can_publish_account,
    decision_etag,
    max_age,
    query_category,
    query_instant,
)
from .schemas import PostCheckIn

__all__ = ["serve_post_fast", "serve_remembered"]

# A remembered answer's body is `decision_bytes` of a decision made with an empty id, split
# where each request writes its own id, `at` (for "now") and `evaluated_at`. to_json escapes
# every control character, so a NUL byte written for an instant marks where it goes.
_ID_EMPTY = b'{"decision_id":""'
_ID_OPEN = b'{"decision_id":"'
_MARK = b"\x00"
_JSON = b"application/json"
_CACHE_CAPPED = b"private, max-age=%d" % CACHE_CAP_SECONDS


def _question(path: str, query_string: bytes) -> Question | None:
    """What a can-publish request asks, if the route would take its path and query as they are."""
    account_id = can_publish_account(path)
    if account_id is None or path_problem(path) is not None:
        return None
    query, problem = read_query(query_string)
    if problem is not None or any(name not in CAN_PUBLISH_QUERY for name in query):
        return None
    try:
        return Question(
            account_id, query_instant("at", query.get("at")), query_category(query.get("category"))
        )
    except PurdahError:
        return None


def _remember(
    services: Services,
    question: Question,
    snapshot: Snapshot,
    principal: Principal,
    now: dt.datetime,
) -> Remembered | None:
    """
    The answer to `question` as `answer_post` works it out, in pieces; None for one that must
    not be remembered (an error, or a decision whose reliance on an override is audited).
    """
    at = question.at
    try:
        decision = decide(
            question.account_id, now if at is None else at, question.category, snapshot, now=now
        )
    except PurdahError:
        return None
    if override_uses(decision, principal.role):
        return None
    body = decision_bytes(
        decision, services.fragments.of(snapshot), {now: _MARK}, role=principal.role
    )
    pieces = tuple(body.removeprefix(_ID_EMPTY).split(_MARK))
    # "now": `at` and `evaluated_at` are both the instant; otherwise `evaluated_at` alone (an
    # `at` or `valid_until` that is this very instant is not remembered)
    if not body.startswith(_ID_EMPTY) or len(pieces) != (3 if at is None else 2):
        return None
    etag = decision_etag(decision, principal.role)
    since = now.timestamp()
    until = math.inf
    if at is None:
        until = since + CACHE_CAP_SECONDS
        if decision.valid_until is not None:
            until = min(until, decision.valid_until.timestamp())
    valid_until = math.inf if decision.valid_until is None else decision.valid_until.timestamp()
    return Remembered(
        weakref.ref(snapshot),
        decision,
        pieces,
        etag,
        etag.encode("latin-1"),
        since,
        until,
        valid_until,
    )


def _answer(
    services: Services, question: Question, principal: Principal, now: dt.datetime
) -> tuple[Remembered, Snapshot] | None:
    """
    The remembered answer to `question` for `principal` that holds `now`, worked out and
    remembered if there is none, with the snapshot it belongs to; None if the snapshot is not
    available or the answer must not be remembered (then the long way answers).
    """
    try:
        snapshot = services.cache.snapshot(principal.organisation_id)
    except SnapshotUnavailable:
        return None
    t = now.timestamp()
    slot = (principal.organisation_id, principal.role)
    answer = question.answers.get(slot)
    if answer is None or answer.snapshot() is not snapshot or not answer.since <= t < answer.until:
        answer = _remember(services, question, snapshot, principal, now)
        if answer is None:
            return None
        question.answers[slot] = answer
    return answer, snapshot


async def serve_remembered(services: Services, scope: Scope, send: Send) -> bool:
    """
    can-publish by GET or HEAD from the answers remembered (`app.api.answer_memo`): answers
    (True) a request the route would answer 200 or 304 without auditing anything, working
    out and remembering the answer if it has none that holds; for anything else it sends
    nothing and returns False, and `serve_can_publish` answers.
    """
    memo = services.answers
    path: str = scope["path"]
    query_string: bytes = scope["query_string"]
    question = known = memo.question(path, query_string)
    if question is None:
        question = _question(path, query_string)
        if question is None:
            return False
    authorization = if_none_match = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == b"if-none-match":
            if_none_match = value
    principal = _remembered_principal(services, authorization)
    if principal is None or principal.role not in READ_ROLES:
        return False
    if known is None:  # remembered for a valid key only: a request without one costs nothing
        memo.remember_question(path, query_string, question)
    now = services.clock()
    found = _answer(services, question, principal, now)
    if found is None:
        return False
    answer, _ = found
    t = now.timestamp()
    # max-age: the cap, unless `valid_until` is nearer (then as `answer_post` works it out)
    if answer.valid_until - t > CACHE_CAP_SECONDS + 1:
        cache_control = _CACHE_CAPPED
    else:
        cache_control = b"private, max-age=%d" % max_age(answer.decision, now)
    if if_none_match is not None and (
        if_none_match == answer.etag_header
        or etag_matches(if_none_match.decode("latin-1"), answer.etag)
    ):
        headers = [(b"ETag", answer.etag_header), (b"Cache-Control", cache_control)]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return True
    when = instant_bytes(now)
    pieces = answer.body
    decision_id = os.urandom(16).hex().encode()
    if question.at is None:
        body = b"".join((_ID_OPEN, decision_id, b'"', pieces[0], when, pieces[1], when, pieces[2]))
    else:
        body = b"".join((_ID_OPEN, decision_id, b'"', pieces[0], when, pieces[1]))
    headers = [
        (b"ETag", answer.etag_header),
        (b"Cache-Control", cache_control),
        (b"content-type", _JSON),
        (b"content-length", b"%d" % len(body)),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
    return True


async def serve_post_fast(
    scope: Scope, send: Send, raw: bytes, services: Services, account_id: str
) -> bool:
    """
    can-publish by POST, for the fast path (`app.api.fast_path`), which has checked the path
    (`account_id`: the account it names), query, media type and size as the route's
    dependencies would, and read the body `raw`.
    Answers (True) only the requests that the documented route would answer 200 with the same
    steps (`known_principal`, `PostCheckIn`, `answer_post`, `audited`); for anything else it
    sends nothing and returns False, and the documented route answers. A key and a question
    asked before are answered from the answer memo (`_remembered_principal`,
    `_serve_post_remembered`), which holds what those steps worked out.
    """
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
    principal = _remembered_principal(services, authorization)
    if principal is None or principal.role not in READ_ROLES:
        return False
    try:
        body = PostCheckIn.model_validate_json(raw)
        if body.request_id is None and await _serve_post_remembered(
            services, send, principal, account_id, body
        ):
            return True
        answer = answer_post(
            services,
            principal,
            account_id,
            at=body.at,
            category=body.category,
            text=body.text,
            request_id=body.request_id,
        )
    except (ValidationError, PurdahError):
        return False
    if answer.override_uses:  # else `audited` gives the answer as it is
        path: str = scope["path"]
        try:
            answer = await audited(services, answer, path=path)
        except PurdahError as exc:
            status, extra, problem = problem_for(exc, path)
            answer = Answer(status, extra, to_json(problem), MEDIA_TYPE)
    # the headers as the route's Response writes them
    raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()
    ]
    raw_headers += [
        (b"content-length", b"%d" % len(answer.body)),
        (b"content-type", answer.media_type.encode()),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": answer.body})
    return True


def _remembered_principal(services: Services, authorization: bytes | None) -> Principal | None:
    """
    `known_principal` for an `Authorization` value, from the keys the answer memo remembers
    (`app.api.answer_memo`: only while the snapshot cache holds that very key entry), as
    `serve_remembered` finds it; verified and remembered if it is not known.
    """
    if authorization is None:
        return None
    memo = services.answers
    known = memo.key(authorization)
    if known is not None and services.cache.key(known[1].key_id) is known[0]:
        services.key_use.seen(known[1].key_id)
        return known[1]
    verified = verified_key(services, authorization.decode("latin-1"))
    if verified is None:
        return None
    memo.remember_key(authorization, *verified)
    return verified[1]


_NO_STORE = (b"cache-control", b"no-store")


async def _serve_post_remembered(
    services: Services, send: Send, principal: Principal, account_id: str, body: PostCheckIn
) -> bool:
    """
    can-publish by POST with a text, for a question (account, instant, category) asked before
    and a text that adds nothing to its answer: the answer the memo remembers (`_remember`:
    `decide` and `decision_bytes`, as `serve_remembered` answers the GET), with the text
    screened against it (`post_decision`), the decision's own id and `evaluated_at` filled in,
    and the POST's headers. For anything else (a question asked for the first time, a text
    that adds a reason, an answer the memo must not hold) it sends nothing and returns False,
    and `answer_post` answers.

    Raises:
        PurdahError: as `decide_post`.
    """
    at = body.at
    if at is None or body.text is None:  # without a text, `answer_post` answers as the GET
        return False
    question = services.answers.post_question(account_id, at, body.category)
    if question is None:
        return False
    now = services.clock()
    found = _answer(services, question, principal, now)
    if found is None:
        return False
    answer, snapshot = found
    decision = answer.decision
    # the same post checked again: its text was screened against this very decision and
    # snapshot already (a pure function of the three), and added nothing
    digest = hashlib.sha256(body.text.encode("utf-8", "surrogatepass")).digest()
    if digest not in answer.plain_texts:
        if post_decision(decision, snapshot, text=body.text, request_id=None) is not decision:
            return False
        if len(answer.plain_texts) < answer_memo.MAX_PLAIN_TEXTS:
            answer.plain_texts.add(digest)
    pieces = answer.body
    decision_id = os.urandom(16).hex().encode()
    content = b"".join((_ID_OPEN, decision_id, b'"', pieces[0], instant_bytes(now), pieces[1]))
    headers = [_NO_STORE, (b"content-length", b"%d" % len(content)), (b"content-type", _JSON)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": content})
    return True
