"""Deals under /api/v1: the table's filters and pages, one deal, and writes through the same
services and rules as the entry form."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.answers import OrganizationRef
from app.api import examples
from app.api.auth import ApiAnalyst
from app.api.errors import (
    POSSIBLE_DUPLICATE,
    STALE_VERSION,
    VALIDATION,
    ApiProblem,
    DuplicateRef,
    problem_responses,
)
from app.api.idempotency import IdempotentRoute
from app.api.schemas import (
    CommitmentOut,
    DealDetailOut,
    DealId,
    DealIdToDelete,
    DealIn,
    DealPageOut,
    DealPatch,
    FigureOut,
    SourceCreateIn,
    SourceOut,
    StatusEventIn,
    StatusEventOut,
)
from app.derived.cache import FigureCache
from app.derived.dealjson import answer_json, render_answers
from app.derived.dealsets import DealSets
from app.filters.openapi import query_parameters
from app.inputs.deal import DealInput
from app.inputs.errors import InputErrors, api_errors
from app.inputs.saved import deal_data
from app.inputs.types import Input
from app.models import Deal
from app.queries.commitments import commitments
from app.queries.deals import count_deals, get_deal, list_answers, merged_into
from app.services import deals as service
from app.unit_of_work import SessionDep
from app.web.filtering import ApiFilters

router = APIRouter(prefix="/deals", tags=["deals"], route_class=IdempotentRoute)
READ = problem_responses(401, 404, 422)
WRITE = problem_responses(400, 401, 403, 404, 422)
M = TypeVar("M", bound=Input)
_SENTINEL = 987654321  # an id no route rewrites, to find where ids go in an address


def invalid(errors: InputErrors) -> ApiProblem:
    """422 naming each problem by its JSON path."""
    named = api_errors(errors)
    return ApiProblem(
        422,
        "Some values break the rules: " + ", ".join(named) + ". Nothing was saved.",
        type=VALIDATION,
        title="Invalid values",
        errors=named,
    )


def checked(model: type[M], data: dict[str, Any]) -> M:
    """A record with changes merged in, checked whole (rules across fields included); 422
    naming each problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(InputErrors.of(exc)) from exc


def live_deal(session: Session, deal_id: int) -> Deal:
    """The live deal; 404 problem when missing or deleted."""
    deal = get_deal(session, deal_id)
    if deal is None:
        raise ApiProblem(404, f"There is no deal {deal_id}.")
    return deal


@router.get(
    "",
    name="api_deals_index",
    response_model=DealPageOut,
    responses=problem_responses(401, 422),
    openapi_extra={"parameters": query_parameters()},
    summary="List deals with the table's filters",
)
def deals_index(request: Request, session: SessionDep, rf: ApiFilters) -> Response:
    """The filters of `/deals` (repeat a parameter for OR), one page at a time; follow `next`
    to walk every match exactly once. A bad value is a 422 naming the parameter."""
    filters = rf.filters
    # Exact all the same: cached under the change counter (app/derived/cache.py), so a total
    # is never older than the last change; the table's /deals counts the same filters under
    # its own key.
    figures: FigureCache = request.app.state.figures
    key = ("api_count", filters.query_string(paging=False))
    sets: DealSets = request.app.state.deal_sets

    def count() -> int:  # from the sets when every filter is a facet's: no statement at all
        found = sets.total(session, rf)
        return count_deals(session, rf) if found is None else found

    total = figures.get(session, key, count)
    page = list_answers(session, rf, total=total)

    def page_url(number: int) -> str:
        return str(request.url.replace(query=filters.on_page(number).query_string()))

    # Each deal's answer was rendered when it was saved (app/derived/dealjson.py): the page
    # joins the stored texts with their addresses, and renders only a deal not stored yet.
    missing = [deal_id for deal_id, text in page.rows if text is None]
    rendered = render_answers(session.connection(), missing) if missing else {}
    url = address_of(request, "deal_detail")
    api_url = address_of(request, "api_deal_detail")
    items = ",".join(
        answer_json(deal_id, text or rendered[deal_id], url(deal_id), api_url(deal_id))
        for deal_id, text in page.rows
    )
    shell = DealPageOut(
        total=total,
        page=page.page,
        per_page=page.per_page,
        next=page_url(page.page + 1) if page.has_next else None,
        prev=page_url(min(page.page - 1, page.pages or 1)) if page.page > 1 else None,
        items=[],
    ).model_dump_json()
    body = f"{shell.removesuffix('[]}')}[{items}]}}"  # items come last
    return Response(body, media_type="application/json")


