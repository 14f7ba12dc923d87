"""A saved record in the shape of its input, under the names a body and a form use.

A PATCH merges its changes into this and checks the whole by the same model; the edit form
starts from it. The deal's column fields are read by the model's own field list.
"""

from typing import Any

from app.inputs.deal import DealInput, field_names
from app.inputs.records import HardwareRecordInput, OrganizationInput
from app.models import Deal, Hardware, Organization


def deal_data(deal: Deal) -> dict[str, Any]:
    names = field_names(DealInput)
    data = {names[name]: getattr(deal, name) for name in DealInput.column_fields()}
    data["deal_types"] = deal.deal_types
    data["parties"] = [{"organization": p.organization.name, "role": p.role} for p in deal.parties]
    data["hardware"] = [
        {
            "name": line.hardware.name,
            "chips": line.chips,
            "type": line.hardware.type,
            "vendor": line.hardware.vendor.name,
        }
        for line in deal.hardware_lines
    ]
    return data


def organization_data(org: Organization) -> dict[str, Any]:
    data = {
        name: getattr(org, name) for name in OrganizationInput.model_fields if name != "aliases"
    }
    return data | {"aliases": org.alias_names}


def hardware_data(hardware: Hardware) -> dict[str, Any]:
    data = {name: getattr(hardware, name) for name in HardwareRecordInput.model_fields}
    return data | {"vendor": hardware.vendor.name}
