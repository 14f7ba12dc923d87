"""POST /api/v1/extract: a report read into a draft deal, with the deals it may update. It
writes nothing."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from app.api.auth import ApiAnalyst
from app.api.errors import VALIDATION, ApiProblem, problem_responses
from app.api.idempotency import IdempotentRoute
from app.config import Settings
from app.extract.draft import Draft
from app.extract.fetch import FetchFailed, FetchRefused
from app.extract.report import NothingToRead, read_report
from app.inputs.types import MAX_NAME, MAX_URL, refuse
from app.unit_of_work import SessionDep

router = APIRouter(tags=["extract"], route_class=IdempotentRoute)


def _date_text(value: Any) -> Any:
    """A date is written as text (`2025-11-03`): a number is not read as a timestamp."""
    if value is not None and not isinstance(value, str | date):
        raise refuse("date", "a date is written as text, e.g. 2025-11-03")
    return value


class ExtractIn(BaseModel):
    text: str | None = Field(None, description="The report's text; or give `url` alone.")
    url: Annotated[str, StringConstraints(max_length=MAX_URL)] | None = Field(
        None, description="The report's address; fetched (http(s) only) when `text` is empty."
    )
    publisher: Annotated[str, StringConstraints(max_length=MAX_NAME)] | None = Field(
        None, description="Who published it; read from the page if fetched."
    )
    published_on: Annotated[date | None, BeforeValidator(_date_text)] = Field(
        None,
        description="Its publication date (`2025-11-03`), against which 'on Tuesday' is resolved.",
    )


EXAMPLE = {
    "text": "xAI is in talks to rent 50,000 AMD MI355X GPUs from Oracle for about $3 billion, "
    "people familiar said.",
    "url": None,
    "publisher": "Cloud Weekly",
    "published_on": "2025-11-03",
}


@router.post(
    "/extract",
    name="api_extract",
    response_model=Draft,
    responses=problem_responses(400, 401, 403, 422, 502),
    summary="Draft a deal from a news report (writes nothing)",
)
def extract(
    request: Request,
    session: SessionDep,
    user: ApiAnalyst,
    body: Annotated[ExtractIn, Body(openapi_examples={"talks": {"value": EXAMPLE}})],
) -> Draft:
    """The draft the page `/deals/from-article` shows: each field with the sentence behind it
    (`evidence`), guesses named in `uncertain`, and `matches`, the recorded deals the report may
    be about. A `url` alone is fetched within limits (public addresses only, size and time
    capped); a refused link is a 422, a site that fails a 502."""
    settings: Settings = request.app.state.settings
    try:
        report = read_report(
            session, settings, text=body.text, url=body.url, publisher=body.publisher,
            published_on=body.published_on,
        )  # fmt: skip
    except NothingToRead as exc:
        raise ApiProblem(
            422, str(exc), type=VALIDATION, title="Invalid values", errors={"text": [str(exc)]}
        ) from exc
    except FetchRefused as exc:
        raise ApiProblem(
            422, str(exc), type=VALIDATION, title="Invalid values", errors={"url": [str(exc)]}
        ) from exc
    except FetchFailed as exc:
        raise ApiProblem(502, f"The link could not be read: {exc}", title="Bad gateway") from exc
    return report.draft
