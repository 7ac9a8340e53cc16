"""Alembic environment: the metadata of app.store.tables, batch mode so SQLite can alter tables."""

from alembic import context
from sqlalchemy import pool
from sqlmodel import SQLModel

import app.store.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from app.store.engine import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None  # noqa: S101 - set by app.store.engine.alembic_config
    engine = make_engine(url, poolclass=pool.NullPool) if "sqlite" in url else make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
