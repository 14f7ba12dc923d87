"""The filters as OpenAPI query parameters (GET /api/v1/deals documents them; its dependency
reads them with the same parser as `/deals`, the CSV and the feed)."""

from typing import Any

from app.filters.registry import FILTERS, Registry


def query_parameters(registry: Registry = FILTERS) -> list[dict[str, Any]]:
    """One OpenAPI parameter per filter, in query-string order."""
    parameters = []
    for flt in registry:
        # The API refuses a blank value (it reads none as absent, as the pages do).
        schema = _not_blank(flt.schema())
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


def _not_blank(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "array":
        return {**schema, "items": _not_blank(schema["items"])}
    if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
        return {**schema, "minLength": 1}
    return schema
