"""The filters as OpenAPI query parameters (GET /api/v1/deals documents them; its dependency
reads them with the same parser as `/deals`, the CSV and the feed)."""

from typing import Any

from app.filters.registry import FILTERS, Registry


def query_parameters(registry: Registry = FILTERS) -> list[dict[str, Any]]:
    """One OpenAPI parameter per filter, in query-string order."""
    parameters = []
    for flt in registry:
        schema = flt.schema()
        parameter: dict[str, Any] = {
            "name": flt.name,
            "in": "query",
            "required": False,
            "schema": schema,
            "description": flt.description(),
        }
        if schema.get("type") == "array":
            parameter |= {"style": "form", "explode": True}
        parameters.append(parameter)
    return parameters
