"""
TEMPORARY shim: importing elections is `app.services.imports` (and recurring schedules
`app.services.schedules`). These wrappers keep the old engine-first signatures only for
`app/cli.py` until it calls the services; delete this module then.
"""

from typing import Any

from sqlalchemy import Engine

from app.store.unit_of_work import UnitOfWork

__all__ = ["import_elections", "plan_import"]


def plan_import(engine: Engine, *args: Any, **kwargs: Any) -> Any:
    from app.services import imports  # noqa: PLC0415 - shim only; services import the store

    return imports.plan_import(UnitOfWork(engine), *args, **kwargs)


def import_elections(engine: Engine, *args: Any, **kwargs: Any) -> Any:
    from app.services import imports  # noqa: PLC0415 - shim only; services import the store

    return imports.import_elections(UnitOfWork(engine), *args, **kwargs)
