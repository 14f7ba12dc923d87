"""From a report's text to a drafted deal, with the sentence behind each field. Pure: the
directory is read beforehand, and nothing is looked up or written here."""

import re
from dataclasses import dataclass
from datetime import date

from app.domain.dates import PartialDate
from app.domain.vocabulary import DealType, Role
from app.extract.amounts import Amount, find_capacities, find_chip_counts, find_values
from app.extract.dates import find_dates
from app.extract.directory import Directory, Org, words_of
from app.extract.draft import Draft, DraftHardware, DraftParty
from app.extract.hardware import Line, attach_chips, hardware_types, merge_lines, sentence_hardware
from app.extract.mentions import Mention, find_mentions
from app.extract.parties import Masked, RoleFinding, find_roles, mask
from app.extract.sources import Credit, draft_sources, find_credits
from app.extract.status import confidence, read_status
from app.extract.text import Sentence, sentences

_DEAL_WORDS = re.compile(
    r"\b(?:deal|agreement|contract|worth|valued|commit\w*|invest\w*|spend\w*|buy|purchas\w*|"
    r"pay\w*|cost\w*|rent\w*|lease\w*|collaboration|licens\w*|order)\b",
    re.IGNORECASE,
)
_NOT_DEAL_VALUE = re.compile(
    r"\b(?:revenue|backlog|valuation|value\s+(?:[\w.-]+\s+){1,3}at|capital expenditures?|capex|"
    r"market (?:value|cap\w*)|shares?|stock|sales|profit|income|loss)\b",
    re.IGNORECASE,
)
_HARDWARE_CUE = re.compile(
    r"\b(?:deal|agreement|contract|capacity|cluster|deploy\w*|rent\w*|lease\w*|buy\w*|bought|"
    r"purchas\w*|suppl\w*|covers?|includ\w*|access|power\w*)\b",
    re.IGNORECASE,
)
_REPORT_DATE = re.compile(
    r"\b(?:said|says|announced|reported|disclosed|published|told \w+|unveiled|confirmed)\b",
    re.IGNORECASE,
)
_ROLE_TYPES = (
    ({Role.PROVIDER}, DealType.CLOUD_CAPACITY),
    ({Role.SUPPLIER}, DealType.CHIP_PURCHASE),
    ({Role.INVESTOR, Role.INVESTEE}, DealType.EQUITY_INVESTMENT),
    ({Role.DEVELOPER, Role.OPERATOR}, DealType.DATACENTER),
    ({Role.DESIGNER, Role.CO_DEVELOPER}, DealType.CUSTOM_CHIP),
    ({Role.LICENSOR, Role.LICENSEE}, DealType.LICENSING),
)


_MONEY_ROLES = frozenset({Role.INVESTOR, Role.INVESTEE, Role.FINANCIER})


@dataclass
class Reading:
    """A report split up and its names found, as every step below reads it."""

    sentences: list[Sentence]
    mentions: list[list[Mention]]
    masked: list[Masked]
    main: set[str]  # the organizations the report is about: those its headline and lead name
    published_on: date | None

    def about_main(self, index: int) -> bool:
        """A sentence of the lead, or one naming no party outside the report's subject."""
        parties = {m.org.name for m in self.mentions[index] if m.kind == "org" and m.org}
        return self.sentences[index].lead or parties <= self.main


def read_article(
    text: str,
    directory: Directory,
    *,
    publisher: str | None = None,
    published_on: date | None = None,
    url: str | None = None,
) -> Draft:
    """The deal a report describes: what it states, with a guess named as one."""
    reading = _read(text, directory, published_on)
    draft = Draft(title=_title(reading.sentences))
    _parties(reading, draft)
    _hardware(reading, directory, draft)
    _numbers(reading, draft)
    status = read_status([m.text for m in reading.masked])
    if status.status is not None and status.sentence is not None:
        draft.status = status.status
        draft.evidence["status"] = reading.sentences[status.sentence].text
    credits = find_credits(reading.sentences, lambda p: _is_org(p, directory))
    quote = draft.evidence.get("status") or draft.evidence.get("parties")
    draft.sources = draft_sources(credits, publisher, url, quote)
    if credits:
        draft.evidence["sources"] = reading.sentences[credits[0].sentence].text
    originals = len({s.publisher for s in draft.sources if s.tier == "original"})
    draft.confidence = confidence(status, originals)
    _first_reported(reading, credits, draft)
    return draft


