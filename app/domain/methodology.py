"""What each status, confidence level and source tier means, as the product states it.

The /methodology page prints these; badges carry the short definition as a `title` and link to
the entry (`#status-confirmed`, `#confidence-high`, `#tier-original`).
"""

from dataclasses import dataclass

from app.domain.vocabulary import Confidence, SourceTier, Status


@dataclass(frozen=True, slots=True)
class Definition:
    value: str
    short: str  # one sentence: a badge's title
    long: str
    example: str
    evidence: str = ""


STATUS_DEFINITIONS: dict[str, Definition] = {
    d.value: d
    for d in (
        Definition(
            Status.RUMORED,
            "Reported by the press on unnamed sources as existing or agreed; no party confirms it.",
            "A deal is reported as existing or agreed by outlets relying on unnamed sources, and "
            "no party has said so on record.",
            "“Meta in talks to rent Google TPUs”, before either company comments.",
            "At least one report by an original-reporting outlet, not only a relay.",
        ),
        Definition(
            Status.IN_TALKS,
            "Negotiations are reported; nothing is signed.",
            "Negotiations are reported (“in talks”, “early discussions”, “negotiating”) and no "
            "agreement is signed.",
            "xAI and Oracle discussing a ~$10B server rental (May 2024).",
            "An original report explicitly saying talks or negotiation.",
        ),
        Definition(
            Status.ANNOUNCED,
            "A party announced it publicly, or it is non-binding (LOI, MOU), or nothing has "
            "flowed yet.",
            "At least one party publicly announced the deal (press release, blog, exchange "
            "filing), or the agreement is non-binding (letter of intent, memorandum), or it is an "
            "investment or plan whose money or hardware has not yet flowed.",
            "NVIDIA and OpenAI's letter of intent for up to $100B (September 2025).",
            "A party's statement or filing.",
        ),
        Definition(
            Status.CONFIRMED,
            "A binding agreement stated by both parties or in a filing, or delivery has begun.",
            "A binding, definitive agreement is verified: both parties state it, or it appears "
            "with specific terms in a regulatory filing (8-K, 6-K, S-1, 10-Q), or delivery has "
            "begun.",
            "OpenAI's $38B AWS agreement, announced by both companies (November 2025).",
            "Two-party confirmation, or a filing.",
        ),
        Definition(
            Status.COMPLETED,
            "Delivered and operational, the investment closed, or the term is over.",
            "Capacity is delivered and operational, the investment has closed, or the contract "
            "term is finished.",
            "Project Rainier: about 500,000 Trainium2 chips live for Anthropic (October 2025).",
            "An operational statement, satellite or permit evidence, or a closing announcement.",
        ),
        Definition(
            Status.DENIED,
            "A party publicly denied the reported deal or how it was described.",
            "A party publicly denies a reported deal or a characterisation of it. A denied deal "
            "can be reported again later.",
            "OpenAI saying it had “no plans to deploy [Google TPUs] at scale” (June 2025).",
            "An on-record denial.",
        ),
        Definition(
            Status.CANCELLED,
            "Talks ended, an option was not taken up, or the agreement was terminated.",
            "Talks ended, an option was not exercised, or an agreement was terminated. A revival "
            "is recorded as a new, related deal.",
            "The xAI–Oracle talks ending in July 2024.",
            "A report or statement that talks ended or the contract was terminated.",
        ),
    )
}

CONFIDENCE_DEFINITIONS: dict[str, Definition] = {
    d.value: d
    for d in (
        Definition(
            Confidence.HIGH,
            "Key facts are backed by a party's own words or filing, or by two independent "
            "original reports.",
            "The key facts (parties, hardware, figures, date) are supported by a party's primary "
            "source or filing, or by at least two independent original-reporting outlets.",
            "A deal both companies announced in press releases.",
        ),
        Definition(
            Confidence.MEDIUM,
            "One original outlet or a secondary summary, or some facts are approximate.",
            "A single original outlet or a secondary summary supports the record, or some facts "
            "(the exact day, one party, the value) are unchecked or approximate, or the parties "
            "have not confirmed the reported value.",
            "A value reported by one newspaper that the parties did not comment on.",
        ),
        Definition(
            Confidence.LOW,
            "Only a relay or aggregator, with no traceable original report.",
            "The record rests on a relay or aggregator with no traceable original, or on reports "
            "that could not be checked.",
            "A deal known only from a crypto news feed's summary.",
        ),
    )
}

TIER_DEFINITIONS: dict[str, Definition] = {
    d.value: d
    for d in (
        Definition(
            SourceTier.PRIMARY,
            "A party's own words: release, blog, executive on record, regulatory filing.",
            "A party's own words: a press release, company blog, an executive's statement on "
            "record, or a regulatory filing (SEC 8-K, 6-K, S-1, 10-Q).",
            "Amazon's press release on its agreement with OpenAI.",
        ),
        Definition(
            SourceTier.ORIGINAL,
            "Original reporting by an outlet with its own sources.",
            "Reporting by an outlet with its own sources, which can be the first to break a deal.",
            "The Information, The Wall Street Journal, Bloomberg, Reuters, the Financial Times, "
            "CNBC, Semafor.",
        ),
        Definition(
            SourceTier.SECONDARY,
            "A summary of others' reporting: trade press, newsletters, explainers.",
            "Trade press, newsletters, forums and explainers summarising others' reporting.",
            "A trade-press article summarising a Bloomberg scoop.",
        ),
        Definition(
            SourceTier.RELAY,
            "Repeats another report; a pointer to where a claim came from, not a confirmation.",
            "Relays and aggregators repeat another outlet's report. They show where a claim came "
            "from, not independent confirmation, and are credited with a first report only when "
            "no other source exists.",
            "A crypto news feed reposting a Reuters headline.",
        ),
    )
}

# The lifecycle order of the live statuses; denied and cancelled end a deal. Rumored and in
# talks are one stage (reported, not official): talks later reported as signed but unconfirmed
# become a rumor without going back.
LIFECYCLE_RANK: dict[str, int] = {
    Status.RUMORED: 0,
    Status.IN_TALKS: 0,
    Status.ANNOUNCED: 1,
    Status.CONFIRMED: 2,
    Status.COMPLETED: 3,
}


def moves_backwards(previous: str | None, new: str) -> bool:
    """Whether a step from `previous` to `new` goes back in the lifecycle.

    Backwards means to an earlier live stage (announced → rumored, confirmed → announced), or
    from an ended status (denied, cancelled) back to a rumor or talks. A denied or cancelled step
    ends a deal rather than moving it back; a denied deal later announced moves it forward.
    """
    if previous is None or previous == new:
        return False
    if previous in LIFECYCLE_RANK and new in LIFECYCLE_RANK:
        return LIFECYCLE_RANK[new] < LIFECYCLE_RANK[previous]
    if previous not in LIFECYCLE_RANK and new in LIFECYCLE_RANK:
        return LIFECYCLE_RANK[new] == 0
    return False
