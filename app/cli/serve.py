"""`purdah serve`: the API under uvicorn."""

from typing import Any

import typer

from app.cli.context import cli_context
from app.config import Settings

__all__ = ["serve", "uvicorn_options"]


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """
    The server settings `purdah serve` runs uvicorn with (beside the app): the HTTP benchmark
    runs its bare ASGI app with the same ones, so the two are measured on the same stack.
    """
    return {
        "host": settings.host,
        "port": settings.port,
        "workers": settings.workers,
        "access_log": settings.access_log,
        "log_level": "info",
        # never uvicorn's default (trust loopback, or $FORWARDED_ALLOW_IPS): see app.api.throttle
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }


def serve(ctx: typer.Context) -> None:
    """Serve the API (PURDAH_HOST, PURDAH_PORT; the database must be migrated).

    Forwarding headers are believed only from PURDAH_FORWARDED_ALLOW_IPS (default: none).
    """
    import uvicorn

    cli = cli_context(ctx)
    cli.migrated_engine()
    uvicorn.run("app.main:app_from_environment", factory=True, **uvicorn_options(cli.settings))
