"""The patterns that give roles: each reads a sentence whose names are masked (⟨0⟩ a party, ⟦1⟧
a chip vendor, ⟨P0⟩ "the company", ⟪HW⟫ a model) and names the roles of the two it joins."""

import re
from dataclasses import dataclass

G = r"[^⟨;]{0,150}?"
_CUSTOMER_VERB = (
    r"\b(?:rent(?:s|ing|ed)?|leas(?:e|es|ing|ed)|buy(?:s|ing)?|bought|purchas(?:e|es|ing|ed)|"
    r"procur(?:e|es|ing|ed)|us(?:e|es|ing|ed)|access(?:es|ing|ed)?|tap(?:s|ping|ped)?|"
    r"secur(?:e|es|ing|ed)|obtain(?:s|ing|ed)?|add(?:s|ing|ed)?)\b"
)
_PROVIDER_VERB = (
    r"\b(?:provid(?:e|es|ing|ed)|suppl(?:y|ies|ying|ied)|deliver(?:s|ing|ed)?|offer(?:s|ing|ed)?|"
    r"sell(?:s|ing)?|sold|rent(?:s|ing|ed)?(?: out)?|leas(?:e|es|ing|ed)(?: out)?|"
    r"host(?:s|ing|ed)?)\b"
)
_DEAL_NOUN = (
    r"\b(?:deal|agreement|contract|pact|partnership|arrangement|talks|negotiat\w*|discussions|"
    r"collaboration|commitments|alliance)\b"
)
CAPACITY_WORDS = re.compile(
    r"\b(?:capacity|compute|computing|cloud|servers|infrastructure|data cent\w+|services)\b"
)
DEAL_CUE = re.compile(
    r"\b(?:deal|agreement|talks|announc\w+|sign\w*|collaboration|partnership|contract|end(?:s|ed)?|"
    r"negotiat\w+|discussions|strike|struck|unveil\w*|commitments?)\b"
)


def slot(name: str) -> str:
    return rf"⟨(?P<{name}>\d+|P\d+)⟩"


A, B = slot("a"), slot("b")
PS = "provider_or_supplier"
GUESS = "by_kind"
CODEV = "co_development"


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    roles_a: tuple[str, ...]
    roles_b: tuple[str, ...]
    cloud_b: bool = False  # b must be named as a cloud ("on Azure")
    no_provider_after: bool = False  # skip when "from ⟨…⟩" names who rents it out


def _as_tuple(roles: str | tuple[str, ...]) -> tuple[str, ...]:
    return (roles,) if isinstance(roles, str) else roles


def rule(
    pattern: str, a: str | tuple[str, ...] = (), b: str | tuple[str, ...] = (), **flags: bool
) -> Rule:
    return Rule(re.compile(pattern, re.IGNORECASE), _as_tuple(a), _as_tuple(b), **flags)