def address_of(request: Request, name: str) -> Callable[[int], str]:
    """The address of a deal's page or answer by its id, with the route looked up once."""
    head, _, tail = str(request.url_for(name, deal_id=_SENTINEL)).rpartition(str(_SENTINEL))
    return lambda deal_id: f"{head}{deal_id}{tail}"


@router.get(
    "/{deal_id}",
    name="api_deal_detail",
    response_model=DealDetailOut,
    responses=READ,
    summary="One deal, with sources and status history",
)
def deal_detail(request: Request, session: SessionDep, deal_id: DealId) -> Any:
    """A duplicate merged into another deal answers 301 with that deal's address."""
    deal = get_deal(session, deal_id)
    kept = merged_into(session, deal_id) if deal is None else None  # merged ones are deleted
    if kept is not None:
        return RedirectResponse(str(request.url_for("api_deal_detail", deal_id=kept)), 301)
    return DealDetailOut.of(live_deal(session, deal_id) if deal is None else deal, request)


@router.post(
    "",
    name="api_deal_create",
    status_code=201,
    response_model=DealDetailOut,
    responses={
        201: {"description": "Recorded; `Location` is its address in the API."},
        **problem_responses(400, 401, 403, 409, 422),
    },
    summary="Record a deal with its first status and source",
)
def deal_create(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiAnalyst,
    body: Annotated[DealIn, examples.deal_create],
) -> DealDetailOut:
    """The entry form's rules. A likely duplicate (same parties, overlapping hardware, reported
    within about four months) is a 409 listing them, unless `duplicate_decision` is given."""
    try:
        deal = service.create_deal(
            session, body, user, create_missing=body.create_missing,
            duplicate_decision=(body.duplicate_decision or "").strip(),
        )  # fmt: skip
    except service.ValidationFailed as exc:
        raise invalid(exc.errors) from exc
    except service.PossibleDuplicate as exc:
        raise ApiProblem(
            409,
            "Deals like this one were recorded already. Send it again with "
            "`duplicate_decision`: `new`, or `duplicate_of:ID`, `expands:ID` or `supersedes:ID`.",
            type=POSSIBLE_DUPLICATE,
            title="Likely duplicate",
            duplicates=[_duplicate(d, request) for d in exc.deals],
        ) from exc
    response.headers["Location"] = str(request.url_for("api_deal_detail", deal_id=deal.id))
    return DealDetailOut.of(live_deal(session, deal.id), request)


def _duplicate(deal: Deal, request: Request) -> DuplicateRef:
    return DuplicateRef(
        id=deal.id,
        title=deal.title,
        url=str(request.url_for("deal_detail", deal_id=deal.id)),
        api_url=str(request.url_for("api_deal_detail", deal_id=deal.id)),
    )


@router.patch(
    "/{deal_id}",
    name="api_deal_update",
    response_model=DealDetailOut,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
    summary="Change a deal (send the version you read)",
)
def deal_update(
    request: Request,
    session: SessionDep,
    user: ApiAnalyst,
    deal_id: DealId,
    body: Annotated[DealPatch, examples.deal_update],
) -> DealDetailOut:
    """Only the fields sent change (lists are replaced whole; null clears). A `version` other
    than the saved one is a 409 with `current_version`: nobody's edit is overwritten."""
    deal = live_deal(session, deal_id)
    if body.version != deal.version:
        raise _stale(deal)
    unchanged = {"version", "create_missing"}
    changes = body.model_dump(by_alias=True, exclude_unset=True, exclude=unchanged)
    deal_in = checked(DealInput, {**deal_data(deal), **changes})
    try:
        service.update_deal(
            session, deal, deal_in, body.version, user, create_missing=body.create_missing
        )
    except service.ValidationFailed as exc:
        raise invalid(exc.errors) from exc
    except service.StaleEdit as exc:
        raise _stale(live_deal(session, deal_id)) from exc
    return DealDetailOut.of(live_deal(session, deal_id), request)


def _stale(deal: Deal) -> ApiProblem:
    return ApiProblem(
        409,
        f"Deal {deal.id} was saved by someone else since version you sent; it is now at "
        f"version {deal.version}. Read it again, reapply your change, and send that version.",
        type=STALE_VERSION,
        title="Stale version",
        current_version=deal.version,
    )


