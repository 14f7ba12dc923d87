"""Organizations and hardware: directories, and one page each with its deals table."""

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.filters import DealFilters, FilterError
from app.queries.deals import list_deals, resolve_filters
from app.queries.directory import (
    get_hardware,
    get_organization,
    list_hardware,
    list_organizations,
    organization_partners,
)
from app.queries.timeline import list_timeline
from app.unit_of_work import SessionDep
from app.web.deals import filter_error_page, read_filters
from app.web.render import is_htmx, render
from app.web.tables import TableView

router = APIRouter()
RECENT_EVENTS = 8


@router.get("/organizations", name="organizations_index")
def organizations_index(request: Request, session: SessionDep) -> Response:
    return render(request, "organizations/index.html", {"rows": list_organizations(session)})


@router.get("/organizations/{slug}", name="organization_detail")
def organization_detail(request: Request, session: SessionDep, slug: str) -> Response:
    """The organization and its deals (the table with `party` preset); 404 if unknown."""
    organization = get_organization(session, slug)
    if organization is None:
        raise HTTPException(404, f"There is no organization '{slug}'.")
    context: dict[str, object] = {"organization": organization}
    if not is_htmx(request):  # the table's own updates need neither
        own = resolve_filters(session, DealFilters(party=(slug,)))
        context["partners"] = organization_partners(session, organization.id)
        context["recent"] = list_timeline(session, own, per_page=RECENT_EVENTS).events
    try:
        rf = read_filters(request, session, party=(slug,))
    except FilterError as exc:
        return filter_error_page(request, "organizations/detail.html", exc, context)
    view = TableView(rf.filters, request.url.path, {"party": (slug,)})
    return render(
        request,
        "organizations/detail.html",
        {**context, "view": view, "deal_page": list_deals(session, rf)},
        block="deal_results",
    )


@router.get("/hardware", name="hardware_index")
def hardware_index(request: Request, session: SessionDep) -> Response:
    return render(request, "hardware/index.html", {"rows": list_hardware(session)})


@router.get("/hardware/{slug}", name="hardware_detail")
def hardware_detail(request: Request, session: SessionDep, slug: str) -> Response:
    """The hardware model and its deals (the table with `hardware` preset); 404 if unknown."""
    hardware = get_hardware(session, slug)
    if hardware is None:
        raise HTTPException(404, f"There is no hardware model '{slug}'.")
    context: dict[str, object] = {"hardware": hardware}
    try:
        rf = read_filters(request, session, hardware=(slug,))
    except FilterError as exc:
        return filter_error_page(request, "hardware/detail.html", exc, context)
    view = TableView(rf.filters, request.url.path, {"hardware": (slug,)})
    return render(
        request,
        "hardware/detail.html",
        {**context, "view": view, "deal_page": list_deals(session, rf)},
        block="deal_results",
    )
