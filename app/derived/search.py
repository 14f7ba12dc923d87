"""Text search over deals, on each database's own index, behind one function.

Each deal has one search document (title, summary, party names and aliases, hardware names,
source publishers; written by app/derived/refresh.py), reduced to lowercase words separated by
single spaces, so that SQLite's
FTS5 and Postgres' full-text search see exactly the same words. A query matches a deal when
every word of the query starts a word of the document ("mai" finds Maia, "MSFT" Microsoft).
"""

import re

from sqlalchemy import ColumnElement, func, literal_column, select, text

from app.models import Deal, DealSearch

_NOT_WORD = re.compile(r"[\W_]+")
MAX_QUERY_WORDS = 12


def words(value: str) -> list[str]:
    """The lowercase words of a text, as both databases will index them."""
    return [w for w in _NOT_WORD.split(value.lower()) if w]


def matching_deal_ids(session_dialect: str, query: str) -> ColumnElement[bool] | None:
    """A condition on Deal.id for the deals matching `query`, or None if it has no words."""
    terms = words(query)[:MAX_QUERY_WORDS]
    if not terms:
        return None
    if session_dialect == "postgresql":
        tsquery = " & ".join(f"{t}:*" for t in terms)
        matches = select(DealSearch.deal_id).where(
            DealSearch.search_vector.op("@@")(func.to_tsquery(literal_column("'simple'"), tsquery))
        )
        return Deal.id.in_(matches)
    fts_query = " ".join(f'"{t}"*' for t in terms)
    return Deal.id.in_(
        select(literal_column("rowid"))
        .select_from(text("deal_fts"))
        .where(text("deal_fts MATCH :fts_query").bindparams(fts_query=fts_query))
    )
