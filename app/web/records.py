"""Forms for organizations and hardware models: create and edit, nothing lost on error.

Registered before the directory router, so `/organizations/new` is not read as a slug.
"""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app.domain.vocabulary import HardwareType, OrgKind, values
from app.inputs.errors import FormErrors
from app.inputs.forms import read_hardware, read_organization, text
from app.inputs.types import as_id
from app.models import Hardware, Organization
from app.queries.directory import get_hardware, get_organization
from app.services.deals import StaleEdit, ValidationFailed
from app.services.directory import save_hardware, save_organization
from app.unit_of_work import SessionDep
from app.web.forms import FormDataDep, Typed, redirect_after_post
from app.web.render import render
from app.web.security import Analyst

router = APIRouter()


def _organization_values(org: Organization) -> dict[str, str]:
    return {
        "name": org.name,
        "kind": org.kind,
        "aliases": "\n".join(org.alias_names),
        "country": org.country or "",
        "website": org.website or "",
        "version": str(org.version),
    }


def _hardware_values(hardware: Hardware) -> dict[str, str]:
    return {
        "name": hardware.name,
        "vendor": hardware.vendor.name,
        "type": hardware.type,
        "in_house": "1" if hardware.in_house else "",
        "family": hardware.family or "",
        "version": str(hardware.version),
    }


def text_param(request: Request, name: str = "name") -> str:
    """A name carried over from a link ("add it first"): prefilled, never trusted further."""
    return request.query_params.get(name, "").strip()[:200]


def _version(form: FormData) -> int:
    version = as_id(text(form, "version"))
    return -1 if version is None else version


def _page(
    request: Request,
    template: str,
    typed: dict[str, str],
    *,
    status_code: int = 200,
    errors: FormErrors | None = None,
    **context: Any,
) -> Response:
    return render(
        request,
        template,
        {"values": Typed(typed), "errors": errors or FormErrors(), **context},
        block="record_form",
        status_code=status_code,
    )


# Organizations -------------------------------------------------------------------------------


def _organization_page(request: Request, typed: dict[str, str], **context: Any) -> Response:
    return _page(request, "organizations/form.html", typed, kinds=values(OrgKind), **context)


def _live_organization(session: Session, slug: str) -> Organization:
    org = get_organization(session, slug)
    if org is None:
        raise HTTPException(404, f"There is no organization '{slug}'.")
    return org


@router.get("/organizations/new", name="organization_create_form")
def organization_create_form(request: Request, user: Analyst) -> Response:
    return _organization_page(request, {"kind": OrgKind.OTHER.value, "name": text_param(request)})


@router.post("/organizations/new", name="organization_create_submit")
def organization_create_submit(
    request: Request, session: SessionDep, user: Analyst, form: FormDataDep
) -> Response:
    reading = read_organization(form)
    if reading.value is not None:
        try:
            org = save_organization(session, reading.value, user)
        except ValidationFailed as exc:
            return _organization_page(
                request,
                Typed.from_form(form),
                errors=reading.refused(exc.errors),
                existing=exc.existing,
                status_code=422,
            )
        url = str(request.url_for("organization_detail", slug=org.slug))
        return redirect_after_post(request, url, flash=f"Organization {org.name} added.")
    return _organization_page(
        request, Typed.from_form(form), errors=reading.errors, status_code=422
    )


@router.get("/organizations/{slug}/edit", name="organization_edit_form")
def organization_edit_form(
    request: Request, session: SessionDep, user: Analyst, slug: str
) -> Response:
    org = _live_organization(session, slug)
    return _organization_page(request, _organization_values(org), record=org)