def _read(text: str, directory: Directory, published_on: date | None) -> Reading:
    found = sentences(text)
    mentions = [find_mentions(s, directory) for s in found]
    masked = [mask(s.text, ms, s.index) for s, ms in zip(found, mentions, strict=True)]
    main = {
        m.org.name
        for s, ms in zip(found, mentions, strict=True)
        if s.lead
        for m in ms
        if m.kind == "org" and m.org
    }
    if not main:
        main = {m.org.name for ms in mentions for m in ms if m.kind == "org" and m.org}
    return Reading(found, mentions, masked, main, published_on)


def _is_org(phrase: str, directory: Directory) -> bool:
    first = re.split(r"'s\b", phrase)[0]
    return directory.org(words_of(first)) is not None


def _title(found: list[Sentence]) -> str | None:
    if not found:
        return None
    if found[0].title:
        return found[0].text
    text = found[0].text
    return text if len(text) <= 140 else text[:140].rsplit(" ", 1)[0] + "…"


def _parties(reading: Reading, draft: Draft) -> None:
    """The report's subjects with the roles its sentences give them; roles from a company's
    kind only for one no sentence gives a role, and named as a guess."""
    findings = [
        f
        for f in find_roles(reading.masked)
        if f.org.name in reading.main and reading.about_main(f.sentence)
    ]
    # A guessed (compute) role stands only for an organization no sentence gives a role in a
    # deal of compute, chips or design; an investor may still be guessed the provider.
    explicit = {f.org.name for f in findings if not f.guess and f.role not in _MONEY_ROLES}
    kept = [f for f in findings if not f.guess or f.org.name not in explicit]
    roles: dict[str, tuple[Org, list[str]]] = {}
    for finding in kept:
        entry = roles.setdefault(finding.org.name, (finding.org, []))
        if finding.role not in entry[1]:
            entry[1].append(finding.role)
    mentioned = [m.org for ms in reading.mentions for m in ms if m.kind == "org" and m.org]
    if len(roles) < 2:
        for org in mentioned:
            if org.name in reading.main:
                roles.setdefault(org.name, (org, []))
    order = [org.name for org in mentioned]
    draft.parties = [
        DraftParty(organization=org.name, slug=org.slug, roles=rs, known=org.id is not None)
        for org, rs in sorted(roles.values(), key=lambda entry: order.index(entry[0].name))
    ]
    near = {m.org.name for ms in reading.mentions for m in ms if m.near and m.org}
    if (
        any(f.guess for f in kept)
        or any(not p.roles for p in draft.parties)
        or near & {p.organization for p in draft.parties}
    ):
        draft.uncertain.append("parties")
    _party_evidence(reading, kept, draft)


def _party_evidence(reading: Reading, kept: list[RoleFinding], draft: Draft) -> None:
    if kept:
        draft.evidence["parties"] = reading.sentences[kept[0].sentence].text
    held = {r for p in draft.parties for r in p.roles}
    draft.deal_types = [t.value for need, t in _ROLE_TYPES if held & {r.value for r in need}]


def _hardware(reading: Reading, directory: Directory, draft: Draft) -> None:
    lines: list[Line] = []
    evidence: str | None = None
    for i, sentence in enumerate(reading.sentences):
        if not reading.about_main(i):
            continue
        found = sentence_hardware(sentence.text, reading.mentions[i], directory)
        if not (sentence.lead or _HARDWARE_CUE.search(sentence.text)):
            # elsewhere, only the parties' own chips ("Groq's LPU chips are designed to …")
            found = [x for x in found if x.vendor in reading.main]
        counts = find_chip_counts(reading.masked[i].text)
        attach_chips(found, counts, reading.mentions[i], reading.masked[i].text)
        for line in found:
            line.sentence = i
        lines += found
    merged = merge_lines(lines)
    shown = merged or [x for x in lines if not x.name]
    if shown:
        evidence = reading.sentences[min(x.sentence for x in shown)].text
    draft.hardware = [
        DraftHardware(name=x.name, slug=x.slug, type=x.type, chips=x.chips, vendor=x.vendor or None)
        for x in merged
    ]
    draft.hardware_types = hardware_types([*merged, *(x for x in lines if not x.name)])
    if evidence is not None:
        draft.evidence["hardware"] = evidence


