"""How real the report says the deal is (the methodology's statuses), from the words it uses,
and how sure a record built on it can be."""

import re
from dataclasses import dataclass

from app.domain.vocabulary import OFFICIAL_STATUSES, Confidence, Status

_NEGATION = re.compile(
    r"\b(?:not|no|neither|nor|never|yet to|without|declined to|did not|has not|have not|"
    r"hasn't|haven't|didn't|isn't|wasn't)\b[^.;,]{0,20}$",
    re.IGNORECASE,
)


def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


DENIED = _cue(
    r"\b(?:denied|denies|deny|denying|refuted|refutes|rejected the report|dismissed the report|"
    r"push(?:ed|ing)? back on (?:the )?reports?|no (?:active )?plans to)\b"
)
CANCELLED = _cue(
    r"\b(?:end(?:s|ed)? (?:the |their )?talks|talks (?:have |had )?(?:ended|collapsed|broke down|"
    r"fell apart)|called off|scrapped|terminated|cancell?ed|walked away|pulled out of|abandoned|"
    r"not to exercise|(?:will|did) not exercise|declin\w+ (?:to exercise|an option|the option))\b"
)
COMPLETED = _cue(
    r"\b(?:(?:is|are) now operational|fully operational|came online|comes online|"
    r"(?:brought|brings)\b[^.;]{0,80}\bonline|went live|is now live|has been completed|"
    r"closed the (?:deal|acquisition|investment))\b"
)
NON_BINDING = _cue(r"\b(?:letter of intent|memorandum of understanding|LOI|MOU|non-binding)\b")
SIGNED = _cue(
    r"\b(?:signed|inked|agreed to|has agreed|have agreed|definitive agreement|finali[sz]ed|"
    r"struck a deal|entered into (?:a|an)\b[^.;]{0,40}\bagreement|reached (?:a|an) (?:deal|"
    r"agreement)|(?:expanded|extended) (?:its|their) (?:agreement|contract|deal))\b"
)
TALKS = _cue(
    r"\b(?:in talks|in discussions|talks (?:with|on|to|about|over)|negotiat\w+|discussions|"
    r"exploring|weighing|nearing a deal|close to a deal|under discussion)\b"
)
RUMOUR = _cue(
    r"\b(?:people familiar|person familiar|sources familiar|familiar with the (?:matter|talks|"
    r"plans)|people involved|person involved|according to (?:two |three |several )?(?:people|"
    r"sources|a person)|sources? (?:said|say|says|told)|unnamed sources|reportedly|is said to|"
    r"people with knowledge|(?:two|three|four|several) sources|one of the sources|citing "
    r"(?:two |three |several )?(?:people|sources|a person))\b"
)
OFFICIAL = _cue(
    r"\b(?:announced|announces|announce|unveil\w*|said in a statement|press release|blog post|"
    r"(?:the )?(?:two )?compan(?:y|ies) said|said on (?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday)|said in statements|disclosed|(?:regulatory )?filing|said|"
    r"(?:joint )?statement)\b"
)
BOTH_PARTIES = _cue(
    r"\b(?:the (?:two )?companies (?:said|announced)|both companies|said in statements|"
    r"(?:regulatory )?filing|S-1|8-K|10-Q|6-K)\b|⟨\d+⟩ and ⟨\d+⟩ (?:said|announced)"
)


@dataclass(frozen=True)
class StatusReading:
    status: str | None
    sentence: int | None  # the sentence that decides it
    rumour: bool
    official: bool
    both_parties: bool


def _first(pattern: re.Pattern[str], texts: list[str], *, negatable: bool = True) -> int | None:
    """The first sentence with the cue, unless a negation just before it ("no deal has been
    signed", "has not confirmed") takes it back."""
    for i, text in enumerate(texts):
        for m in pattern.finditer(text):
            if not (negatable and _NEGATION.search(text[: m.start()])):
                return i
    return None


def read_status(masked: list[str]) -> StatusReading:
    """The status the report supports, from sentences with their names masked (⟨0⟩ …)."""
    rumour = _first(RUMOUR, masked, negatable=False)
    official = _first(OFFICIAL, masked)
    both = _first(BOTH_PARTIES, masked)
    signed = _first(SIGNED, masked)
    status, sentence = None, None
    for candidate, found in (
        (Status.DENIED, _first(DENIED, masked)),
        (Status.CANCELLED, _first(CANCELLED, masked)),
        (Status.COMPLETED, _first(COMPLETED, masked)),
        (Status.ANNOUNCED, _first(NON_BINDING, masked)),
    ):
        if found is not None:
            status, sentence = candidate.value, found
            break
    if status is None and signed is not None:
        sentence = signed
        if both is not None:
            status = Status.CONFIRMED.value
        elif rumour is not None:
            status = Status.RUMORED.value
        elif official is not None:
            status = Status.ANNOUNCED.value
        else:
            status = Status.RUMORED.value
    if status is None:
        for candidate, found in (
            (Status.IN_TALKS, _first(TALKS, masked)),
            (Status.RUMORED, rumour),
            (Status.ANNOUNCED, official if rumour is None else None),
        ):
            if found is not None:
                status, sentence = candidate.value, found
                break
    return StatusReading(
        status, sentence, rumour is not None, official is not None, both is not None
    )


def confidence(reading: StatusReading, originals: int) -> str:
    """High on a party's word or two original outlets; medium on one; low on a relay alone."""
    official = reading.status in OFFICIAL_STATUSES and (reading.official and not reading.rumour)
    if official or originals >= 2:
        return Confidence.HIGH.value
    if originals == 1:
        return Confidence.MEDIUM.value
    return Confidence.LOW.value
