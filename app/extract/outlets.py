"""News outlets the reader knows, with the tier their reports usually carry (see /methodology):
original reporting, trade press and summaries (secondary), and relays that repeat others."""

import re

from app.extract.directory import words_of

_OUTLETS: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (tier, other names)
    "The Information": ("original", ()),
    "The Wall Street Journal": ("original", ("Wall Street Journal", "WSJ", "the Journal")),
    "Bloomberg": ("original", ("Bloomberg News",)),
    "Reuters": ("original", ()),
    "Financial Times": ("original", ("FT", "the FT", "The Financial Times")),
    "CNBC": ("original", ()),
    "Semafor": ("original", ()),
    "The New York Times": ("original", ("New York Times", "NYT")),
    "The Washington Post": ("original", ("Washington Post",)),
    "Nikkei": ("original", ("Nikkei Asia",)),
    "Axios": ("original", ()),
    "The Associated Press": ("original", ("Associated Press", "AP")),
    "Business Insider": ("original", ()),
    "The Verge": ("original", ()),
    "Data Center Dynamics": ("secondary", ("DCD", "DatacenterDynamics")),
    "Tom's Hardware": ("secondary", ()),
    "The Register": ("secondary", ()),
    "TechCrunch": ("secondary", ()),
    "SemiAnalysis": ("secondary", ()),
    "Odaily": ("relay", ("Odaily Planet Daily",)),
    "PANews": ("relay", ()),
    "BlockBeats": ("relay", ()),
    "Foresight News": ("relay", ()),
    "ChainCatcher": ("relay", ()),
    "TechFlow": ("relay", ()),
    "Wu Blockchain": ("relay", ()),
    "Binance Square": ("relay", ()),
    "Jinse Finance": ("relay", ("Jinse",)),
}
_BY_WORDS: dict[tuple[str, ...], str] = {}
for _name, (_tier, _others) in _OUTLETS.items():
    for _form in (_name, *_others):
        _BY_WORDS[words_of(re.sub(r"^the ", "", _form, flags=re.IGNORECASE))] = _name


def outlet_name(phrase: str) -> str | None:
    """The outlet a phrase names ("the FT" → "Financial Times"), if it is one we know."""
    cleaned = re.sub(r"^the ", "", phrase.strip(), flags=re.IGNORECASE)
    return _BY_WORDS.get(words_of(cleaned))


def is_outlet(phrase: str) -> bool:
    return outlet_name(phrase) is not None


def outlet_tier(name: str) -> str | None:
    known = _OUTLETS.get(name)
    return known[0] if known else None


def outlet_pattern() -> str:
    """A regex alternation of every known outlet's names, longest first."""
    forms = sorted({f for n, (_t, o) in _OUTLETS.items() for f in (n, *o)}, key=len, reverse=True)
    return "|".join(re.escape(f) for f in forms)