@router.post("/organizations/{slug}/edit", name="organization_edit_submit")
def organization_edit_submit(
    request: Request, session: SessionDep, user: Analyst, slug: str, form: FormDataDep
) -> Response:
    """Save; 409 with the saved record beside what was typed if someone saved in between."""
    org = _live_organization(session, slug)
    reading = read_organization(form)
    if reading.value is not None:
        try:
            save_organization(session, reading.value, user, org, _version(form))
        except ValidationFailed as exc:
            return _organization_page(
                request, Typed.from_form(form), record=org, errors=reading.refused(exc.errors),
                existing=exc.existing, status_code=422,
            )  # fmt: skip
        except StaleEdit:
            current = _live_organization(session, slug)
            return _organization_page(
                request, Typed.from_form(form), record=current,
                conflict=_organization_values(current), status_code=409,
            )  # fmt: skip
        url = str(request.url_for("organization_detail", slug=slug))
        return redirect_after_post(request, url, flash="Changes saved.")
    return _organization_page(
        request, Typed.from_form(form), record=org, errors=reading.errors, status_code=422
    )


# Hardware ------------------------------------------------------------------------------------


def _hardware_page(
    request: Request, session: Session, typed: dict[str, str], **context: Any
) -> Response:
    names = session.scalars(select(Organization.name).order_by(func.lower(Organization.name)))
    return _page(
        request,
        "hardware/form.html",
        typed,
        hardware_types=values(HardwareType),
        organization_options=list(names),
        **context,
    )


def _live_hardware(session: Session, slug: str) -> Hardware:
    hardware = get_hardware(session, slug)
    if hardware is None:
        raise HTTPException(404, f"There is no hardware model '{slug}'.")
    return hardware


@router.get("/hardware/new", name="hardware_create_form")
def hardware_create_form(request: Request, session: SessionDep, user: Analyst) -> Response:
    return _hardware_page(
        request, session, {"name": text_param(request), "vendor": text_param(request, "vendor")}
    )


@router.post("/hardware/new", name="hardware_create_submit")
def hardware_create_submit(
    request: Request, session: SessionDep, user: Analyst, form: FormDataDep
) -> Response:
    reading = read_hardware(form)
    if reading.value is not None:
        try:
            hardware = save_hardware(session, reading.value, user)
        except ValidationFailed as exc:
            return _hardware_page(
                request, session, Typed.from_form(form), errors=reading.refused(exc.errors),
                existing=exc.existing, status_code=422,
            )  # fmt: skip
        url = str(request.url_for("hardware_detail", slug=hardware.slug))
        return redirect_after_post(request, url, flash=f"Hardware model {hardware.name} added.")
    return _hardware_page(
        request, session, Typed.from_form(form), errors=reading.errors, status_code=422
    )


@router.get("/hardware/{slug}/edit", name="hardware_edit_form")
def hardware_edit_form(request: Request, session: SessionDep, user: Analyst, slug: str) -> Response:
    hardware = _live_hardware(session, slug)
    return _hardware_page(request, session, _hardware_values(hardware), record=hardware)


@router.post("/hardware/{slug}/edit", name="hardware_edit_submit")
def hardware_edit_submit(
    request: Request, session: SessionDep, user: Analyst, slug: str, form: FormDataDep
) -> Response:
    hardware = _live_hardware(session, slug)
    reading = read_hardware(form)
    if reading.value is not None:
        try:
            save_hardware(session, reading.value, user, hardware, _version(form))
        except ValidationFailed as exc:
            return _hardware_page(
                request, session, Typed.from_form(form), record=hardware,
                errors=reading.refused(exc.errors), existing=exc.existing, status_code=422,
            )  # fmt: skip
        except StaleEdit:
            current = _live_hardware(session, slug)
            return _hardware_page(
                request, session, Typed.from_form(form), record=current,
                conflict=_hardware_values(current), status_code=409,
            )  # fmt: skip
        url = str(request.url_for("hardware_detail", slug=slug))
        return redirect_after_post(request, url, flash="Changes saved.")
    return _hardware_page(
        request, session, Typed.from_form(form), record=hardware, errors=reading.errors,
        status_code=422,
    )  # fmt: skip
