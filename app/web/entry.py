"""Recording deals: the new/edit form, status changes and sources, nothing lost on error."""

import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app.domain.vocabulary import (
    Confidence,
    DealType,
    HardwareType,
    Qualifier,
    Role,
    SourceTier,
    Status,
    values,
)
from app.inputs.errors import FormErrors, InputErrors
from app.inputs.forms import (
    HARDWARE_COLUMNS,
    PARTY_COLUMNS,
    FormReading,
    deal_form_values,
    read_deal,
    read_new_deal,
    read_source,
    read_status,
    text,
    texts,
)
from app.inputs.types import as_id
from app.models import Deal, Hardware, Organization, OrganizationAlias
from app.queries.audit import deal_history
from app.queries.deals import get_deal
from app.services import deals as deal_service
from app.services.deals import (
    Creatable,
    creation_hint,
    find_hardware,
    find_organization,
    may_create,
)
from app.unit_of_work import SessionDep
from app.web.forms import FormDataDep, redirect_after_post
from app.web.render import is_htmx, render
from app.web.security import Analyst

router = APIRouter()
PARTY_ROWS = 3
HARDWARE_ROWS = 2
# Each row of the form posts one value per column, in order; `*_row` markers count the rows.
ROW_COLUMNS = {"remove_party": PARTY_COLUMNS, "remove_hardware": HARDWARE_COLUMNS}
MULTI_NAMES = ("deal_type", "party_row", "hardware_row", *ROW_COLUMNS["remove_party"],
               *ROW_COLUMNS["remove_hardware"])  # fmt: skip
# Buttons that change the form's rows rather than save it (used without JavaScript).
ROW_BUTTONS = ("add_party", "add_hardware", *ROW_COLUMNS)


@dataclass
class FormValues:
    """What the analyst typed (or the saved record), to put back into the form."""

    single: dict[str, str] = field(default_factory=dict)
    multi: dict[str, list[str]] = field(default_factory=dict)
    extra_party_rows: int = 0
    extra_hardware_rows: int = 0

    def get(self, name: str, default: str = "") -> str:
        return self.single.get(name, default)

    def getlist(self, name: str) -> list[str]:
        return self.multi.get(name, [])

    @property
    def parties(self) -> list[tuple[str, str]]:
        orgs, roles = self.getlist("party_organization"), self.getlist("party_role")
        rows = [(o, roles[i] if i < len(roles) else "") for i, o in enumerate(orgs)]
        rows = rows or []
        rows += [("", "")] * (max(PARTY_ROWS - len(rows), 0) + self.extra_party_rows)
        return rows

    @property
    def hardware(self) -> list[tuple[str, str, str, str]]:
        cols = [self.getlist(n) for n in HARDWARE_COLUMNS]
        rows = [tuple(c[i] if i < len(c) else "" for c in cols) for i in range(len(cols[0]))]
        rows += [("", "", "", "")] * (max(HARDWARE_ROWS - len(rows), 0) + self.extra_hardware_rows)
        return rows  # type: ignore[return-value]

    @classmethod
    def from_form(cls, form: FormData) -> "FormValues":
        """The posted values; a "Remove" button (the no-JavaScript way) drops its row."""
        single = {k: v for k, v in form.items() if isinstance(v, str) and k not in MULTI_NAMES}
        multi = {name: texts(form, name) for name in MULTI_NAMES}
        for button, columns in ROW_COLUMNS.items():
            index = as_id(text(form, button))
            if index is not None:
                for name in columns:
                    if index < len(multi[name]):
                        del multi[name][index]
        return cls(
            single,
            multi,
            extra_party_rows=1 if "add_party" in form else 0,
            extra_hardware_rows=1 if "add_hardware" in form else 0,
        )

    @classmethod
    def from_deal(cls, deal: Deal) -> "FormValues":
        single, multi = deal_form_values(deal)
        return cls({**single, "version": str(deal.version)}, multi)


def _choices(session: Session) -> dict[str, object]:
    """Vocabularies and the names the form's autocomplete offers (aliases included)."""
    org_names = list(
        session.scalars(select(Organization.name).order_by(func.lower(Organization.name)))
    )
    aliases = session.execute(
        select(OrganizationAlias.alias, Organization.name).join(
            Organization, Organization.id == OrganizationAlias.organization_id
        )
    ).all()
    return {
        "organization_options": org_names,
        "alias_options": sorted((a, n) for a, n in aliases),
        "hardware_options": list(session.scalars(select(Hardware.name).order_by(Hardware.name))),
        "deal_types": values(DealType),
        "roles": values(Role),
        "qualifiers": values(Qualifier),
        "confidences": values(Confidence),
        "statuses": values(Status),
        "tiers": values(SourceTier),
        "hardware_types": values(HardwareType),
    }


def _creatable(form: FormData) -> Creatable:
    """The names the analyst ticked "Create" for, row by row; the older single tick box (still
    posted by scripts) asks for every unknown name."""
    if text(form, "create_missing"):
        return True
    return frozenset(name.strip().lower() for name in texts(form, "create_name") if name.strip())