def _append_conflict(deal_id: int) -> ApiProblem:
    return ApiProblem(
        409,
        f"Deal {deal_id} changed while this was being saved; nothing was saved. Send it again.",
        type=STALE_VERSION,
        title="Concurrent change",
    )


@router.delete(
    "/{deal_id}",
    name="api_deal_delete",
    status_code=204,
    response_class=Response,
    responses={
        204: {"description": "Deleted (softly: an admin can restore it)."},
        **problem_responses(401, 403, 404, 422),
    },
    summary="Delete a deal (soft)",
)
def deal_delete(session: SessionDep, user: ApiAnalyst, deal_id: DealIdToDelete) -> Response:
    service.delete_deal(session, live_deal(session, deal_id), user)
    return Response(status_code=204)


@router.get(
    "/{deal_id}/status-events",
    name="api_status_events",
    response_model=list[StatusEventOut],
    responses=READ,
    summary="A deal's status history, oldest first",
)
def status_events(session: SessionDep, deal_id: DealId) -> list[StatusEventOut]:
    return [StatusEventOut.model_validate(e) for e in live_deal(session, deal_id).status_events]


@router.post(
    "/{deal_id}/status-events",
    name="api_status_event_create",
    status_code=201,
    response_model=StatusEventOut,
    responses=WRITE,
    summary="Record a status change (with an existing or a new source)",
)
def status_event_create(
    session: SessionDep,
    user: ApiAnalyst,
    deal_id: DealId,
    body: Annotated[StatusEventIn, examples.status_event],
) -> StatusEventOut:
    deal = live_deal(session, deal_id)
    try:
        event = service.record_status(session, deal, body, user)
    except service.ValidationFailed as exc:
        raise invalid(exc.errors) from exc
    except service.StaleEdit as exc:
        raise _append_conflict(deal_id) from exc
    return StatusEventOut.model_validate(event)


@router.get(
    "/{deal_id}/sources",
    name="api_sources",
    response_model=list[SourceOut],
    responses=READ,
    summary="A deal's sources",
)
def sources(session: SessionDep, deal_id: DealId) -> list[SourceOut]:
    return [SourceOut.model_validate(s) for s in live_deal(session, deal_id).sources]


@router.post(
    "/{deal_id}/sources",
    name="api_source_create",
    status_code=201,
    response_model=SourceOut,
    responses=WRITE,
    summary="Add a source (a relay names the source it repeats in `relays_id`)",
)
def source_create(
    session: SessionDep,
    user: ApiAnalyst,
    deal_id: DealId,
    body: Annotated[SourceCreateIn, examples.source],
) -> SourceOut:
    deal = live_deal(session, deal_id)
    try:
        source = service.add_source(session, deal, body, body.relays_id, user)
    except service.ValidationFailed as exc:
        raise invalid(exc.errors) from exc
    except service.StaleEdit as exc:
        raise _append_conflict(deal_id) from exc
    return SourceOut.model_validate(source)


commitments_router = APIRouter(
    prefix="/commitments", tags=["commitments"], route_class=IdempotentRoute
)


@commitments_router.get(
    "",
    name="api_commitments",
    response_model=list[CommitmentOut],
    responses=problem_responses(401, 422),
    openapi_extra={"parameters": query_parameters()},
    summary="Commitments by organization, role and outcome, with the table's filters",
)
def commitments_index(request: Request, session: SessionDep, rf: ApiFilters) -> list[CommitmentOut]:
    """The figures of `/commitments`: each one the sum over the deals `deals_url` lists
    (`api_url`: the same deals here). Deals replaced by a newer live one are counted once."""
    out = []
    for row in commitments(session, rf):
        for outcome, cell in row.cells.items():
            out.append(
                CommitmentOut(
                    organization=OrganizationRef(
                        slug=row.organization.slug, name=row.organization.name
                    ),
                    role=row.group,
                    outcome=outcome,
                    deals=cell.deals,
                    **{
                        measure: FigureOut(
                            total=figure.total, stated=figure.counted, qualified=figure.qualified
                        )
                        for measure, figure in cell.figures.items()
                    },
                    deals_url=f"{request.url_for('deals_index')}?{cell.query}",
                    api_url=f"{request.url_for('api_deals_index')}?{cell.query}",
                )
            )
    return out
