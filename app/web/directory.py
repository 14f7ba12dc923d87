"""Organizations and hardware: directories and one page each, with their deals."""

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.db import SessionDep
from app.queries.deals import DEFAULT_PER_PAGE, deals_with_hardware, deals_with_party, list_deals
from app.queries.directory import get_hardware, get_organization, list_hardware, list_organizations
from app.web.deals import parse_page
from app.web.render import render

router = APIRouter()


@router.get("/organizations", name="organizations_index")
def organizations_index(request: Request, session: SessionDep) -> Response:
    return render(request, "organizations/index.html", {"rows": list_organizations(session)})


@router.get("/organizations/{slug}", name="organization_detail")
def organization_detail(
    request: Request, session: SessionDep, slug: str, page: str | None = None
) -> Response:
    """404 when no organization has this slug."""
    organization = get_organization(session, slug)
    if organization is None:
        raise HTTPException(404, f"There is no organization '{slug}'.")
    deal_page = list_deals(
        session, deals_with_party(organization.id), page=parse_page(page), per_page=DEFAULT_PER_PAGE
    )
    return render(
        request,
        "organizations/detail.html",
        {"organization": organization, "deal_page": deal_page},
        block="deal_table",
    )


@router.get("/hardware", name="hardware_index")
def hardware_index(request: Request, session: SessionDep) -> Response:
    return render(request, "hardware/index.html", {"rows": list_hardware(session)})


@router.get("/hardware/{slug}", name="hardware_detail")
def hardware_detail(
    request: Request, session: SessionDep, slug: str, page: str | None = None
) -> Response:
    """404 when no hardware model has this slug."""
    hardware = get_hardware(session, slug)
    if hardware is None:
        raise HTTPException(404, f"There is no hardware model '{slug}'.")
    deal_page = list_deals(
        session, deals_with_hardware(hardware.id), page=parse_page(page), per_page=DEFAULT_PER_PAGE
    )
    return render(
        request,
        "hardware/detail.html",
        {"hardware": hardware, "deal_page": deal_page},
        block="deal_table",
    )
