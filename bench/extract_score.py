"""Field-level scores of the article reader against the labelled reports (tests/data/articles)."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.extract.draft import Draft

ARTICLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "articles"
HELD_OUT = ARTICLES / "held-out"
NUMBERS = (("value_usd", "value_qualifier"), ("capacity_mw", "capacity_qualifier"), ("chips", None))


@dataclass
class Article:
    name: str
    text: str
    publisher: str | None
    published_on: date | None
    url: str | None
    expected: dict[str, Any]

    @property
    def meta(self) -> dict[str, Any]:
        """What an analyst types beside the text."""
        return {"publisher": self.publisher, "published_on": self.published_on, "url": self.url}


def load_articles(folder: Path = ARTICLES) -> list[Article]:
    articles = []
    for path in sorted(folder.glob("*.txt")):
        label = json.loads(path.with_suffix(".json").read_text())
        published = label["published_on"]
        articles.append(
            Article(
                path.stem,
                path.read_text(),
                label["publisher"],
                date.fromisoformat(published) if published else None,
                label["url"],
                label["expected"],
            )
        )
    return articles


@dataclass
class Tally:
    """Counts for precision and recall over sets of items (true positives, found, expected)."""

    tp: int = 0
    found: int = 0
    expected: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, got: Iterable[object], want: Iterable[object]) -> None:
        got_set, want_set = set(got), set(want)
        self.tp += len(got_set & want_set)
        self.found += len(got_set)
        self.expected += len(want_set)
        if got_set != want_set:
            extra, missing = (
                sorted(map(str, got_set - want_set)),
                sorted(map(str, want_set - got_set)),
            )
            self.misses.append(f"{name}: extra {extra}, missing {missing}")

    @property
    def precision(self) -> float:
        return self.tp / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(parties: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(p["organization"].lower(), r) for p in parties for r in p["roles"]}


def _number(draft: Draft, expected: dict[str, Any], field_: str, qualifier: str | None) -> set[str]:
    got = getattr(draft, field_)
    return (
        set() if got is None else {f"{float(got)}/{getattr(draft, qualifier) if qualifier else ''}"}
    )


def _want_number(expected: dict[str, Any], field_: str, qualifier: str | None) -> set[str]:
    want = expected[field_]
    return set() if want is None else {f"{float(want)}/{expected[qualifier] if qualifier else ''}"}


def score(article: Article, draft: Draft, tallies: dict[str, Tally]) -> None:
    """Add one article's fields to the tallies (created on first use)."""
    want = article.expected

    def tally(key: str, got: Iterable[object], expected: Iterable[object]) -> None:
        tallies.setdefault(key, Tally()).add(article.name, got, expected)

    parties = [p.model_dump() for p in draft.parties]
    tally("parties with roles", _pairs(parties), _pairs(want["parties"]))
    tally(
        "organizations",
        {p["organization"].lower() for p in parties},
        {p["organization"].lower() for p in want["parties"]},
    )
    tally(
        "hardware",
        {h.name.lower() for h in draft.hardware},
        {h["name"].lower() for h in want["hardware"]},
    )
    tally("hardware types", set(draft.hardware_types), set(want["hardware_types"]))
    tally("status", {draft.status} - {None}, {want["status"]} - {None})
    for field_, qualifier in NUMBERS:
        got, expected = (
            _number(draft, want, field_, qualifier),
            _want_number(want, field_, qualifier),
        )
        tally(field_, got, expected)
        tally("stated numbers", {f"{field_}={g}" for g in got}, {f"{field_}={e}" for e in expected})
    tally(
        "original reporters",
        {s.publisher.lower() for s in draft.sources if s.tier == "original"},
        {s["publisher"].lower() for s in want["sources"] if s["tier"] == "original"},
    )
    tally(
        "sources with tiers",
        {(s.publisher.lower(), s.tier) for s in draft.sources},
        {(s["publisher"].lower(), s["tier"]) for s in want["sources"]},
    )
    tally(
        "first reported on",
        {draft.first_reported_on} - {None},
        {want["first_reported_on"]} - {None},
    )
