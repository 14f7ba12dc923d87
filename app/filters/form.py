"""The filter form of a page, from the registry: its search box, the fields it shows under
their headings, and the values it carries along as hidden inputs."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from app.filters.kinds import Filter
from app.filters.registry import FILTERS, Registry

SEARCH = "q"  # the search box at the top of the page; the other fields sit beside the table


@dataclass(frozen=True)
class FilterForm:
    """`refused` names the parameters the page does not take, `dropped` its own ones that a
    submission starts without (the timeline's place in its pages)."""

    registry: Registry = FILTERS
    refused: frozenset[str] = frozenset()
    dropped: frozenset[str] = frozenset()

    @property
    def search(self) -> Filter:
        return self.registry[SEARCH]

    @property
    def fields(self) -> list[Filter]:
        """The inputs beside the table, in order; a heading starts where `field.group` changes."""
        return [
            flt
            for flt in self.registry
            if flt.field and flt.name != SEARCH and flt.name not in self.refused
        ]

    def carried(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """The pairs a submission must carry as hidden inputs: not those of the inputs shown,
        of parameters refused or dropped, or the page number (new filters start on page 1)."""
        left_out: Collection[str] = {
            SEARCH,
            *(flt.name for flt in self.fields),
            *(flt.name for flt in self.registry if flt.paging),
            *self.refused,
            *self.dropped,
        }
        return [(name, value) for name, value in pairs if name not in left_out]