@dataclass
class UnknownNames:
    """The rows naming an organization or hardware model not recorded yet (by row number), and
    which of them the analyst asked to create."""

    parties: dict[int, str] = field(default_factory=dict)
    hardware: dict[int, str] = field(default_factory=dict)
    creatable: Creatable = frozenset()

    @classmethod
    def of(cls, session: Session, values: FormValues, creatable: Creatable) -> "UnknownNames":
        parties = {
            i: org.strip()
            for i, (org, _) in enumerate(values.parties)
            if org.strip() and find_organization(session, org.strip()) is None
        }
        hardware = {
            i: row[0].strip()
            for i, row in enumerate(values.hardware)
            if row[0].strip() and find_hardware(session, row[0].strip()) is None
        }
        return cls(parties, hardware, creatable)

    def create(self, name: str) -> bool:
        return may_create(self.creatable, name)

    def problems(self, values: FormValues) -> FormErrors:
        """What the service would say about these names, for an answer that stops before it
        (a badly typed date): every problem of the form comes back at once."""
        errors = FormErrors()
        for i, name in self.parties.items():
            if not self.create(name):
                hint = creation_hint(self.creatable, name)
                errors.add(f"party-{i}", f"'{name}' is not a known organization — {hint}")
        for i, name in self.hardware.items():
            _, _, type_, vendor = values.hardware[i]
            if not self.create(name):
                hint = creation_hint(self.creatable, name)
                errors.add(f"hardware-{i}", f"'{name}' is not a known hardware model — {hint}")
            else:
                if not type_:
                    errors.add(f"hardware-{i}", f"choose a hardware type to create '{name}'")
                if not vendor.strip():
                    errors.add(
                        f"hardware-{i}", f"to create '{name}', name its vendor (e.g. NVIDIA)"
                    )
        return errors


def _all_problems(errors: FormErrors, more: FormErrors) -> FormErrors:
    merged = FormErrors({name: list(messages) for name, messages in errors.items()})
    for name, messages in more.items():
        for message in messages:
            if message not in merged.get(name, []):
                merged.add(name, message)
    return merged


def _form_page(
    request: Request, session: Session, form_values: FormValues, *, deal: Deal | None = None,
    errors: FormErrors | None = None, status_code: int = 200,
    unknown: UnknownNames | None = None, **extra: object,
) -> Response:  # fmt: skip
    return render(
        request,
        "deals/form.html",
        {
            "values": form_values,
            "errors": errors or FormErrors(),
            "deal": deal,
            "unknown": unknown or UnknownNames(),
            **_choices(session),
            **extra,
        },
        block="deal_form",
        status_code=status_code,
    )


@router.get("/deals/form-row/{kind}", name="deal_form_row")
def deal_form_row(request: Request, user: Analyst, kind: str) -> Response:
    """A blank party or hardware row for htmx to append; `*_row` markers say how many exist."""
    if kind not in ("party", "hardware"):
        raise HTTPException(404, f"There is no kind of row '{kind}'.")
    return render(
        request,
        "deals/row.html",
        {
            "kind": kind,
            "key": f"new-{secrets.token_hex(4)}",
            "n": len(request.query_params.getlist(f"{kind}_row")),
            "roles": values(Role),
            "hardware_types": values(HardwareType),
            "blank_errors": FormErrors(),
        },
    )


@router.get("/deals/new", name="deal_create_form")
def deal_create_form(request: Request, session: SessionDep, user: Analyst) -> Response:
    return _form_page(request, session, FormValues(single={"confidence": "medium"}))


@router.post("/deals/new", name="deal_create_submit")
def deal_create_submit(
    request: Request, session: SessionDep, user: Analyst, form: FormDataDep
) -> Response:
    """Save a new deal, or give the same form back (422) with every value and each problem."""
    form_values = FormValues.from_form(form)
    # htmx swaps the form in place: on the article page it keeps that page's heading.
    in_place = bool(text(form, "from_article")) and is_htmx(request)
    creatable = _creatable(form)
    unknown = UnknownNames.of(session, form_values, creatable)
    if any(button in form for button in ROW_BUTTONS):
        return _form_page(request, session, form_values, unknown=unknown, from_article=in_place)
    reading = read_new_deal(form)
    errors = _all_problems(reading.errors, unknown.problems(form_values))
    if reading.value is not None:
        try:
            deal = deal_service.create_deal(
                session, reading.value, user, create_missing=creatable,
                duplicate_decision=text(form, "duplicate_decision"),
            )  # fmt: skip
        except deal_service.ValidationFailed as exc:
            errors = reading.refused(exc.errors)
        except deal_service.PossibleDuplicate as exc:
            return _form_page(
                request,
                session,
                form_values,
                unknown=unknown,
                duplicates=exc.deals,
                from_article=in_place,
            )
        else:
            url = str(request.url_for("deal_detail", deal_id=deal.id))
            return redirect_after_post(request, url, flash=f"Deal #{deal.id} recorded.")
    return _form_page(
        request,
        session,
        form_values,
        errors=errors,
        unknown=unknown,
        status_code=422,
        from_article=in_place,
    )