RULES = (
    rule(rf"{A}{G}{_CUSTOMER_VERB}{G}\b(?:from|through|via)\s+(?:the\s+)?{B}", "customer", PS),
    rule(rf"{A}{G}{_CUSTOMER_VERB}{G}\bon\s+{B}", "customer", "provider", cloud_b=True),
    rule(rf"{A}{G}{_CUSTOMER_VERB}\s+(?:of\s+)?{B}'s", "customer", PS),
    rule(
        rf"{A}{G}{_CUSTOMER_VERB}[^⟨;]{{0,50}}?\bof\s+{B}'s\s+(?:[\w-]+\s+){{0,3}}?"
        rf"(?:capacity|compute|computing|cloud|servers|chips|GPUs|TPUs|infrastructure|⟪HW⟫)",
        "customer",
        PS,
    ),
    rule(rf"{A}{G}{_CUSTOMER_VERB}\s+{B}(?!')", "customer", "provider", cloud_b=True),
    rule(
        rf"{A}{G}\b(?:receiv\w+|get|gets|take|takes|took|acquir\w+)\b[^⟨;]{{0,60}}?{B}(?:'s)?\s+"
        r"(?:stock|shares|equity|stake)",
        "investor",
        "investee",
    ),
    rule(
        rf"{A}\s+(?:will\s+|would\s+|has agreed to\s+|agreed to\s+)?(?:take|takes|took|taking)"
        r"\s+over\s+(?:the|its|that)\s+(?:contract|capacity|commitment|option|deal)",
        "customer",
    ),
    rule(
        rf"\bwith\s+{B}\s+as\s+(?:the|its|an?)\s+(?:\w+\s+)?(?:offtaker|customer|tenant)",
        (),
        "customer",
    ),
    rule(
        rf"{A}\s+and\s+{B}\s+(?:will\s+|to\s+)?(?:form\w*|creat\w+|set\s+up|establish\w*)\s+"
        r"(?:a|an)\s+[^⟨;]{0,30}?joint venture\s+to\s+build",
        "developer",
        "developer",
    ),
    rule(
        rf"{A}\s+and\s+{B}\s+(?:will\s+|to\s+)build\b[^⟨;]{{0,40}}?\b(?:data cent\w+|campus\w*|"
        r"sites?|facilit\w+|Stargate|cluster|supercomputer)",
        "developer",
        "developer",
    ),
    rule(rf"{A}{G}\bwith\s+{B}\s+to\s+co-?develop", "designer", "co_developer"),
    rule(rf"{A}{G}{_CUSTOMER_VERB}\s+(?:of\s+)?⟦(?P<b>\d+)⟧'s", "customer", PS),
    rule(rf"{A}{G}{_PROVIDER_VERB}\s+(?:the\s+)?{B}(?!')", PS, "customer"),
    rule(rf"{A}{G}{_PROVIDER_VERB}{G}\b(?:to|for)\s+{B}", PS, "customer"),
    rule(rf"{A}{G}\b(?:giv(?:e|es|ing)|gave|grant\w*)\s+{B}\s+access", "provider", "customer"),
    rule(
        rf"\b(?:giv(?:e|es|ing)|gave|allow\w*|let(?:s|ting)?|enabl\w*)\s+{B}\s+"
        r"(?:access|to\s+(?:rent|lease|use|access|tap|buy))",
        (),
        "customer",
    ),
    rule(
        rf"{A}{G}\b(?:commit\w*|spend\w*|pay\w*)\s+(?:about\s+|up to\s+|more than\s+)?"
        rf"\$[\d.,]+\s*\w*(?:\s+of\s+[^⟨;]{{0,40}}?)?\s+(?:to|on|with)\s+{B}",
        "customer",
        "provider",
    ),
    rule(rf"{A}{G}\binvest(?:s|ing|ed|ment)?\b{G}\bin\s+{B}", "investor", "investee"),
    rule(rf"{A}{G}\b(?:stake|investment)\s+in\s+{B}", "investor", "investee"),
    rule(rf"{A}{G}\bra(?:ise|ises|ised|ising)\b{G}\b(?:from|led by)\s+{B}", "investee", "investor"),
    rule(rf"\bled\s+by\s+{B}", (), "investor"),
    rule(rf"{A}\s+(?:joining|joined|joins|join)\s+as\s+(?:a|an)\s+(?:new\s+)?investor", "investor"),
    rule(rf"{A}\s+and\s+{B}\s+(?:will\s+|to\s+|plan\s+to\s+)?invest", "investor", "investor"),
    rule(rf"{A}{G}\b(?:hosted|operated|run|provided)\s+by\s+{B}", "customer", "provider"),
    rule(rf"\b(?:hosted|operated|run|provided)\s+by\s+{B}", (), "provider"),
    rule(rf"\bsupplied\s+by\s+{B}", (), "supplier"),
    rule(rf"{A}-(?:operated|run|hosted|owned)", "provider"),
    rule(
        rf"{A}\s+(?:becomes|became|will become|to become|is|as)\s+{B}'s\s+(?:\w+\s+){{0,3}}?"
        r"provider",
        "provider",
        "customer",
    ),
    rule(
        rf"{A}\s+(?:is|as|becomes|became)\s+(?:a|an|the)\s+(?:\w+\s+){{0,2}}?customer\s+of\s+{B}",
        "customer",
        "provider",
    ),
    rule(rf"{A}{G}\bbuil(?:d|ds|ding|t)\b{G}\bfor\s+{B}", "developer", "customer"),
    rule(rf"{A}{G}\bbuil(?:d|ds|ding|t)\b{G}\bwith\s+{B}(?!\s+as\b)", "customer", "developer"),
    rule(rf"{A}\s+(?:will\s+)?build\s+and\s+operate", ("developer", "operator")),
    rule(rf"{A}{G}\blicens\w*\s+{B}'s", "licensee", "licensor"),
    rule(rf"{A}{G}\blicens\w*\b{G}\bto\s+{B}", "licensor", "licensee"),
    rule(rf"{A}{G}\blicens\w*\b{G}\bfrom\s+{B}", "licensee", "licensor"),
    rule(rf"{A}\s+and\s+{B}{G}\bco-?develop", CODEV, CODEV),
    rule(rf"{A}{G}\bco-?develop\w*{G}\bwith\s+{B}", "designer", "co_developer"),
    rule(
        rf"{A}\s+(?:will\s+|to\s+|would\s+)?(?:suppl(?:y|ies|ied)|provid(?:e|es))\s+(?:the\s+)?"
        r"(?:[\w-]+\s+){0,2}?(?:(?:servers|racks|chips|GPUs|systems|networking|hardware)\b|⟪HW⟫)",
        "supplier",
    ),
    rule(rf"{A}{G}\bdeploy(?:s|ed|ing)?\b{G}\bfor\s+{B}", "provider", "customer"),
    rule(
        rf"{A}{G}\b(?:buy|buys|buying|bought|purchas(?:e|es|ed|ing)|order(?:s|ed|ing)?|"
        rf"deploy(?:s|ed|ing)?)\b{G}⟦(?P<b>\d+)⟧",
        "customer",
        "supplier",
        no_provider_after=True,
    ),
    rule(rf"{A}{G}{_DEAL_NOUN}{G}\bwith\s+{B}", GUESS, GUESS),
    rule(rf"{A}\s+(?:signs|signed|strikes|struck|inks|inked|expands|expanded)\s+{B}", GUESS, GUESS),
    rule(rf"\bbetween\s+{A}\s+and\s+{B}", GUESS, GUESS),
    rule(rf"{A}\s+(?:and|,)\s+{B}", GUESS, GUESS),
)
