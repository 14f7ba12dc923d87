"""The outlets a report credits ("first reported by", "according to", "told CNBC") and the report
itself: originals first, then relays, then the publisher as the relay of what it repeats."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.domain.vocabulary import SourceTier
from app.extract.draft import DraftSource
from app.extract.outlets import outlet_name, outlet_pattern, outlet_tier
from app.extract.text import Sentence

_KNOWN = rf"(?:the\s+)?(?:{outlet_pattern()})"
_ANY = r"(?:the\s+)?[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*){0,3}"
_CREDITS = (
    re.compile(
        rf"\b(?:first |originally |initially )?(?:reported|highlighted|revealed|broken)"
        rf"\s+by\s+(?P<o>{_KNOWN}|{_ANY})"
    ),
    re.compile(rf"\b[Aa]ccording to (?:a report (?:by|from|in) )?(?P<o>{_KNOWN}|{_ANY})"),
    re.compile(rf"\bciting (?:a report (?:by|from|in) )?(?P<o>{_KNOWN}|{_ANY})"),
    re.compile(rf"\b(?:a|the) report (?:by|from|in) (?P<o>{_KNOWN}|{_ANY})"),
    re.compile(rf"\btold (?P<o>{_KNOWN}|{_ANY})"),
    re.compile(
        rf"(?<![\w'])(?P<o>{_KNOWN}),?\s+(?:(?:first|earlier|had|has|previously|also)\s+)*"
        r"(?:reported|reports|said|wrote|revealed)\b"
    ),
    re.compile(rf"\bper (?P<o>{_KNOWN})\b"),
)
_NOT_OUTLETS = frozenset(["people", "sources", "person", "investors", "analysts", "the", "a", "an"])


@dataclass(frozen=True)
class Credit:
    publisher: str
    tier: str
    sentence: int
    known: bool
    relays: str | None = None


def find_credits(sentences: list[Sentence], is_org: Callable[[str], bool]) -> list[Credit]:
    """Each outlet the report credits, once, with the sentence that credits it first."""
    credits: dict[str, Credit] = {}
    for sentence in sentences:
        found: list[tuple[int, str, bool]] = []
        for pattern in _CREDITS:
            for m in pattern.finditer(sentence.text):
                phrase = re.sub(r"'s$", "", m.group("o").strip().rstrip(".,"))
                name = outlet_name(phrase)
                if name is None and (_plain(phrase) or is_org(phrase)):
                    continue
                found.append((m.start("o"), name or phrase, name is not None))
        found.sort()
        for position, (_, name, known) in enumerate(found):
            if name in credits:
                continue
            tier = outlet_tier(name) if known else SourceTier.ORIGINAL.value
            later = next((n for _, n, _ in found[position + 1 :] if n != name), None)
            relays = later if tier == SourceTier.RELAY.value else None
            credits[name] = Credit(
                name, tier or SourceTier.ORIGINAL.value, sentence.index, known, relays
            )
    return list(credits.values())


def _plain(phrase: str) -> bool:
    words = phrase.split()
    return not words or words[0].lower() in _NOT_OUTLETS and len(words) == 1


def publisher_tier(publisher: str, credits: list[Credit]) -> tuple[str, str | None]:
    """The report's own tier, and whose report it repeats: an outlet told by its own sources is
    original; one that credits others is their relay."""
    name = outlet_name(publisher) or publisher
    others = [c for c in credits if c.publisher != name]
    if any(c.publisher == name for c in credits):
        return outlet_tier(name) or SourceTier.ORIGINAL.value, None
    if others:
        original = next((c for c in others if c.tier == SourceTier.ORIGINAL.value), others[0])
        return SourceTier.RELAY.value, original.publisher
    return outlet_tier(name) or SourceTier.SECONDARY.value, None


def draft_sources(
    credits: list[Credit], publisher: str | None, url: str | None, quote: str | None
) -> list[DraftSource]:
    """Originals first, then relays, then the report itself (carrying the URL and the quote)."""
    name = (outlet_name(publisher) or publisher.strip()) if publisher else None
    order = {tier.value: rank for rank, tier in enumerate(SourceTier)}
    listed = sorted((c for c in credits if c.publisher != name), key=lambda c: order[c.tier])
    sources = [DraftSource(publisher=c.publisher, tier=c.tier, relays=c.relays) for c in listed]
    if name:
        tier, relays = publisher_tier(name, credits)
        sources.append(DraftSource(publisher=name, tier=tier, url=url, relays=relays, quote=quote))
    elif sources:
        sources[0].quote = quote
    return sources
