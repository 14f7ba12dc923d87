"""Posted forms read into inputs: the form's names (`party_organization`, `source_url`, …)
mapped onto the model, and the model's messages mapped back onto the form's fields.

The model is the authority on what is valid; this only knows how the form lays fields out:
rows of parties and hardware (a blank row is skipped), prefixed source fields, a box of
aliases, a checkbox.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import ValidationError

from app.domain.cells import number_cell
from app.domain.formatting import amount_text
from app.inputs.deal import DealInput, NewDealInput, SourceInput, StatusInput, field_names
from app.inputs.errors import SOURCE_FIELDS, FormErrors, FormNaming, InputErrors
from app.inputs.records import HardwareRecordInput, OrganizationInput, split_aliases
from app.inputs.saved import deal_data
from app.inputs.types import Input
from app.models import Deal

M = TypeVar("M", bound=Input)
PARTY_COLUMNS = ("party_organization", "party_role")
HARDWARE_COLUMNS = ("hardware_name", "hardware_chips", "hardware_type", "hardware_vendor")
# Whole amounts, shown back as they are typed (`3.2B`), not as all their digits.
WHOLE_AMOUNTS = frozenset(("value_usd", "chips"))


class Form(Protocol):
    """What is read: a posted form (starlette's FormData) or any multi-dict like it."""

    def get(self, key: str, /) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


def text(form: Form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: Form, name: str) -> list[str]:
    return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]


@dataclass
class FormReading(Generic[M]):
    """A form read into its input (`value`), or the messages by form field (`errors`)."""

    value: M | None
    errors: FormErrors
    naming: FormNaming

    def refused(self, errors: InputErrors) -> FormErrors:
        """What a service refused the input for, by form field."""
        return self.naming.errors(errors)


def _read(model: type[M], data: dict[str, Any], naming: FormNaming) -> FormReading[M]:
    try:
        return FormReading(model.model_validate(data), FormErrors(), naming)
    except ValidationError as exc:
        return FormReading(None, naming.errors(InputErrors.of(exc)), naming)


def _at(items: Sequence[str], index: int) -> str:
    return items[index] if index < len(items) else ""


def _rows(
    form: Form, columns: tuple[str, ...], keys: tuple[str, ...]
) -> tuple[list[Any], list[int]]:
    """The rows whose first column is filled in, as dicts under `keys`, and their row numbers."""
    cells = [texts(form, column) for column in columns]
    rows, numbers = [], []
    for i, first in enumerate(cells[0]):
        if first:
            rows.append({key: _at(column, i) for key, column in zip(keys, cells, strict=True)})
            numbers.append(i)
    return rows, numbers


def _deal_data(form: Form) -> tuple[dict[str, Any], FormNaming]:
    names = field_names(DealInput)
    data: dict[str, Any] = {names[n]: text(form, names[n]) for n in DealInput.column_fields()}
    data["deal_types"] = texts(form, "deal_type")
    data["parties"], party_rows = _rows(form, PARTY_COLUMNS, ("organization", "role"))
    data["hardware"], hardware_rows = _rows(
        form, HARDWARE_COLUMNS, ("name", "chips", "type", "vendor")
    )
    return data, FormNaming(rows={"parties": party_rows, "hardware": hardware_rows})


def source_data(form: Form, prefix: str, *, tier: bool = True) -> dict[str, str] | None:
    """The fields `{prefix}_url`, `_publisher`, …; None when all but the tier are blank."""
    keys = [k for k in SOURCE_FIELDS if tier or k != "tier"]
    data = {key: text(form, f"{prefix}_{key}") for key in keys}
    return data if any(v for k, v in data.items() if k != "tier") else None


def read_deal(form: Form) -> FormReading[DealInput]:
    data, naming = _deal_data(form)
    return _read(DealInput, data, naming)


def read_new_deal(form: Form) -> FormReading[NewDealInput]:
    data, naming = _deal_data(form)
    data |= {
        "status": text(form, "status"),
        "status_on": text(form, "status_on"),
        "source": source_data(form, "source"),
        "relay": source_data(form, "relay", tier=False),
    }
    return _read(NewDealInput, data, naming)


def read_status(form: Form) -> FormReading[StatusInput]:
    data = {
        "status": text(form, "status"),
        "effective_on": text(form, "effective_on"),
        "announced_on": text(form, "announced_on"),
        "note": text(form, "note"),
        "source_id": text(form, "source_id") or None,
        "source": source_data(form, "source"),
    }
    return _read(StatusInput, data, FormNaming())


def read_source(form: Form, prefix: str) -> FormReading[SourceInput]:
    """A form holding one source, its fields named `{prefix}_…`."""
    data = {key: text(form, f"{prefix}_{key}") for key in SOURCE_FIELDS}
    return _read(SourceInput, data, FormNaming(prefix=prefix))


def read_organization(form: Form) -> FormReading[OrganizationInput]:
    data: dict[str, Any] = {name: text(form, name) for name in OrganizationInput.model_fields}
    data["aliases"] = split_aliases(text(form, "aliases"))
    return _read(OrganizationInput, data, FormNaming())


def read_hardware(form: Form) -> FormReading[HardwareRecordInput]:
    data: dict[str, Any] = {name: text(form, name) for name in HardwareRecordInput.model_fields}
    data["in_house"] = bool(data["in_house"])  # a checkbox: sent when ticked
    return _read(HardwareRecordInput, data, FormNaming())


def _form_text(value: Any, *, amount: bool = False) -> str:
    if value is None:
        return ""
    if amount and isinstance(value, int):
        return amount_text(value)
    return number_cell(value) if isinstance(value, float) else str(value)


def deal_form_values(deal: Deal) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The saved deal as its form's fields: single values, and the columns of its rows."""
    data = deal_data(deal)
    names = field_names(DealInput)
    single = {
        names[n]: _form_text(data[names[n]], amount=n in WHOLE_AMOUNTS)
        for n in DealInput.column_fields()
    }
    hardware = data["hardware"]
    multi = {
        "deal_type": list(data["deal_types"]),
        "party_organization": [p["organization"] for p in data["parties"]],
        "party_role": [p["role"] for p in data["parties"]],
        **{
            column: [_form_text(line[key], amount=key in WHOLE_AMOUNTS) for line in hardware]
            for column, key in zip(
                HARDWARE_COLUMNS, ("name", "chips", "type", "vendor"), strict=True
            )
        },
    }
    return single, multi
