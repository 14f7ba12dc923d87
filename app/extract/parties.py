"""Who does what in a report: each sentence with its names masked (⟨0⟩ a party, ⟦1⟧ a chip
vendor, ⟨P0⟩ "the company") is read by the patterns of rules.py, each naming the roles of the
two names it joins. Roles from a company's kind ("a lab in a deal with a cloud" → customer and
provider) are only a fallback, and marked as a guess."""

import re
from dataclasses import dataclass

from app.domain.vocabulary import OrgKind, Role
from app.extract.directory import Org
from app.extract.mentions import Mention
from app.extract.rules import CAPACITY_WORDS, CODEV, DEAL_CUE, GUESS, PS, RULES, Rule


@dataclass(frozen=True)
class RoleFinding:
    org: Org
    role: str
    guess: bool
    sentence: int


@dataclass
class Masked:
    """A sentence with its names replaced by markers, and the organizations they stand for."""

    text: str
    orgs: list[Org]
    clouds: set[int]
    vendors: set[int]
    standins: list[str]  # what each ⟨Pn⟩ says: "the startup", "it"
    sentence: int
    first_party: Org | None


def mask(text: str, mentions: list[Mention], sentence: int) -> Masked:
    out: list[str] = []
    orgs: list[Org] = []
    clouds: set[int] = set()
    vendors: set[int] = set()
    standins: list[str] = []
    last = 0
    for m in mentions:
        if m.start < last:
            continue
        out.append(text[last : m.start])
        if m.kind in ("org", "vendor") and m.org is not None:
            if m.cloud:
                clouds.add(len(orgs))
            if m.kind == "vendor":
                vendors.add(len(orgs))
            out.append(f"⟨{len(orgs)}⟩" if m.kind == "org" else f"⟦{len(orgs)}⟧")
            orgs.append(m.org)
        elif m.kind == "model":
            out.append("⟪HW⟫")
        else:
            out.append(f"⟨P{len(standins)}⟩")
            standins.append(m.text.lower())
        last = m.end
    out.append(text[last:])
    first = next((m.org for m in mentions if m.kind == "org"), None)
    return Masked("".join(out), orgs, clouds, vendors, standins, sentence, first)


def find_roles(masked: list[Masked]) -> list[RoleFinding]:
    """Every role the sentences state, in order; a guessed pair only where nothing else says."""
    findings: list[RoleFinding] = []
    for position, sentence in enumerate(masked):
        earlier = [m.first_party for m in reversed(masked[:position]) if m.first_party]
        stated = _sentence_roles(sentence, earlier)
        findings += stated
    return findings


def _sentence_roles(sentence: Masked, earlier: list[Org]) -> list[RoleFinding]:
    found: list[RoleFinding] = []
    explicit: set[str] = set()
    for r in RULES:
        for m in r.pattern.finditer(sentence.text):
            a = _resolve(m.groupdict().get("a"), sentence, earlier, m.groupdict().get("b"))
            b = _resolve(m.groupdict().get("b"), sentence, earlier, m.groupdict().get("a"))
            if a is not None and b is not None and a.name == b.name:
                continue
            if (a is None and m.groupdict().get("a")) or (b is None and m.groupdict().get("b")):
                continue  # "the startup" with no startup to stand for
            if r.cloud_b and m.group("b") not in {str(i) for i in sentence.clouds}:
                continue
            if r.no_provider_after and re.search(r"\b(?:from|for)\s+⟨", sentence.text[m.end() :]):
                continue
            guessed = r.roles_a == (GUESS,)
            if guessed and not DEAL_CUE.search(sentence.text):
                continue
            roles_a, roles_b = _decide(r, m.group(0), a, b, sentence, m.groupdict())
            for org, roles in ((a, roles_a), (b, roles_b)):
                if org is None or (guessed and org.name in explicit):
                    continue
                for role in roles:
                    found.append(RoleFinding(org, role, guessed, sentence.sentence))
                if not guessed and roles:
                    explicit.add(org.name)
    return found


