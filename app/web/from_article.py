"""Recording a deal from a news report: paste it (or give its link), read the draft with the
sentence behind each field, then save it through the entry form — or add the report to the
recorded deal it is about. Nothing is written until the analyst saves."""

from dataclasses import dataclass, field
from datetime import date

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app.config import Settings
from app.domain.vocabulary import SourceTier, label
from app.extract.draft import Draft, DraftSource
from app.extract.fetch import FetchFailed, FetchRefused
from app.extract.report import NothingToRead, Report, read_report
from app.extract.text import paragraphs, split_sentences
from app.inputs.deal import SourceInput
from app.inputs.errors import FormErrors
from app.inputs.forms import read_source, read_status, text
from app.models import Deal, Source
from app.services import deals as deal_service
from app.unit_of_work import SessionDep
from app.web.entry import FormValues, _choices, _live_deal
from app.web.forms import FormDataDep, Typed, redirect_after_post
from app.web.render import render
from app.web.security import Analyst

router = APIRouter()
ARTICLE_FIELDS = ("text", "url", "publisher", "published_on")
# The draft's evidence keys, as the form's fields they stand beside.
EVIDENCE_FIELDS = {
    "parties": "parties",
    "hardware": "hardware",
    "value_usd": "value_usd",
    "capacity_mw": "capacity_mw",
    "chips": "chips",
    "status": "status",
    "first_reported_on": "first_reported_on",
    "sources": "sources",
}
EVIDENCE_LABELS = {
    "parties": "parties",
    "hardware": "hardware",
    "value_usd": "value",
    "capacity_mw": "capacity",
    "chips": "chips",
    "status": "status",
    "first_reported_on": "date",
    "sources": "sources",
}
ORIGINALS = (SourceTier.ORIGINAL.value, SourceTier.PRIMARY.value)


@dataclass
class Said:
    """A sentence of the article that a field was read from, and its anchor in the text."""

    text: str
    anchor: str


@dataclass
class ShownSentence:
    text: str
    anchor: str
    fields: list[str] = field(default_factory=list)


def article_view(
    report_text: str, evidence: dict[str, str]
) -> tuple[list[list[ShownSentence]], dict[str, Said]]:
    """The article as the reader saw it (paragraphs of sentences, noise dropped), each sentence a
    field was read from marked with those fields; and where each field's sentence is."""
    by_sentence: dict[str, list[str]] = {}
    for key, sentence in evidence.items():
        by_sentence.setdefault(sentence, []).append(key)
    shown: list[list[ShownSentence]] = []
    said: dict[str, Said] = {}
    number = 0
    for index, line in enumerate(paragraphs(report_text)):
        has_end = line.rstrip().endswith((".", "!", "?", '"'))
        parts = [line] if index == 0 and not has_end else split_sentences(line)
        row = []
        for part in parts:
            number += 1
            anchor = f"sentence-{number}"
            keys = by_sentence.get(part, [])
            row.append(ShownSentence(part, anchor, [EVIDENCE_LABELS.get(k, k) for k in keys]))
            for key in keys:
                said.setdefault(EVIDENCE_FIELDS.get(key, key), Said(part, anchor))
        shown.append(row)
    for key, sentence in evidence.items():  # a sentence not found as shown: still beside its field
        said.setdefault(EVIDENCE_FIELDS.get(key, key), Said(sentence, "article"))
    return shown, said


def _source_fields(prefix: str, source: DraftSource, published: str) -> dict[str, str]:
    return {
        f"{prefix}_publisher": source.publisher,
        f"{prefix}_tier": source.tier,
        f"{prefix}_url": source.url or "",
        f"{prefix}_published_on": published,
        f"{prefix}_quote": source.quote or "",
    }


def _report_source(draft: Draft, report: Report) -> tuple[DraftSource | None, DraftSource | None]:
    """The original report the deal rests on, and the pasted report as its relay (or None when
    the pasted report is itself the source)."""
    sources = draft.sources
    originals = [s for s in sources if s.tier in ORIGINALS]
    relays = [s for s in sources if s.tier == SourceTier.RELAY.value]
    own = sources[-1] if report.publisher and sources else None
    if own is not None and own.tier in ORIGINALS:
        return own, None  # told by its own sources: the report is the original
    if originals:
        relay = own if own is not None and own.tier == SourceTier.RELAY.value else None
        relay = relay or next((r for r in relays if r.relays == originals[0].publisher), None)
        return originals[0], relay
    if relays and relays[0].relays:
        relay = own or relays[0]
        original = DraftSource(publisher=relays[0].relays, tier=SourceTier.ORIGINAL.value)
        return original, relay
    return (own or (sources[0] if sources else None)), None