def _live_deal(session: Session, deal_id: int) -> Deal:
    deal = get_deal(session, deal_id)
    if deal is None:
        raise HTTPException(404, f"There is no deal {deal_id}.")
    return deal


@router.get("/deals/{deal_id:int}/edit", name="deal_edit_form")
def deal_edit_form(request: Request, session: SessionDep, user: Analyst, deal_id: int) -> Response:
    deal = _live_deal(session, deal_id)
    return _form_page(request, session, FormValues.from_deal(deal), deal=deal)


@router.post("/deals/{deal_id:int}/edit", name="deal_edit_submit")
def deal_edit_submit(
    request: Request, session: SessionDep, user: Analyst, deal_id: int, form: FormDataDep
) -> Response:
    """Save an edit; 409 with both versions side by side if someone saved in between."""
    deal = _live_deal(session, deal_id)
    form_values = FormValues.from_form(form)
    creatable = _creatable(form)
    unknown = UnknownNames.of(session, form_values, creatable)
    if any(button in form for button in ROW_BUTTONS):
        return _form_page(request, session, form_values, deal=deal, unknown=unknown)
    reading = read_deal(form)
    errors = _all_problems(reading.errors, unknown.problems(form_values))
    version = as_id(text(form, "version"))
    version = -1 if version is None else version
    if reading.value is not None:
        try:
            deal_service.update_deal(
                session, deal, reading.value, version, user,
                create_missing=creatable,
            )  # fmt: skip
        except deal_service.ValidationFailed as exc:
            errors = reading.refused(exc.errors)
        except deal_service.StaleEdit:
            current = _live_deal(session, deal_id)
            return _form_page(
                request, session, form_values, deal=current, status_code=409,
                conflict=FormValues.from_deal(current), unknown=unknown,
            )  # fmt: skip
        else:
            url = str(request.url_for("deal_detail", deal_id=deal_id))
            return redirect_after_post(request, url, flash="Changes saved.")
    return _form_page(
        request, session, form_values, deal=deal, errors=errors, unknown=unknown, status_code=422
    )


def _deal_page_with_errors(
    request: Request, session: Session, deal: Deal, form: FormData, errors: FormErrors, which: str,
    status_code: int = 422,
) -> Response:  # fmt: skip
    return render(
        request,
        "deals/detail.html",
        {
            "deal": deal,
            "history": deal_history(session, deal.id),
            "errors": errors,
            "open_form": which,
            "values": FormValues.from_form(form),
            **_choices(session),
        },
        status_code=status_code,
    )


def _append_conflict(
    request: Request, session: Session, deal_id: int, form: FormData,
    reading: FormReading[Any], which: str,
) -> Response:  # fmt: skip
    """409: the deal changed while this was being saved; nothing was saved, the form keeps
    what was typed."""
    errors = reading.refused(
        InputErrors({(): ["someone changed this deal at the same moment. Check the deal as "
                          "it is now and send the form again."]})
    )  # fmt: skip
    deal = _live_deal(session, deal_id)
    return _deal_page_with_errors(request, session, deal, form, errors, which, status_code=409)


@router.post("/deals/{deal_id:int}/status", name="deal_status_submit")
def deal_status_submit(
    request: Request, session: SessionDep, user: Analyst, deal_id: int, form: FormDataDep
) -> Response:
    """Append a status event; the deal's status follows the latest event."""
    deal = _live_deal(session, deal_id)
    reading = read_status(form)
    errors = reading.errors
    if reading.value is not None:
        try:
            deal_service.record_status(session, deal, reading.value, user)
        except deal_service.ValidationFailed as exc:
            errors = reading.refused(exc.errors)
        except deal_service.StaleEdit:
            return _append_conflict(request, session, deal_id, form, reading, "status")
        else:
            url = str(request.url_for("deal_detail", deal_id=deal_id))
            return redirect_after_post(request, url, flash="Status change recorded.")
    return _deal_page_with_errors(request, session, deal, form, errors, "status")


@router.post("/deals/{deal_id:int}/sources", name="deal_source_submit")
def deal_source_submit(
    request: Request, session: SessionDep, user: Analyst, deal_id: int, form: FormDataDep
) -> Response:
    """Add a source, possibly a relay of one already listed."""
    deal = _live_deal(session, deal_id)
    reading = read_source(form, "added")
    errors = reading.errors
    relays_id = as_id(text(form, "relays_id"))
    if reading.value is not None:
        try:
            deal_service.add_source(session, deal, reading.value, relays_id, user)
        except deal_service.ValidationFailed as exc:
            errors = reading.refused(exc.errors)
        except deal_service.StaleEdit:
            return _append_conflict(request, session, deal_id, form, reading, "source")
        else:
            url = str(request.url_for("deal_detail", deal_id=deal_id))
            return redirect_after_post(request, url, flash="Source added.")
    return _deal_page_with_errors(request, session, deal, form, errors, "source")
