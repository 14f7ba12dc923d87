"""Which methods a path answers: for OPTIONS and the Allow header of a 405, on pages and in the
API alike."""

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles

# The methods an Allow header may name besides OPTIONS (which every path answers).
ASKED_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
STATIC_METHODS = ("GET", "HEAD")


def _answers(route: BaseRoute, scope: dict[str, Any], method: str) -> bool:
    if route.matches({**scope, "method": method})[0] != Match.FULL:
        return False
    # A mount matches every method; static files answer only these.
    return not (isinstance(route, Mount) and isinstance(route.app, StaticFiles)) or (
        method in STATIC_METHODS
    )


def allowed_methods(request: Request, root_path: str | None = None) -> list[str]:
    """The methods some route of the request's app answers at its path, and OPTIONS: each
    method is put to the routes themselves, so the answer holds however they are grouped
    (Starlette's own 405 names the methods of the first route at the path only).

    `root_path` is where the app's routes start, when a mount the request went into (/static)
    has moved the scope's own on."""
    scope = dict(request.scope)
    if root_path is not None:
        scope["root_path"] = root_path
    routes = request.app.router.routes
    answered = [m for m in ASKED_METHODS if any(_answers(r, scope, m) for r in routes)]
    return sorted([*answered, "OPTIONS"])
