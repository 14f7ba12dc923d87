"""Which chips a report names: models from the directory, new model names in the usual shapes
("MI355X", "B200"), and, where no model is named, the kind of chip ("Nvidia GPUs" → NVIDIA's
unspecified GPU; "Microsoft's proprietary chips" → a custom accelerator)."""

import re
from dataclasses import dataclass

from app.domain.vocabulary import HardwareType
from app.extract.amounts import Amount
from app.extract.directory import Directory, Model
from app.extract.mentions import CHIP_NOUNS, Mention

# New model names: AMD Instinct, NVIDIA data-centre parts, Huawei Ascend.
_NEW_MODEL = re.compile(
    r"\b(?P<name>MI\d{3}[A-Z]{0,2}|(?:GB|[BH])\d{2,3}[A-Z]?|Ascend \d{3}[A-Z]?)(?:s\b|\b)"
)
_NEW_MODEL_TYPES = (("MI", "AMD"), ("Ascend", "Huawei"))
_TPU_WORDS = re.compile(r"\b(?:TPUs?|tensor processing units?)\b")
_OWN_SILICON = re.compile(
    r"\b(?:in-house|custom|proprietary|own|internally developed|self-developed)\s+(?:AI\s+)?"
    r"(?:chips?|accelerators?|silicon|processors)\b",
    re.IGNORECASE,
)
_GPU_WORDS = re.compile(
    r"\b(?:GPUs|GPU(?!\s+(?:suppliers?|makers?|vendors?|market|giant|shortage))|"
    r"graphics process(?:ors|ing units))\b"
)
_WAFER = re.compile(r"\bwafer-scale\b", re.IGNORECASE)


@dataclass
class Line:
    name: str
    slug: str | None
    type: str
    vendor: str
    generic: bool
    explicit: bool  # named in the text (not inferred from a vendor and a chip word)
    family: str | None = None
    chips: int | None = None
    sentence: int = 0


def sentence_hardware(text: str, mentions: list[Mention], directory: Directory) -> list[Line]:
    """The models and kinds of chip one sentence names, in order."""
    lines = [
        _line(m.model, _names_model(m.model)) for m in mentions if m.kind == "model" and m.model
    ]
    taken = [(m.start, m.end) for m in mentions if m.kind == "model"]
    for found in _NEW_MODEL.finditer(text):
        if not any(s <= found.start() < e for s, e in taken):
            lines.append(_new_model(found["name"]))
    for m in mentions:
        if m.kind == "vendor" and m.org is not None:
            line = _vendor_line(m.org.name, text[m.end : m.end + 60], directory)
            if line is not None:
                lines.append(line)
    if _TPU_WORDS.search(text):
        model = directory.unique_generic(HardwareType.TPU.value)
        lines.append(_line(model, False) if model else _kind_only(HardwareType.TPU.value))
    vendor_ends = [m.end for m in mentions if m.kind == "vendor"]
    for own in _OWN_SILICON.finditer(text):
        if any(0 <= own.start() - end <= 4 for end in vendor_ends):
            continue  # "Google's in-house chips": the vendor's line above says which
        after = text[own.end() : own.end() + 20]
        lines.append(_own_silicon(after, mentions, own.end(), directory))
    if _GPU_WORDS.search(text):
        lines.append(_kind_only(HardwareType.GPU.value))
    if _WAFER.search(text):
        lines.append(_kind_only(HardwareType.WAFER_SCALE.value))
    return lines


def _names_model(model: Model) -> bool:
    """A model, a family ("Blackwell") or a generation ("next-generation TPU"): not just the
    vendor's chips in general."""
    return not model.generic or model.family_level or "next generation" in model.name.lower()


def _new_model(name: str) -> Line:
    """A model name not in the directory, typed by the maker its shape belongs to."""
    vendor = next((v for prefix, v in _NEW_MODEL_TYPES if name.startswith(prefix)), "NVIDIA")
    kind = HardwareType.NPU.value if vendor == "Huawei" else HardwareType.GPU.value
    return Line(name, None, kind, vendor, False, True)


def _line(model: Model, explicit: bool) -> Line:
    return Line(
        model.name, model.slug, model.type, model.vendor, model.generic, explicit, model.family
    )


def _kind_only(type_: str) -> Line:
    return Line("", None, type_, "", True, False)


def _own_silicon(after: str, mentions: list[Mention], end: int, directory: Directory) -> Line:
    """ "Custom accelerators designed by OpenAI": the designer's own unspecified model."""
    if re.match(r"\s+designed by\s", after):
        designer = next((m for m in mentions if m.org and m.start > end), None)
        if designer is not None and designer.org is not None:
            kind = directory.in_house_type(designer.org.name) or HardwareType.CUSTOM_ACCELERATOR
            generic = directory.generic_model(designer.org.name, kind)
            return _line(generic, True) if generic else _kind_only(kind)
    return _kind_only(HardwareType.CUSTOM_ACCELERATOR.value)


def _vendor_line(vendor: str, after: str, directory: Directory) -> Line | None:
    """ "Nvidia's latest chips": the vendor's unspecified model, or the type of its own silicon."""
    words = re.findall(r"[A-Za-z-]+", after.lower())[:4]
    if not any(w in CHIP_NOUNS for w in words):
        return None
    in_house = directory.in_house_type(vendor)
    if in_house is not None and any(
        w in ("in-house", "proprietary", "custom", "own") for w in words
    ):
        generic = directory.generic_model(vendor, in_house)
        return _line(generic, False) if generic else _kind_only(in_house)
    generic = directory.generic_model(vendor, in_house) or directory.generic_model(vendor)
    if generic is not None:
        return _line(generic, False)
    return _kind_only(in_house) if in_house else None


def merge_lines(lines: list[Line]) -> list[Line]:
    """Each model once; an unspecified model only where no model of its vendor (or, for a
    family, of its family) is named; a bare kind only where no model of that kind is."""
    named = [x for x in lines if x.name]
    specific = [x for x in named if not x.generic]
    kept: list[Line] = []
    for line in named:
        if any(k.name == line.name for k in kept):
            if line.chips is not None:
                next(k for k in kept if k.name == line.name).chips = (
                    next(k for k in kept if k.name == line.name).chips or line.chips
                )
            continue
        if (
            line.generic
            and not line.explicit
            and any(
                s.vendor == line.vendor
                for s in named
                if s is not line and (s.explicit or not s.generic)
            )
        ):
            continue
        if (
            line.generic
            and line.explicit
            and any(
                s.vendor == line.vendor and s.family and line.family and line.family in s.family
                for s in specific
            )
        ):
            continue
        kept.append(line)
    return kept


def attach_chips(
    lines: list[Line], counts: list[Amount], mentions: list[Mention], masked: str
) -> None:
    """A count right before a model ("50,000 AMD MI355X GPUs") is that model's."""
    models = [m for m in mentions if m.kind == "model" and m.model]
    for count in counts:
        name = None
        if count.hardware_index is not None and count.hardware_index < len(models):
            name = models[count.hardware_index].model.name  # type: ignore[union-attr]
        else:
            span = masked[count.start : count.end]
            name = next(
                (x.name for x in lines if x.name and x.slug is None and x.name in span), None
            )
        for line in lines:
            if line.name == name and line.chips is None:
                line.chips = int(count.value)


def hardware_types(lines: list[Line]) -> list[str]:
    order = [t.value for t in HardwareType]
    return sorted({line.type for line in lines}, key=order.index)
