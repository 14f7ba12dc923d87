"""The filter parameters of GET /api/v1/deals as OpenAPI describes them.

Only documentation: the route reads them with `DealFilters.from_query`, the one parser of
`/deals`, the CSV and the feed. The names and vocabularies come from app/filters.py.
"""

from typing import Any

from app.filters import (
    DEFAULT_PER_PAGE,
    DEFAULT_SORT,
    HARDWARE_PARAMS,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_Q_LENGTH,
    ORGANIZATION_PARAMS,
    SORT_KEYS,
    VOCABULARY_PARAMS,
)

_AMOUNT = r"^[0-9]+(\.[0-9]+)?[KMBT]?$"
_PARTIAL_DATE = r"^\d{4}(-(Q[1-4]|\d{2}(-\d{2})?))?$"
_SLUG_HELP = {
    "party": "Organization slug, in any role",
    "customer": "Organization slug, in the customer role",
    "provider": "Organization slug, in the provider role",
    "vendor": "Slug of the organization that makes the hardware",
    "hardware": "Hardware model slug",
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }
    if schema.get("type") == "array":
        parameter |= {"style": "form", "explode": True}
    return parameter


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


FILTER_PARAMETERS: list[dict[str, Any]] = [
    _query(
        "q",
        {"type": "string", "maxLength": MAX_Q_LENGTH},
        "Words that start words of the title, summary, parties and their aliases, hardware "
        "or source publishers.",
    ),
    *(
        _query(
            name,
            _list({"type": "string", "enum": allowed}),
            f"Repeat for OR: {', '.join(allowed)}.",
        )
        for name, allowed in VOCABULARY_PARAMS.items()
    ),
    *(
        _query(name, _list({"type": "string"}), f"{_SLUG_HELP[name]}; repeat for OR.")
        for name in (*ORGANIZATION_PARAMS, *HARDWARE_PARAMS)
    ),
    *(
        _query(
            name,
            {"type": "string", "pattern": _PARTIAL_DATE},
            f"First reported {'on or after the start' if name.endswith('from') else 'by the end'}"
            " of this partial date (`2026`, `2026-Q2`, `2026-05`, `2026-05-21`).",
        )
        for name in ("reported_from", "reported_to")
    ),
    *(
        _query(
            name,
            {"type": "string", "pattern": _AMOUNT},
            f"{'Least' if name == 'min_value' else 'Greatest'} value in US dollars; "
            "`500M`, `10B` and plain numbers are accepted.",
        )
        for name in ("min_value", "max_value")
    ),
    _query(
        "sort",
        {
            "type": "string",
            "enum": [f"{prefix}{key}" for key in SORT_KEYS for prefix in ("", "-")],
            "default": DEFAULT_SORT,
        },
        "Order by this column; a leading `-` means descending. Ties are broken by id.",
    ),
    _query(
        "page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        "Page number, from 1.",
    ),
    _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        f"Deals per page, at most {MAX_PER_PAGE}.",
    ),
]
