"""`purdah serve`: the API under uvicorn."""

import typer

from app.cli.context import cli_context

__all__ = ["serve"]


def serve(ctx: typer.Context) -> None:
    """Serve the API (PURDAH_HOST, PURDAH_PORT; the database must be migrated).

    Forwarding headers are believed only from PURDAH_FORWARDED_ALLOW_IPS (default: none).
    """
    import uvicorn

    cli = cli_context(ctx)
    settings = cli.settings
    cli.migrated_engine()
    uvicorn.run(
        "app.main:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=settings.access_log,
        log_level="info",
        # never uvicorn's default (trust loopback, or $FORWARDED_ALLOW_IPS): see app.api.throttle
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
