"""What the reader recognises: the organizations (with aliases) and hardware models of the
database, indexed by their words so that a report is read in one pass over its words."""

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Hardware, Organization, OrganizationAlias

WORD = re.compile(r"[A-Za-z0-9]+")
# Words that name a cloud business rather than its company: "Google Cloud" is a provider.
CLOUD_WORDS = frozenset({"cloud", "azure", "aws", "oci", "gcp", "web", "ec2"})
MAX_WORDS = 5
FUZZY_CUTOFF = 90


@dataclass(frozen=True)
class Org:
    id: int | None
    name: str
    slug: str | None
    kind: str


@dataclass(frozen=True)
class Model:
    """A hardware model; `generic` ones ("NVIDIA GPU (model unspecified)") name no model."""

    id: int | None
    name: str
    slug: str | None
    type: str
    vendor: str
    in_house: bool
    generic: bool
    family: str | None = None
    family_level: bool = False  # a generic for one family ("Blackwell"), not the vendor's line


@dataclass
class Directory:
    orgs: dict[tuple[str, ...], tuple[Org, bool]] = field(default_factory=dict)
    models: dict[tuple[str, ...], Model] = field(default_factory=dict)
    exact_forms: set[str] = field(default_factory=set)
    compact: dict[str, Org] = field(default_factory=dict)
    by_vendor: dict[str, list[Model]] = field(default_factory=dict)

    def org(self, words: tuple[str, ...]) -> tuple[Org, bool] | None:
        """The organization these words name, and whether they name its cloud business."""
        return self.orgs.get(words)

    def fuzzy_org(self, phrase: str) -> Org | None:
        """A near spelling of a known name ("Core Weave", "Anthropics"), if one is close."""
        key = compact(phrase)
        if len(key) < 5:
            return None
        if key in self.compact:
            return self.compact[key]
        found = process.extractOne(
            key, self.compact.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        return self.compact[found[0]] if found else None

    def generic_model(self, vendor: str, type_: str | None = None) -> Model | None:
        """The vendor's "model unspecified" record (of that type), if the directory has one."""
        for model in self.by_vendor.get(vendor.lower(), []):
            if model.generic and (type_ is None or model.type == type_):
                return model
        return None

    def in_house_type(self, vendor: str) -> str | None:
        """The type of the vendor's own silicon (Google → tpu), if it designs any."""
        for model in self.by_vendor.get(vendor.lower(), []):
            if model.in_house:
                return model.type
        return None

    def unique_generic(self, type_: str) -> Model | None:
        found = [m for ms in self.by_vendor.values() for m in ms if m.generic and m.type == type_]
        return found[0] if len({m.vendor for m in found}) == 1 else None


def words_of(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in WORD.findall(text))


def compact(text: str) -> str:
    return "".join(words_of(text))


def is_generic(name: str) -> bool:
    lowered = name.lower()
    return (
        "unspecified" in lowered or "next generation" in lowered or "custom accelerator" in lowered
    )


def build_directory(orgs: Iterable[tuple[Org, list[str]]], models: Iterable[Model]) -> Directory:
    """Index organizations by name, slug and alias, and models by name, short name and family."""
    directory = Directory()
    for org, aliases in orgs:
        for form in (org.name, *(aliases or [])):
            key = words_of(form)
            if key and len(key) <= MAX_WORDS:
                cloud = bool(CLOUD_WORDS & set(key)) and form != org.name
                directory.orgs.setdefault(key, (org, cloud))
                directory.exact_forms.add(form)
                directory.compact.setdefault(compact(form), org)
        if org.slug:
            directory.orgs.setdefault(words_of(org.slug), (org, False))
    models = _with_family_level(list(models))
    # A "model unspecified" record is what a bare family name means, before a "next generation".
    for model in sorted(models, key=lambda m: "unspecified" not in m.name):
        directory.by_vendor.setdefault(model.vendor.lower(), []).append(model)
        for key in _model_keys(model):
            directory.models.setdefault(key, model)
    return directory


def _with_family_level(models: list[Model]) -> list[Model]:
    """Mark generics that stand for one family of named models ("Blackwell": GB200, GB300)."""
    families = [m.family for m in models if not m.generic and m.family]
    return [
        replace(
            m, family_level=bool(m.generic and m.family and any(m.family in f for f in families))
        )
        for m in models
    ]


def _model_keys(model: Model) -> list[tuple[str, ...]]:
    """ "TPU v7 Ironwood" is also "Ironwood"; "Cerebras WSE-3" also "WSE 3"; a generic record is
    named by its words before the parenthesis ("NVIDIA Blackwell", "AMD Instinct")."""
    name = re.sub(r"\s*\(.*\)", "", model.name)
    words = words_of(name)
    keys = [words_of(model.name), words]
    if model.slug:
        keys.append(words_of(model.slug))
    if model.generic:
        qualifier = re.search(r"\((next generations?)\)", model.name)
        if qualifier:  # "Google TPU (next generation)" is also "next-generation TPU"
            base = [w for w in words if w != model.vendor.lower()]
            keys.append((*words_of(qualifier.group(1)), *base))
        if len(words) == 2 and words[0] == model.vendor.lower() and words[1] not in ("gpu", "tpu"):
            keys.append(words[1:])
        return keys
    for start in range(1, len(words)):
        suffix = words[start:]
        if any(c.isalpha() for c in "".join(suffix)) and (
            any(c.isdigit() for c in "".join(suffix)) or len(suffix[0]) >= 5
        ):
            keys.append(suffix)
    return keys


# Built directories by database and fingerprint: building one for thousands of organizations
# takes tens of milliseconds, checking that it is still current takes one small read.
_BUILT: OrderedDict[tuple[str, tuple[object, ...]], Directory] = OrderedDict()
_BUILT_MAX = 8
_LOCK = threading.Lock()


def _fingerprint(session: Session) -> tuple[object, ...]:
    """What changes whenever a name, alias or model does (an alias edit moves its
    organization's updated_at on; see app.services.directory)."""
    row = session.execute(
        select(
            select(func.count()).select_from(Organization).scalar_subquery(),
            select(func.max(Organization.id)).scalar_subquery(),
            select(func.max(Organization.updated_at)).scalar_subquery(),
            select(func.count()).select_from(OrganizationAlias).scalar_subquery(),
            select(func.max(OrganizationAlias.id)).scalar_subquery(),
            select(func.count()).select_from(Hardware).scalar_subquery(),
            select(func.max(Hardware.id)).scalar_subquery(),
            select(func.max(Hardware.updated_at)).scalar_subquery(),
        )
    ).one()
    return tuple(str(value) for value in row)


def load_directory(session: Session) -> Directory:
    """The database's directory, built again only when a name, alias or model has changed."""
    key = (str(session.get_bind().engine.url), _fingerprint(session))
    with _LOCK:
        if key in _BUILT:
            _BUILT.move_to_end(key)
            return _BUILT[key]
    directory = read_directory(session)
    with _LOCK:
        _BUILT[key] = directory
        while len(_BUILT) > _BUILT_MAX:
            _BUILT.popitem(last=False)
    return directory


def read_directory(session: Session) -> Directory:
    """A snapshot of the database's organizations, aliases and hardware (three reads)."""
    aliases: dict[int, list[str]] = {}
    for org_id, alias in session.execute(
        select(OrganizationAlias.organization_id, OrganizationAlias.alias)
    ):
        aliases.setdefault(org_id, []).append(alias)
    orgs = [
        (Org(row.id, row.name, row.slug, row.kind), aliases.get(row.id, []))
        for row in session.execute(
            select(Organization.id, Organization.name, Organization.slug, Organization.kind)
        )
    ]
    vendor_names = {org.id: org.name for org, _ in orgs}
    models = [
        Model(
            row.id,
            row.name,
            row.slug,
            row.type,
            vendor_names.get(row.vendor_id, ""),
            row.in_house,
            is_generic(row.name),
            row.family,
        )
        for row in session.execute(
            select(
                Hardware.id,
                Hardware.name,
                Hardware.slug,
                Hardware.type,
                Hardware.vendor_id,
                Hardware.in_house,
                Hardware.family,
            )
        )
    ]
    return build_directory(orgs, models)
