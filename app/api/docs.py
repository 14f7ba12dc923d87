"""The API app's OpenAPI schema (/api/openapi.json) and Swagger UI (/api/docs), from /static.

The page loads no script from elsewhere and runs none inline (the site's CSP): Swagger UI is
vendored with its version in the file name, and static/api-docs.js starts it.
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.responses import JSONResponse, Response

from app.api.errors import PROBLEM_MEDIA_TYPE
from app.web.render import templates

SWAGGER_UI_VERSION = "5.35.0"
DESCRIPTION = """\
Read and record AI compute deals: the same data, filters and rules as the site.

* **Reading** follows the site's setting: open to all, or (on a private instance) for signed-in
  users and API tokens.
* **Writing** needs an API token of an analyst or admin, made on your account page (`/account`)
  and sent as `Authorization: Bearer <token>`. A browser session is not enough.
* **Errors** are `application/problem+json` (RFC 9457): `title`, `status`, `detail`, and
  `errors` with the messages for each bad field or query parameter.
* **Partial dates** are strings at their precision: `2026-05-21`, `2026-05`, `2026-Q2`, `2026`.
* **Edits** send back the `version` they read; a stale one is refused with 409.
"""


def build_schema(api: FastAPI) -> dict[str, Any]:
    """The API routes' schema, with every error response typed application/problem+json."""
    schema = get_openapi(
        title=api.title, version=api.version, description=api.description, routes=api.routes
    )
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status.isdigit() and int(status) >= 400 and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    return schema


def install_docs(api: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = build_schema(api)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]

    # Plain routes, outside the API's own dependencies: the description of the API is public
    # even where reading the data is not.
    async def openapi_json(request: Request) -> Response:
        # The paths are the API app's own (/v1/…); `servers` is where it is mounted, behind
        # the site's root_path if any (/api, or /prefix/api), for Swagger UI and clients.
        server = {"url": request.scope.get("root_path") or "/"}
        return JSONResponse({**api.openapi(), "servers": [server]})

    async def docs_page(request: Request) -> Response:
        return templates.TemplateResponse(
            request, "api/docs.html", {"swagger_ui_version": SWAGGER_UI_VERSION}
        )

    api.add_route("/openapi.json", openapi_json, include_in_schema=False, name="api_openapi")
    api.add_route("/docs", docs_page, include_in_schema=False, name="api_docs")
