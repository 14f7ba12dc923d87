"""The deal filters: one registry of declarations (registry.py) and what is read from it."""

from app.filters.problems import FilterError, Problems
from app.filters.registry import FILTERS, Registry
from app.filters.values import DealFilters

__all__ = ["FILTERS", "DealFilters", "FilterError", "Problems", "Registry"]
