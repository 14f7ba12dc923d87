""" "Did you mean Maia 200?": when a search finds nothing, the known names closest to it.

Names are the directory's organizations (with their aliases) and hardware models, compared
with case, spaces and punctuation left out (`maia200` is `Maia 200`), then by edit distance.
"""

from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from app.extract.directory import compact, load_directory

MAX_SUGGESTIONS = 3
SUGGEST_CUTOFF = 75  # rapidfuzz ratio, 0-100: `maia 20` → `Maia 200`, `nvidai` → `NVIDIA`
SHORTEST = 3  # a shorter search is too vague to correct


def did_you_mean(session: Session, text: str) -> list[str]:
    """Up to three known names close to `text`, closest first; none for a short search."""
    key = compact(text)
    if len(key) < SHORTEST:
        return []
    directory = load_directory(session)
    names: dict[str, str] = {}
    for org in directory.compact.values():
        names.setdefault(compact(org.name), org.name)
    for form, org in directory.compact.items():
        names.setdefault(form, org.name)  # an alias leads to its organization's name
    for model in directory.models.values():
        names.setdefault(compact(model.name), model.name)
    found = process.extract(
        key, names.keys(), scorer=fuzz.ratio, score_cutoff=SUGGEST_CUTOFF, limit=None
    )
    suggestions: list[str] = []
    for form, _score, _index in found:
        if names[form] not in suggestions:
            suggestions.append(names[form])
    return suggestions[:MAX_SUGGESTIONS]
