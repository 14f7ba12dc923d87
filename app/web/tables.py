"""The deals table as a view: which filters it shows and the URLs of its links."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from app.domain.cells import ALL_COLUMNS
from app.filters import DealFilters
from app.filters.form import FilterForm

TABLE_FORM = FilterForm()  # the table takes every filter, and shows sort and rows per page


@dataclass(frozen=True)
class TableView:
    """Builds the links of a deals table on `base_path`; preset filters stay out of its URLs."""

    filters: DealFilters
    base_path: str
    preset: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def url(self, f: DealFilters) -> str:
        pairs = [(k, v) for k, v in f.pairs() if v not in self.preset.get(k, ())]
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

    def page_url(self, page: int) -> str:
        return self.url(self.filters.on_page(page))

    @property
    def hidden_filters(self) -> list[tuple[str, str]]:
        """The filters the form must carry along (its visible inputs carry the rest)."""
        pairs = TABLE_FORM.carried(self.filters.pairs(paging=False))
        return [(k, v) for k, v in pairs if v not in self.preset.get(k, ())]
