"""A row of the deal CSV read into a deal's input, and its problems named by column.

Only the columns the file has are given to the model, so `model_fields_set` tells a column
the file lacks (the field is not set) from an empty cell (set, to nothing).
"""

from typing import Any

from app.domain.cells import ALL_COLUMNS, parse_hardware, parse_parties, split_list
from app.inputs.deal import DealInput, field_names
from app.inputs.errors import Loc

# Where an input's problem is shown in the file, when not in the column of its own name.
_COLUMN_OF = {"capacity_qualifier": "capacity_mw", "chips_qualifier": "chips"}


def deal_row_data(row: dict[str, str]) -> dict[str, Any]:
    """The row's cells under the input's names; CellError for a list cell that does not
    follow its format (`Organization (role, role)`). Of a deal's own fields, only those of the
    export's documented columns are read; a column the row lacks is left out (unchanged)."""
    names = field_names(DealInput)
    data: dict[str, Any] = {
        names[n]: row[names[n]]
        for n in DealInput.column_fields()
        if names[n] in row and names[n] in ALL_COLUMNS
    }
    if "confidence" in data:
        data["confidence"] = data["confidence"] or "medium"
    if "deal_types" in row:
        data["deal_types"] = split_list(row["deal_types"])
    if "parties" in row:
        data["parties"] = [
            {"organization": party.organization, "role": role}
            for party in parse_parties(row["parties"])
            for role in party.roles
        ]
    if "hardware" in row:
        data["hardware"] = [
            {"name": line.hardware, "chips": line.chips} for line in parse_hardware(row["hardware"])
        ]
    return data


def column_of(loc: Loc) -> str:
    """The column a problem at `loc` in a row's input belongs to."""
    head = str(loc[0]) if loc else ""
    return _COLUMN_OF.get(head, head)
