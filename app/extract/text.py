"""A report as sentences: noise (ticker lines, hashtags) dropped, the headline told apart."""

import re
from dataclasses import dataclass

_PUNCTUATION = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "\u00a0": " ",
        "–": "-",
        "—": " - ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
# "$MSFT", "#CRWV": ticker and hashtag symbols that relays append to a story.
_TICKERS = re.compile(r"(?<![\w$])[#$][A-Za-z][A-Za-z0-9]*")
_WORD = re.compile(r"[A-Za-z0-9]+")
_ALPHA_WORD = re.compile(r"[A-Za-z]{2,}")
_SPLIT = re.compile(r"(?<=[.!?])[\"')]?\s+(?=[\"'(]?[A-Z0-9$])")
_ABBREVIATIONS = frozenset(
    [
        "u.s",
        "inc",
        "corp",
        "co",
        "ltd",
        "mr",
        "ms",
        "mrs",
        "dr",
        "st",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "vs",
        "approx",
        "e.g",
        "i.e",
        "u.k",
        "u.a.e",
    ]
)
LEAD_SENTENCES = 2  # after the headline: where a report says what it is about
# Longer "sentences" (text without full stops) are cut, so every pattern reads a bounded span.
MAX_SENTENCE = 600


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    title: bool
    lead: bool

    def tokens(self) -> list[Token]:
        return tokenize(self.text)


def tokenize(text: str) -> list[Token]:
    """Words with their offsets; the "s" of a possessive is not a word of its own."""
    found = []
    for m in _WORD.finditer(text):
        if m.group() == "s" and m.start() > 0 and text[m.start() - 1] == "'":
            continue
        found.append(Token(m.group(), m.start(), m.end()))
    return found


def normalise(text: str) -> str:
    return _TICKERS.sub("", text.translate(_PUNCTUATION))


def paragraphs(text: str) -> list[str]:
    """The report's lines of prose; lines of fewer than four words (tickers, prices) are noise."""
    kept = []
    for line in normalise(text).splitlines():
        line = " ".join(line.split())
        if len(_ALPHA_WORD.findall(line)) >= 4:
            kept.append(line)
    return kept


def split_sentences(paragraph: str) -> list[str]:
    pieces, start = [], 0
    for m in _SPLIT.finditer(paragraph):
        before = paragraph[start : m.start()].split()
        last = before[-1].rstrip(".!?\"')").lower() if before else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        pieces.append(paragraph[start : m.start()].strip())
        start = m.end()
    pieces.append(paragraph[start:].strip())
    return [chunk for p in pieces if p for chunk in _bounded(p)]


def _bounded(text: str) -> list[str]:
    chunks = []
    while len(text) > MAX_SENTENCE:
        cut = text.rfind(" ", 0, MAX_SENTENCE)
        cut = cut if cut > 0 else MAX_SENTENCE
        chunks.append(text[:cut])
        text = text[cut:].strip()
    return [*chunks, text] if text else chunks


def sentences(text: str) -> list[Sentence]:
    """The report's sentences in order; a first line without closing punctuation is its headline."""
    lines = paragraphs(text)
    has_title = len(lines) > 1 and not lines[0].rstrip().endswith((".", "!", "?", '"'))
    found: list[Sentence] = []
    for number, line in enumerate(lines):
        parts = [line] if number == 0 and has_title else split_sentences(line)
        for part in parts:
            title = number == 0 and has_title
            body_index = len(found) - (1 if has_title else 0)
            found.append(Sentence(len(found), part, title, title or body_index < LEAD_SENTENCES))
    return found