def _resolve(
    marker: str | None, sentence: Masked, earlier: list[Org], other: str | None
) -> Org | None:
    """The organization a marker stands for; "the company" is the sentence's (or, failing that,
    an earlier sentence's) first party other than the one it deals with."""
    if marker is None:
        return None
    if not marker.startswith("P"):
        return sentence.orgs[int(marker)]
    avoid = sentence.orgs[int(other)].name if other and not other.startswith("P") else None
    parties = [o for i, o in enumerate(sentence.orgs) if i not in sentence.vendors]
    candidates = [o for o in [*parties, *earlier] if o is not None and o.name != avoid]
    hinted = _STANDIN_KINDS.get(sentence.standins[int(marker[1:])].split()[-1])
    if hinted:
        candidates = [o for o in candidates if o.kind in hinted]
    return candidates[0] if candidates else None


# What "the startup" or "the chipmaker" is likely to be.
_STANDIN_KINDS = {
    "startup": (OrgKind.AI_LAB, OrgKind.OTHER),
    "lab": (OrgKind.AI_LAB,),
    "maker": (OrgKind.AI_LAB,),
    "developer": (OrgKind.AI_LAB,),
    "chipmaker": (OrgKind.CHIPMAKER,),
    "provider": (OrgKind.HYPERSCALER, OrgKind.NEOCLOUD),
}


def _decide(
    r: Rule, span: str, a: Org | None, b: Org | None, sentence: Masked, groups: dict[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if r.roles_a == (GUESS,) and a is not None and b is not None:
        cloud_a = groups.get("a") in {str(i) for i in sentence.clouds}
        cloud_b = groups.get("b") in {str(i) for i in sentence.clouds}
        return guess_pair(a, b, cloud_a, cloud_b)
    if r.roles_a == (CODEV,) and a is not None and b is not None:
        return _co_development(a, sentence)

    def pick(roles: tuple[str, ...], org: Org | None) -> tuple[str, ...]:
        return tuple(_provider_or_supplier(span, org) if role == PS else role for role in roles)

    return pick(r.roles_a, a), pick(r.roles_b, b)


def _provider_or_supplier(span: str, org: Org | None) -> str:
    """Renting out capacity makes a provider; selling chips makes a supplier."""
    if CAPACITY_WORDS.search(span):
        return Role.PROVIDER
    if org is not None and org.kind == OrgKind.CHIPMAKER:
        return Role.SUPPLIER
    return Role.PROVIDER


# How likely each kind is to be the one selling compute in a pair (a lab buys, a neocloud sells).
_SELLER_RANK: dict[str, int] = {
    OrgKind.AI_LAB: 0,
    OrgKind.SOVEREIGN: 0,
    OrgKind.OTHER: 1,
    OrgKind.INVESTOR: 1,
    OrgKind.HYPERSCALER: 2,
    OrgKind.NEOCLOUD: 3,
    OrgKind.DATACENTER_DEVELOPER: 3,
}


def guess_pair(
    a: Org, b: Org, cloud_a: bool, cloud_b: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Roles from what the two are: a cloud (or the likelier seller) provides, a chipmaker
    supplies, the other is the customer; nothing when they are alike."""
    if cloud_a != cloud_b:
        return (("provider",), ("customer",)) if cloud_a else (("customer",), ("provider",))
    chip_a, chip_b = a.kind == OrgKind.CHIPMAKER, b.kind == OrgKind.CHIPMAKER
    if chip_a != chip_b:
        return (("supplier",), ("customer",)) if chip_a else (("customer",), ("supplier",))
    rank_a, rank_b = _SELLER_RANK.get(a.kind, 1), _SELLER_RANK.get(b.kind, 1)
    if rank_a == rank_b:
        return (), ()
    return (("provider",), ("customer",)) if rank_a > rank_b else (("customer",), ("provider",))


def _co_development(a: Org, sentence: Masked) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The one the chips are "designed by" (or else the one that is no chipmaker) designs."""
    designed_by = re.search(r"designed by\s+⟨(\d+)⟩", sentence.text)
    a_designs = a.kind != OrgKind.CHIPMAKER
    if designed_by is not None:
        a_designs = sentence.orgs[int(designed_by.group(1))].name == a.name
    return (("designer",), ("co_developer",)) if a_designs else (("co_developer",), ("designer",))
