"""Reading posted forms without FastAPI's JSON 422s, and answering after a post."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from app.web.render import is_htmx
from app.web.security import flash_cookie


async def form_data(request: Request) -> FormData:
    return await request.form()


FormDataDep = Annotated[FormData, Depends(form_data)]


class Typed(dict[str, str]):
    """What a form held, to put back into it: a missing field reads as empty, never "None"."""

    def get(self, name: str, default: str = "") -> str:  # type: ignore[override]
        return super().get(name, default)

    @classmethod
    def from_form(cls, form: FormData) -> "Typed":
        return cls({k: v for k, v in form.items() if isinstance(v, str)})


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def redirect_after_post(request: Request, url: str, flash: str | None = None) -> Response:
    """303 for a plain post; HX-Redirect for htmx, which would otherwise swap the next page.

    `flash` is shown once on the next full page (a signed cookie, so it survives the redirect
    whichever app instance serves it).
    """
    response: Response
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(**flash_cookie(request, flash))
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host (`//evil`, `https://…`)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
