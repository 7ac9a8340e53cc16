"""
TEMPORARY shim: the writes moved to `app.services` (one module per group). These wrappers
keep the old names and engine-first signatures only for `app/cli.py` until it calls the
services; delete this module then. Nothing else may import it.
"""

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.store.repositories import appointed_dies_non as _appointed
from app.store.unit_of_work import Actor, UnitOfWork

__all__ = ["SEED_ACTOR", "appointed_dies_non", "create_key", "revoke_key", "seed"]

SEED_ACTOR = Actor("purdah seed", "system")


def appointed_dies_non(session: Session, organisation_id: str) -> Any:
    return _appointed(session, organisation_id)


def seed(engine: Engine, *args: Any, **kwargs: Any) -> Any:
    from app.services import organisations  # noqa: PLC0415 - shim only

    return organisations.seed(UnitOfWork(engine), *args, **kwargs)


def create_key(engine: Engine, *args: Any, **kwargs: Any) -> Any:
    from app.services import keys  # noqa: PLC0415 - shim only

    return keys.create_key(UnitOfWork(engine), *args, **kwargs)


def revoke_key(engine: Engine, *args: Any, **kwargs: Any) -> Any:
    from app.services import keys  # noqa: PLC0415 - shim only

    return keys.revoke_key(UnitOfWork(engine), *args, **kwargs)
