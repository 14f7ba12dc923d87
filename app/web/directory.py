"""Organizations and hardware: directories, and one page each with its deals table."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from app.filters import DealFilters
from app.models import Organization
from app.queries.commitments import commitments
from app.queries.deals import ResolvedFilters, list_deals, resolve_filters
from app.queries.directory import (
    get_hardware,
    get_organization,
    list_hardware,
    list_organizations,
    organization_partners,
)
from app.queries.timeline import list_timeline
from app.unit_of_work import SessionDep
from app.web.filtering import ErrorPage, FilterQuery
from app.web.render import is_htmx, render
from app.web.tables import TableView

router = APIRouter()
RECENT_EVENTS = 8


@router.get("/organizations", name="organizations_index")
def organizations_index(request: Request, session: SessionDep) -> Response:
    return render(request, "organizations/index.html", {"rows": list_organizations(session)})


def organization_page(request: Request, session: SessionDep, slug: str) -> dict[str, object]:
    """What an organization's page shows besides its deals table; 404 if unknown. A bad
    filter value is shown on this page."""
    organization = get_organization(session, slug)
    if organization is None:
        raise HTTPException(404, f"There is no organization '{slug}'.")
    context: dict[str, object] = {"organization": organization}
    if not is_htmx(request):  # the table's own updates need neither
        own = resolve_filters(session, DealFilters(party=(slug,)))
        context["partners"] = organization_partners(session, organization.id)
        context["recent"] = list_timeline(session, own, per_page=RECENT_EVENTS).events
    ErrorPage("organizations/detail.html", "deal_results", context).name_for(request)
    return context


PartyFilters = Annotated[ResolvedFilters, Depends(FilterQuery(preset={"party": "slug"}))]


@router.get("/organizations/{slug}", name="organization_detail")
def organization_detail(
    request: Request,
    session: SessionDep,
    context: Annotated[dict[str, object], Depends(organization_page)],
    rf: PartyFilters,
) -> Response:
    """The organization and its deals (the table with `party` preset)."""
    view = TableView(rf.filters, request.url.path, {"party": rf.filters.party})
    organization = context["organization"]
    assert isinstance(organization, Organization)
    rolled_up = commitments(session, rf, organization_id=organization.id)
    return render(
        request,
        "organizations/detail.html",
        {**context, "view": view, "deal_page": list_deals(session, rf), "commitments": rolled_up},
        block="deal_results",
    )


@router.get("/hardware", name="hardware_index")
def hardware_index(request: Request, session: SessionDep) -> Response:
    return render(request, "hardware/index.html", {"rows": list_hardware(session)})


def hardware_page(request: Request, session: SessionDep, slug: str) -> dict[str, object]:
    """The hardware model its page shows; 404 if unknown. A bad filter value is shown on this
    page."""
    hardware = get_hardware(session, slug)
    if hardware is None:
        raise HTTPException(404, f"There is no hardware model '{slug}'.")
    context: dict[str, object] = {"hardware": hardware}
    ErrorPage("hardware/detail.html", "deal_results", context).name_for(request)
    return context


ModelFilters = Annotated[ResolvedFilters, Depends(FilterQuery(preset={"hardware": "slug"}))]


@router.get("/hardware/{slug}", name="hardware_detail")
def hardware_detail(
    request: Request,
    session: SessionDep,
    context: Annotated[dict[str, object], Depends(hardware_page)],
    rf: ModelFilters,
) -> Response:
    """The hardware model and its deals (the table with `hardware` preset)."""
    view = TableView(rf.filters, request.url.path, {"hardware": rf.filters.hardware})
    return render(
        request,
        "hardware/detail.html",
        {**context, "view": view, "deal_page": list_deals(session, rf)},
        block="deal_results",
    )
