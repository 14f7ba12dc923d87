"""The deals table as a view: which filters it shows and the URLs of its links."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from app.domain.cells import ALL_COLUMNS
from app.filters import DealFilters
from app.filters.form import FilterForm

TABLE_FORM = FilterForm()  # the table takes every filter, and shows sort and rows per page
# Columns one may add to the table (`?col=capacity&col=region`), in the order they appear.
EXTRA_COLUMNS = {
    "capacity": "Capacity",
    "region": "Region",
    "announced": "Announced",
    "sources": "Sources",
    "updated": "Updated",
}
COLUMN_PARAM = "col"


def column_problems(pairs: list[tuple[str, str]]) -> list[str]:
    """A column the table does not have, named with those it has."""
    known = ", ".join(EXTRA_COLUMNS)
    return [
        f"unknown column '{value}' in '{COLUMN_PARAM}' — expected one of {known}"
        for name, value in pairs
        if name == COLUMN_PARAM and value and value not in EXTRA_COLUMNS
    ]


def chosen_columns(values: list[str]) -> tuple[str, ...]:
    """The extra columns asked for, known ones only, in the table's order."""
    return tuple(name for name in EXTRA_COLUMNS if name in values)


@dataclass(frozen=True)
class TableView:
    """Builds the links of a deals table on `base_path`; preset filters stay out of its URLs."""

    filters: DealFilters
    base_path: str
    preset: dict[str, tuple[str, ...]] = field(default_factory=dict)
    columns: tuple[str, ...] = ()  # the extra columns shown, kept in every link

    def url(self, f: DealFilters) -> str:
        pairs = [(k, v) for k, v in f.pairs() if v not in self.preset.get(k, ())]
        pairs += [(COLUMN_PARAM, name) for name in self.columns]
        query = urlencode(pairs)
        return f"{self.base_path}?{query}" if query else self.base_path

    def data_url(self, base: object) -> str:
        """This view on another path (its CSV export or feed): every filter, no paging."""
        query = self.filters.query_string(paging=False)
        return f"{base}?{query}" if query else str(base)

    def data_pairs(self) -> list[tuple[str, str]]:
        """The filters of this view as query pairs (no paging), for a form that keeps them."""
        return self.filters.pairs(paging=False)

    csv_columns = ALL_COLUMNS

    def sort_url(self, key: str) -> str:
        return self.url(self.filters.sorted_by(key))

    def aria_sort(self, key: str) -> str | None:
        if self.filters.sort_key != key:
            return None
        return "descending" if self.filters.sort_descending else "ascending"

    def search_url(self, text: str) -> str:
        return self.url(self.filters.searching(text))

    def page_url(self, page: int) -> str:
        return self.url(self.filters.on_page(page))

    @property
    def hidden_filters(self) -> list[tuple[str, str]]:
        """The filters the form must carry along (its visible inputs carry the rest)."""
        pairs = TABLE_FORM.carried(self.filters.pairs(paging=False))
        return [(k, v) for k, v in pairs if v not in self.preset.get(k, ())]