def _numbers(reading: Reading, draft: Draft) -> None:
    value = _best_value(reading)
    if value is not None:
        amount, sentence = value
        draft.value_usd, draft.value_qualifier = round(amount.value), amount.qualifier
        draft.evidence["value_usd"] = reading.sentences[sentence].text
    considered = [
        i
        for i, s in enumerate(reading.sentences)
        if reading.about_main(i) and (s.lead or _HARDWARE_CUE.search(s.text))
    ]
    capacity = _first_amount([(i, find_capacities(reading.sentences[i].text)) for i in considered])
    if capacity is not None:
        draft.capacity_mw, draft.capacity_qualifier = capacity[0].value, capacity[0].qualifier
        draft.evidence["capacity_mw"] = reading.sentences[capacity[1]].text
    chips = _first_amount([(i, find_chip_counts(reading.masked[i].text)) for i in considered])
    if chips is not None:
        draft.chips, draft.chips_qualifier = round(chips[0].value), chips[0].qualifier
        draft.evidence["chips"] = reading.sentences[chips[1]].text


def _first_amount(found: list[tuple[int, list[Amount]]]) -> tuple[Amount, int] | None:
    """The first number stated, with the qualifier a later mention of it adds (a headline
    says "750 megawatts", the story "up to 750 megawatts")."""
    flat = [(amount, i) for i, amounts in found for amount in amounts]
    if not flat:
        return None
    first, sentence = flat[0]
    return _with_qualifier(first, [a for a, _ in flat]), sentence


def _with_qualifier(best: Amount, others: list[Amount]) -> Amount:
    if best.qualifier != "exact":
        return best
    for other in others:
        if other.value == best.value and other.qualifier != "exact":
            return Amount(best.value, other.qualifier, best.start, best.end)
    return best


def _best_value(reading: Reading) -> tuple[Amount, int] | None:
    """The deal's value: a dollar amount in the lead or beside deal words, not a revenue,
    valuation or share price; a qualifier stated elsewhere for the same sum is kept."""
    scored: list[tuple[int, int, Amount]] = []
    for i, sentence in enumerate(reading.sentences):
        if not reading.about_main(i):
            continue
        for amount in find_values(sentence.text):
            window = sentence.text[max(0, amount.start - 60) : amount.end + 30]
            if _NOT_DEAL_VALUE.search(window):
                continue
            score = 2 * sentence.lead + 2 * bool(_DEAL_WORDS.search(sentence.text))
            if score >= 2:
                scored.append((score, i, amount))
    if not scored:
        return None
    best_score = max(s for s, _, _ in scored)
    _, index, best = next(x for x in scored if x[0] == best_score)
    return _with_qualifier(best, [a for _, _, a in scored]), index


def _first_reported(reading: Reading, credits: list[Credit], draft: Draft) -> None:
    """The earliest report the text dates (a credited outlet's, or the parties' own word); else
    the publication date, as a guess."""
    base = reading.published_on
    found: list[tuple[PartialDate, int]] = []
    for credit in credits:
        text = reading.sentences[credit.sentence].text
        found += [(d.value, credit.sentence) for d in find_dates(text, base)]
    if not found:
        for sentence in reading.sentences:
            if sentence.lead and _REPORT_DATE.search(sentence.text):
                found += [
                    (d.value, sentence.index)
                    for d in find_dates(sentence.text, base)
                    if _is_report_date(sentence.text, d.start)
                ]
    found = [(d, i) for d, i in found if base is None or d.start <= base]
    if found:
        earliest, where = min(found, key=lambda x: x[0].sort_key())
        draft.first_reported_on = str(earliest)
        draft.evidence["first_reported_on"] = reading.sentences[where].text
    elif base is not None:
        draft.first_reported_on = str(PartialDate.from_date(base))
        draft.uncertain.append("first_reported_on")


def _is_report_date(text: str, start: int) -> bool:
    """ "said on Monday", "announced Tuesday": a date told as when something was said."""
    before = text[max(0, start - 40) : start]
    return bool(re.search(r"\bon\s+$", before) or _REPORT_DATE.search(before))
