"""Rendering a console page: the templates, the organisation's name, the security headers."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api.deps import Services
from app.api.docs import console_headers
from app.domain import PurdahError

from .session import ConsoleUser

__all__ = ["HERE", "TEMPLATES", "organisation_name", "problem_page", "render", "root"]

HERE = Path(__file__).resolve().parent
# Autoescaping is on for every template (Starlette's default for Jinja2Templates).
TEMPLATES = Jinja2Templates(directory=HERE / "templates")


def root(request: Request) -> str:
    """The path the service is mounted at behind a proxy ('' at the top)."""
    return str(request.scope.get("root_path", ""))


def organisation_name(services: Services, organisation_id: str | None) -> str | None:
    """
    The organisation's name from its policy; before sign-in, the one organisation this
    deployment serves, if it serves one (None when it serves several, or its policy is unusable).
    """
    if organisation_id is None:
        served = services.cache.organisations()
        if len(served) != 1:
            return None
        organisation_id = served[0]
    try:
        return services.policy(organisation_id).organisation_name
    except PurdahError:
        return None


def render(
    request: Request,
    services: Services,
    template: str,
    *,
    title: str,
    user: ConsoleUser | None,
    status: int = 200,
    errors: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page, with the console's security headers (no script, no framing, not cached)."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "user": user,
            "errors": errors or {},
            "root": root(request),
            "organisation_name": organisation_name(
                services, user.organisation_id if user else None
            ),
            **context,
        },
        status_code=status,
        headers=console_headers(),
    )


def problem_page(
    request: Request,
    services: Services,
    user: ConsoleUser | None,
    *,
    status: int,
    title: str,
    message: str,
) -> HTMLResponse:
    """A page that says what went wrong, in words, with the status code."""
    return render(
        request, services, "problem.html", title=title, user=user, status=status, message=message
    )