def draft_form_values(report: Report) -> FormValues:
    """The entry form filled in from the draft: only what the article states."""
    draft = report.draft
    published = report.published_on.isoformat() if report.published_on else ""
    single: dict[str, str] = {
        "title": (draft.title or "")[:300],
        "value_usd": str(draft.value_usd) if draft.value_usd is not None else "",
        "value_qualifier": draft.value_qualifier or "",
        "capacity_mw": f"{draft.capacity_mw:g}" if draft.capacity_mw is not None else "",
        "capacity_qualifier": draft.capacity_qualifier or "",
        "chips": str(draft.chips) if draft.chips is not None else "",
        "chips_qualifier": draft.chips_qualifier or "",
        "first_reported_on": draft.first_reported_on or "",
        "status": draft.status or "",
        "confidence": draft.confidence or "medium",
    }
    source, relay = _report_source(draft, report)
    if source is not None:
        on = published if relay is None else ""
        single |= _source_fields("source", source, on)
        if relay is None:
            single["source_url"] = single["source_url"] or (report.url or "")
    if relay is not None:
        single |= _source_fields("relay", relay, published)
        single["relay_url"] = single["relay_url"] or (report.url or "")
        single.pop("relay_tier")
    parties = [(p.organization, role) for p in draft.parties for role in (p.roles or [""])]
    new = [p for p in draft.parties if not p.known] + [h for h in draft.hardware if not h.slug]
    if new:
        single["create_missing"] = "1"
    multi = {
        "deal_type": list(draft.deal_types),
        "party_organization": [o for o, _ in parties],
        "party_role": [r for _, r in parties],
        "hardware_name": [h.name for h in draft.hardware],
        "hardware_chips": [str(h.chips) if h.chips else "" for h in draft.hardware],
        "hardware_type": ["" if h.slug else h.type for h in draft.hardware],
        "hardware_vendor": ["" if h.slug else (h.vendor or "") for h in draft.hardware],
    }
    return FormValues(single, multi)


def new_names(draft: Draft) -> list[str]:
    names = [f"{p.organization} (organization)" for p in draft.parties if not p.known]
    for h in draft.hardware:
        if not h.slug:
            made_by = f" by {h.vendor}" if h.vendor else ""
            names.append(f"{h.name} ({label(h.type)}{made_by})")
    return names


