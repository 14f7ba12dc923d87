"""The filters as command-line options: `deals export --status confirmed --party microsoft`."""

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from app.filters.kinds import Filter
from app.filters.registry import FILTERS, Registry

R = TypeVar("R")
QueryPairs = list[tuple[str, str]]


def filter_options(
    registry: Registry = FILTERS,
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Give a Typer command one option per filter (`--status`, repeatable for OR; `--q`), in
    place of its `filters` parameter, which receives the query pairs they make. Paging is
    left out: such a command works on every match."""

    def decorate(command: Callable[..., R]) -> Callable[..., R]:
        own = inspect.signature(command)
        exported = [flt for flt in registry if not flt.paging]

        @wraps(command)
        def run(**given: Any) -> R:
            pairs: QueryPairs = []
            for flt in exported:
                value = given.pop(flt.name)
                pairs.extend((flt.name, v) for v in ((value or []) if flt.multiple else [value]))
            return command(filters=pairs, **given)

        kept = [p for p in own.parameters.values() if p.name != "filters"]
        run.__signature__ = own.replace(  # type: ignore[attr-defined]
            parameters=[*kept, *(_option(flt) for flt in exported)]
        )
        return run

    return decorate


def _option(flt: Filter) -> inspect.Parameter:
    names = (f"--{flt.name.replace('_', '-')}", *flt.flags)
    option = typer.Option(*names, help=flt.description())
    if flt.multiple:
        annotation: Any = Annotated[list[str] | None, option]
        default: Any = None
    else:
        annotation = Annotated[str, option]
        default = "" if flt.default is None else str(flt.default)
    return inspect.Parameter(
        flt.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )
