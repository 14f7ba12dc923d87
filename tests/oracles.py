"""Plain-Python statements of rules the app computes in SQL, for tests to check it against."""

from app.derived.search import words
from app.models import Deal


def search_document(deal: Deal) -> str:
    """A deal's search words, from its loaded ORM objects (app.derived.refresh.search_documents
    writes the same words from SQL rows)."""
    parts: list[str] = [deal.title, deal.summary or ""]
    for party in deal.parties:
        parts.append(party.organization.name)
        parts.extend(party.organization.alias_names)
    for line in deal.hardware_lines:
        parts.append(line.hardware.name)
    for source in deal.sources:
        parts.append(source.publisher)
    return " ".join(dict.fromkeys(w for part in parts for w in words(part)))
