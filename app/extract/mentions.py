"""Names in a sentence: organizations and hardware models from the directory, new names where a
party stands, and the stand-ins ("the company", "it") that point back at one."""

import re
from dataclasses import dataclass

from app.extract.directory import MAX_WORDS, Directory, Model, Org
from app.extract.outlets import is_outlet
from app.extract.text import Sentence, Token

# What follows a company's name when it is the maker of the chips, not a party: "Nvidia GPUs".
CHIP_NOUNS = frozenset(
    [
        "gpu",
        "gpus",
        "chip",
        "chips",
        "accelerator",
        "accelerators",
        "processor",
        "processors",
        "tpu",
        "tpus",
        "silicon",
        "superchips",
        "systems",
        "servers",
        "hardware",
        "graphics",
    ]
)
_MODEL_SHAPE = re.compile(r"[A-Z]{1,4}\d{2,4}[A-Z]{0,3}s?")
_MODIFIERS = frozenset(
    ["latest", "newest", "new", "own", "custom", "in", "house", "proprietary", "ai", "advanced"]
)
_NEW_NAME_FOLLOWED_BY = re.compile(
    r"^\s*(?:,|(?:has|have|is|are|will|would|to|plans|agreed|signed|said|says|announced)\b)"
)
_STANDIN = re.compile(
    r"\b(?:[Ii]t|[Tt]he (?:company|startup|lab|firm|group|chipmaker|cloud provider|"
    r"AI (?:company|startup|lab|developer)|[A-Z][\w-]* maker))\b"
)
# Capitalised words that start sentences but never name a company.
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "in",
        "on",
        "at",
        "under",
        "as",
        "but",
        "and",
        "or",
        "if",
        "while",
        "when",
        "after",
        "before",
        "since",
        "for",
        "with",
        "from",
        "by",
        "to",
        "of",
        "neither",
        "both",
        "all",
        "any",
        "some",
        "details",
        "financial",
        "terms",
        "shares",
        "representatives",
        "people",
        "sources",
        "according",
        "industry",
        "analysts",
        "companies",
        "access",
        "offering",
        "designing",
        "separately",
        "meanwhile",
        "however",
        "last",
        "next",
        "first",
        "second",
        "third",
        "also",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "chief",
        "ceo",
        "president",
        "founder",
        "elon",
        "jensen",
        "sam",
        "satya",
        "sundar",
        "mark",
        "reid",
        "bill",
        "eric",
        "musk",
        "altman",
        "huang",
        "nadella",
    ]
)


@dataclass(frozen=True)
class Mention:
    kind: str  # "org" (a party), "vendor" (an org as the maker of chips), "model", "standin"
    start: int
    end: int
    text: str
    org: Org | None = None
    model: Model | None = None
    cloud: bool = False
    near: bool = False  # a near spelling of a known name, not the name itself


def find_mentions(sentence: Sentence, directory: Directory) -> list[Mention]:
    """Every name in the sentence, left to right, longest first where names overlap."""
    tokens = sentence.tokens()
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        mention, width = _longest_at(sentence.text, tokens, i, directory)
        if mention is not None:
            found.append(mention)
            i += width
        else:
            i += 1
    found = _split_vendors(found, directory)
    found = _mark_vendors(sentence.text, tokens, found)
    found += _new_names(sentence.text, tokens, found, directory)
    found += _standins(sentence.text, found)
    return sorted(found, key=lambda m: m.start)


def _longest_at(
    text: str, tokens: list[Token], i: int, directory: Directory
) -> tuple[Mention | None, int]:
    for width in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
        span = tokens[i : i + width]
        words = tuple(t.text.lower() for t in span)
        start, end = span[0].start, span[-1].end
        surface = text[start:end]
        model = directory.models.get(words) or directory.models.get(_singular(words))
        if model is not None and any(c.isupper() or c.isdigit() for c in surface):
            return Mention("model", start, end, surface, model=model), width
        found = directory.org(words)
        if found is not None and (surface[0].isupper() or surface in directory.exact_forms):
            org, cloud = found
            return Mention("org", start, end, surface, org=org, cloud=cloud), width
    return None, 1