def report_values(report: Report) -> Typed:
    """The "add this report to a deal" fields: the pasted report as a source."""
    draft = report.draft
    own = draft.sources[-1] if report.publisher and draft.sources else None
    source, relay = _report_source(draft, report)
    shown = relay or own or source
    published = report.published_on.isoformat() if report.published_on else ""
    found: dict[str, str] = {"report_tier": SourceTier.SECONDARY.value}
    if shown is not None:
        found |= _source_fields("report", shown, published)
        found["report_url"] = found["report_url"] or (report.url or "")
        found["report_relays"] = shown.relays or (
            source.publisher if relay is not None and source is not None else ""
        )
    else:
        found["report_url"] = report.url or ""
        found["report_published_on"] = published
    found["report_status"] = draft.status or ""
    found["report_status_on"] = draft.first_reported_on or published
    return Typed(found)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _page(
    request: Request, session: Session, article: Typed, *, report: Report | None = None,
    errors: FormErrors | None = None, report_form: Typed | None = None,
    report_errors: FormErrors | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    context: dict[str, object] = {
        "article": article,
        "article_errors": errors or FormErrors(),
        "report": report,
        "from_article": True,
    }
    if report is not None:
        shown, said = article_view(report.text, report.draft.evidence)
        context |= {
            "draft": report.draft,
            "sentences": shown,
            "evidence": said,
            "values": draft_form_values(report),
            "errors": FormErrors(),
            "deal": None,
            "new_names": new_names(report.draft),
            "report_form": report_form or report_values(report),
            "report_errors": report_errors or FormErrors(),
            **_choices(session),
        }
    return render(request, "deals/from_article.html", context, status_code=status_code)


def _read(
    request: Request, session: Session, form: FormData
) -> tuple[Typed, Report | None, FormErrors]:
    """The article form's fields, the report read from them, or what to fix."""
    article = Typed({name: text(form, name) for name in ARTICLE_FIELDS})
    pasted = form.get("text")
    article["text"] = pasted if isinstance(pasted, str) else ""  # as pasted, lines kept
    errors = FormErrors()
    published: date | None = None
    if article.get("published_on"):
        try:
            published = date.fromisoformat(article.get("published_on"))
        except ValueError:
            errors["published_on"] = ["Give the date as YYYY-MM-DD, e.g. 2026-05-21."]
    url = article.get("url")
    if url and not url.startswith(("http://", "https://")):
        errors["url"] = ["Give an http:// or https:// link."]
    if errors:
        return article, None, errors
    try:
        report = read_report(
            session, _settings(request), text=article.get("text"), url=url or None,
            publisher=article.get("publisher") or None, published_on=published,
        )  # fmt: skip
    except NothingToRead as exc:
        errors["text"] = [str(exc)]
        return article, None, errors
    except (FetchRefused, FetchFailed) as exc:
        errors["url"] = [f"The link was not read: {exc} You can paste the text instead."]
        return article, None, errors
    if not article.get("text"):  # read from the link: show what was read
        article["text"] = report.text
        article["publisher"] = report.publisher or ""
        article["published_on"] = report.published_on.isoformat() if report.published_on else ""
        article["url"] = report.url or ""
    return article, report, errors


@router.get("/deals/from-article", name="deal_from_article_form")
def from_article_form(request: Request, session: SessionDep, user: Analyst) -> Response:
    return _page(request, session, Typed())


@router.post("/deals/from-article", name="deal_from_article_read")
def from_article_read(
    request: Request, session: SessionDep, user: Analyst, form: FormDataDep
) -> Response:
    """The draft: matching deals first, then the entry form filled in, each field with its
    sentence; or the article form again (422) saying what to fix."""
    article, report, errors = _read(request, session, form)
    if report is None:
        return _page(request, session, article, errors=errors, status_code=422)
    return _page(request, session, article, report=report)


def _original_on(deal: Deal, publisher: str) -> Source | None:
    wanted = publisher.strip().lower()
    found = [s for s in deal.sources if s.publisher.strip().lower() == wanted]
    found.sort(key=lambda s: (s.tier not in ORIGINALS, s.relays_id is not None, s.id))
    return found[0] if found else None


def _status_form(form: FormData, report_source: dict[str, str]) -> FormData:
    return FormData(
        [
            ("status", text(form, "report_status")),
            ("effective_on", text(form, "report_status_on")),
            ("note", f"As reported by {report_source.get('publisher') or 'the article'}."),
        ]
    )


@router.post("/deals/from-article/add", name="deal_from_article_add")
def from_article_add(
    request: Request, session: SessionDep, user: Analyst, form: FormDataDep
) -> Response:
    """Add the report to a recorded deal: one source (the relay of the original it names), and
    a status event when the report moves the deal's status."""
    deal_text = text(form, "deal_id")
    deal = _live_deal(session, int(deal_text) if deal_text.isdigit() else 0)
    reading = read_source(form, "report")
    errors = reading.errors
    relays_name = text(form, "report_relays")
    wanted_status = text(form, "report_status")
    moves = bool(wanted_status) and wanted_status != deal.status
    status_reading = read_status(_status_form(form, {"publisher": text(form, "report_publisher")}))
    if moves and status_reading.value is None:
        for name, messages in status_reading.errors.items():
            errors[{"effective_on": "report_status_on"}.get(name, f"report_{name}")] = messages
    url = text(form, "report_url")
    if url and any(s.url == url for s in deal.sources):
        errors["report_url"] = [f"Deal #{deal.id} already cites this link."]
    if reading.value is None or errors:
        article, report, article_errors = _read(request, session, form)
        return _page(
            request, session, article, report=report, errors=article_errors,
            report_form=Typed.from_form(form), report_errors=errors, status_code=422,
        )  # fmt: skip
    added: list[str] = []
    relays_id: int | None = None
    if relays_name:
        original = _original_on(deal, relays_name)
        if original is None:
            original = deal_service.add_source(
                session, deal,
                SourceInput.model_validate({"publisher": relays_name, "tier": "original"}),
                None, user,
            )  # fmt: skip
            added.append(f"{original.publisher} (original, credited by the report)")
        relays_id = original.id
    source = deal_service.add_source(session, deal, reading.value, relays_id, user)
    what = f"{source.publisher} ({source.tier}"
    what += f", relaying {source.relays.publisher})" if source.relays else ")"
    added.insert(0, what)
    message = f"Added to deal #{deal.id}: {' and '.join(added)}"
    if moves and status_reading.value is not None:
        status_reading.value.source_id = source.id
        deal_service.record_status(session, deal, status_reading.value, user)
        message += f"; status now {wanted_status.replace('_', ' ')}"
    url_to = str(request.url_for("deal_detail", deal_id=deal.id))
    return redirect_after_post(request, url_to, flash=message + ".")
