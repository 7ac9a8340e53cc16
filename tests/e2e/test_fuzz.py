"""
API fuzzing with schemathesis against the app's own OpenAPI document, in process, for every
operation, with a Clerk's key: no 5xx, documented status codes and content types, and
responses that match their schemas.

The budget is bounded for CI (a fixed seed, `PURDAH_FUZZ_EXAMPLES` examples per operation,
10 by default); `make fuzz` runs a longer one.
"""

import os
import time
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from app.config import Settings
from app.main import create_app
from tests.conftest import ROOT, Keys

from .conftest import Clock

EXAMPLES = int(os.environ.get("PURDAH_FUZZ_EXAMPLES", "10"))
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture
def fuzzed_app(
    engine: Engine, database_url: str, seeded: Keys, clock: Clock
) -> Iterator[tuple[FastAPI, Keys]]:
    settings_ = Settings(
        database_url=database_url, policy_dir=ROOT / "policies", calendar_dir=ROOT / "calendars"
    )
    # the background refresher keeps the snapshot fresh through a long run (else /readyz is 503)
    app = create_app(settings_, engine=engine, clock=clock, refresh_in_background=True)
    from fastapi.testclient import TestClient

    with TestClient(app):  # runs the lifespan: snapshots loaded
        yield app, seeded


def test_no_operation_answers_a_server_error(fuzzed_app: tuple[FastAPI, Keys]) -> None:
    """Every operation of the OpenAPI document, fuzzed with a Clerk's key; failures collected."""
    app, keys = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {keys.clerk}"}
    failures: list[str] = []
    operations = 0
    began = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every failure, then report
            failures.append(f"{operation.label}: {str(exc)[:1500]}")

    print(  # noqa: T201 - `make fuzz` shows its figures (run with -s)
        f"\nfuzzed {operations} operations x {EXAMPLES} examples (seeded) on "
        f"{app.state.services.engine.dialect.name}: {len(failures)} failing, "
        f"{time.monotonic() - began:.0f} s"
    )
    assert operations >= 30
    assert failures == [], "\n\n".join(failures)