def _split_vendors(found: list[Mention], directory: Directory) -> list[Mention]:
    """ "Nvidia Blackwell" names a model and its maker: a vendor mention, then the model."""
    split: list[Mention] = []
    for m in found:
        vendor = m.model.vendor if m.kind == "model" and m.model else ""
        if vendor and m.text.lower().startswith(vendor.lower() + " "):
            org = directory.org(tuple(vendor.lower().split()))
            if org is not None:
                cut = m.start + len(vendor)
                split.append(Mention("vendor", m.start, cut, m.text[: len(vendor)], org=org[0]))
                split.append(
                    Mention("model", cut + 1, m.end, m.text[len(vendor) + 1 :], model=m.model)
                )
                continue
        split.append(m)
    return split


def _singular(words: tuple[str, ...]) -> tuple[str, ...]:
    last = words[-1]
    if len(last) > 2 and last.endswith("s") and any(c.isdigit() for c in last):
        return (*words[:-1], last[:-1])
    if last in ("tpus", "lpus", "gpus", "cpus"):
        return (*words[:-1], last[:-1])
    return words


def _mark_vendors(text: str, tokens: list[Token], found: list[Mention]) -> list[Mention]:
    """An organization right before a chip word or model ("Nvidia's latest GB300") makes the
    chips; it is a party only where a sentence says so another way."""
    starts = {m.start: m for m in found}
    marked = []
    for mention in found:
        if mention.kind == "org" and not mention.cloud:
            following = [t for t in tokens if t.start >= mention.end][:4]
            for token in following:
                if token.start in starts and starts[token.start].kind == "model":
                    mention = Mention(
                        "vendor", mention.start, mention.end, mention.text, org=mention.org
                    )
                    break
                chip_word = token.text.lower() in CHIP_NOUNS and text[mention.end] != "-"
                if chip_word or _MODEL_SHAPE.fullmatch(token.text):
                    mention = Mention(
                        "vendor", mention.start, mention.end, mention.text, org=mention.org
                    )
                    break
                if token.text.lower() not in _MODIFIERS or token.start in starts:
                    break
        marked.append(mention)
    return marked


def _new_names(
    text: str, tokens: list[Token], found: list[Mention], directory: Directory
) -> list[Mention]:
    """A capitalised name not in the directory where a party stands: starting the sentence
    ("Poolside has agreed to …") or after "from"/"with" ("… GPUs from Acme Cloud")."""
    covered = {i for m in found for i, t in enumerate(tokens) if m.start <= t.start < m.end}
    new: list[Mention] = []
    for i in range(len(tokens)):
        after_preposition = i > 0 and tokens[i - 1].text in ("from", "with")
        if i != 0 and not after_preposition:
            continue
        run = []
        for j in range(i, min(i + 3, len(tokens))):
            word = tokens[j]
            if j in covered or not word.text[0].isupper() or word.text.lower() in _NOT_NAMES:
                break
            if j > i and text[tokens[j - 1].end : word.start] != " ":
                break
            run.append(word)
        if not run or run[0].text.endswith("ly"):
            continue
        start, end = run[0].start, run[-1].end
        phrase = text[start:end]
        if is_outlet(phrase) or (i == 0 and not _NEW_NAME_FOLLOWED_BY.match(text[end:])):
            continue
        known = directory.fuzzy_org(phrase)
        org = known or Org(None, phrase, None, "other")
        new.append(Mention("org", start, end, phrase, org=org, near=known is not None))
    return new


def _standins(text: str, found: list[Mention]) -> list[Mention]:
    spans = [(m.start, m.end) for m in found]
    return [
        Mention("standin", m.start(), m.end(), m.group())
        for m in _STANDIN.finditer(text)
        if not any(s < m.end() and m.start() < e for s, e in spans)
    ]
