"""Organizations and hardware models under /api/v1, written through the directory forms' rules."""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from app.api import examples
from app.api.auth import ApiAnalyst
from app.api.deals import checked, invalid
from app.api.errors import STALE_VERSION, ApiProblem, problem_responses
from app.api.idempotency import IdempotentRoute
from app.api.schemas import (
    HardwareIn,
    HardwareOut,
    HardwarePatch,
    HardwareSlug,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    OrganizationSlug,
)
from app.filters import DealFilters
from app.inputs.records import HardwareRecordInput, OrganizationInput
from app.inputs.saved import hardware_data, organization_data
from app.models import Hardware, Organization
from app.queries.deals import count_deals, resolve_filters
from app.queries.directory import get_hardware, get_organization, list_hardware, list_organizations
from app.services.deals import StaleEdit, ValidationFailed
from app.services.directory import save_hardware, save_organization
from app.unit_of_work import SessionDep

router = APIRouter(route_class=IdempotentRoute)
READ = problem_responses(401, 404, 422)
CREATE = problem_responses(400, 401, 403, 422)
UPDATE = problem_responses(400, 401, 403, 404, 409, 422)


def _deal_count(session: Session, **preset: tuple[str, ...]) -> int:
    """Live deals matching one filter, counted by the same query as the table."""
    filters = DealFilters(per_page=1).with_preset(**preset)
    return count_deals(session, resolve_filters(session, filters))


def _stale(what: str, version: int) -> ApiProblem:
    return ApiProblem(
        409,
        f"This {what} was saved by someone else since the version you sent; it is now at "
        f"version {version}. Read it again, reapply your change, and send that version.",
        type=STALE_VERSION,
        title="Stale version",
        current_version=version,
    )


def _refused(exc: ValidationFailed) -> ApiProblem:
    return invalid(exc.errors)


# Organizations -------------------------------------------------------------------------------


def _organization(session: Session, slug: str) -> Organization:
    org = None if "\x00" in slug else get_organization(session, slug)  # Postgres refuses NUL
    if org is None:
        raise ApiProblem(404, f"There is no organization '{slug}'.")
    return org


def _organization_out(session: Session, org: Organization, request: Request) -> OrganizationOut:
    return OrganizationOut.of(org, _deal_count(session, party=(org.slug,)), request)


@router.get(
    "/organizations",
    name="api_organizations_index",
    response_model=list[OrganizationOut],
    responses=problem_responses(401),
    tags=["organizations"],
    summary="Every organization, by name",
)
def organizations_index(request: Request, session: SessionDep) -> list[OrganizationOut]:
    return [
        OrganizationOut.of(row.organization, row.deal_count, request)
        for row in list_organizations(session)
    ]


@router.get(
    "/organizations/{slug}",
    name="api_organization_detail",
    response_model=OrganizationOut,
    responses=READ,
    tags=["organizations"],
    summary="One organization",
)
def organization_detail(
    request: Request, session: SessionDep, slug: OrganizationSlug
) -> OrganizationOut:
    return _organization_out(session, _organization(session, slug), request)


@router.post(
    "/organizations",
    name="api_organization_create",
    status_code=201,
    response_model=OrganizationOut,
    responses=CREATE,
    tags=["organizations"],
    summary="Add an organization",
)
def organization_create(
    request: Request,
    session: SessionDep,
    user: ApiAnalyst,
    body: Annotated[OrganizationIn, examples.organization],
) -> OrganizationOut:
    """Names and aliases are one namespace: a clash is a 422 naming the organization."""
    try:
        org = save_organization(session, body, user)
    except ValidationFailed as exc:
        raise _refused(exc) from exc
    return _organization_out(session, org, request)


@router.patch(
    "/organizations/{slug}",
    name="api_organization_update",
    response_model=OrganizationOut,
    responses=UPDATE,
    tags=["organizations"],
    summary="Change an organization (send the version you read)",
)
def organization_update(
    request: Request,
    session: SessionDep,
    user: ApiAnalyst,
    slug: OrganizationSlug,
    body: Annotated[OrganizationPatch, examples.organization_update],
) -> OrganizationOut:
    org = _organization(session, slug)
    data = checked(OrganizationInput, {**organization_data(org), **_changes(body)})
    try:
        save_organization(session, data, user, org, body.version)
    except ValidationFailed as exc:
        raise _refused(exc) from exc
    except StaleEdit as exc:
        session.rollback()
        raise _stale("organization", _organization(session, slug).version) from exc
    return _organization_out(session, _organization(session, slug), request)


def _changes(body: OrganizationPatch | HardwarePatch) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, exclude={"version"})


# Hardware ------------------------------------------------------------------------------------


def _hardware(session: Session, slug: str) -> Hardware:
    hardware = None if "\x00" in slug else get_hardware(session, slug)
    if hardware is None:
        raise ApiProblem(404, f"There is no hardware model '{slug}'.")
    return hardware


def _hardware_out(session: Session, hardware: Hardware, request: Request) -> HardwareOut:
    return HardwareOut.of(hardware, _deal_count(session, hardware=(hardware.slug,)), request)


@router.get(
    "/hardware",
    name="api_hardware_index",
    response_model=list[HardwareOut],
    responses=problem_responses(401),
    tags=["hardware"],
    summary="Every hardware model, by type and name",
)
def hardware_index(request: Request, session: SessionDep) -> list[HardwareOut]:
    return [HardwareOut.of(row.hardware, row.deal_count, request) for row in list_hardware(session)]


@router.get(
    "/hardware/{slug}",
    name="api_hardware_detail",
    response_model=HardwareOut,
    responses=READ,
    tags=["hardware"],
    summary="One hardware model",
)
def hardware_detail(request: Request, session: SessionDep, slug: HardwareSlug) -> HardwareOut:
    return _hardware_out(session, _hardware(session, slug), request)


@router.post(
    "/hardware",
    name="api_hardware_create",
    status_code=201,
    response_model=HardwareOut,
    responses=CREATE,
    tags=["hardware"],
    summary="Add a hardware model (its vendor must be known)",
)
def hardware_create(
    request: Request,
    session: SessionDep,
    user: ApiAnalyst,
    body: Annotated[HardwareIn, examples.hardware],
) -> HardwareOut:
    try:
        hardware = save_hardware(session, body, user)
    except ValidationFailed as exc:
        raise _refused(exc) from exc
    return _hardware_out(session, hardware, request)


@router.patch(
    "/hardware/{slug}",
    name="api_hardware_update",
    response_model=HardwareOut,
    responses=UPDATE,
    tags=["hardware"],
    summary="Change a hardware model (send the version you read)",
)
def hardware_update(
    request: Request,
    session: SessionDep,
    user: ApiAnalyst,
    slug: HardwareSlug,
    body: Annotated[HardwarePatch, examples.hardware_update],
) -> HardwareOut:
    hardware = _hardware(session, slug)
    data = checked(HardwareRecordInput, {**hardware_data(hardware), **_changes(body)})
    try:
        save_hardware(session, data, user, hardware, body.version)
    except ValidationFailed as exc:
        raise _refused(exc) from exc
    except StaleEdit as exc:
        session.rollback()
        raise _stale("hardware model", _hardware(session, slug).version) from exc
    return _hardware_out(session, _hardware(session, slug), request)
