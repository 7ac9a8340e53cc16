"""What every console form checks before it changes anything: the CSRF token and the role."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.api.deps import Principal, Services, check_role
from app.api.problems import Forbidden
from app.services import console
from app.store.keys import Role

from .pages import problem_page
from .session import ConsoleUser

__all__ = ["refuse_clerk_form", "refuse_unless_clerk", "refuse_without_csrf"]

_CLERK = frozenset({str(Role.CLERK)})


def refuse_without_csrf(
    request: Request, services: Services, user: ConsoleUser, given: str | None
) -> HTMLResponse | None:
    """A 403 page unless the form carries this session's CSRF token (constant-time check)."""
    if console.csrf_matches(user.session, given):
        return None
    return problem_page(
        request,
        services,
        user,
        status=403,
        title="The form could not be accepted",
        message="It had expired, or it did not come from this console. Nothing was changed. "
        "Go back, reload the page and try again.",
    )


def refuse_unless_clerk(
    request: Request, services: Services, user: ConsoleUser
) -> HTMLResponse | None:
    """A 403 page unless the person signed in with a Clerk's key (the API's own role check)."""
    try:
        check_role_of(user)
    except Forbidden as exc:
        return problem_page(
            request,
            services,
            user,
            status=403,
            title="Only the Town Clerk can do this",
            message=f"{str(exc)[:1].upper()}{str(exc)[1:]}. Sign in with a Clerk's key to do it.",
        )
    return None


def check_role_of(user: ConsoleUser) -> None:
    """Raises Forbidden unless the user's key is a Clerk's."""
    check_role(Principal(user.session.key_id, user.organisation_id, user.person, user.role), _CLERK)


def refuse_clerk_form(
    request: Request, services: Services, user: ConsoleUser, given: str | None
) -> HTMLResponse | None:
    """A 403 page unless the form carries this session's CSRF token and a Clerk sent it."""
    return refuse_without_csrf(request, services, user, given) or refuse_unless_clerk(
        request, services, user
    )
