"""Templates, the filters they use to write numbers and dates as people do, and render()."""

import secrets
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from jinja2 import pass_context
from jinja2_fragments import render_block
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.responses import HTMLResponse, Response

from app.config import PROJECT_ROOT
from app.derived.cache import FigureCache
from app.domain.dates import PartialDate
from app.domain.formatting import capacity_label, money_label
from app.domain.methodology import CONFIDENCE_DEFINITIONS, STATUS_DEFINITIONS, TIER_DEFINITIONS
from app.domain.vocabulary import QUALIFIER_PREFIX, SourceTier, Status, label, values
from app.queries.facets import SHOW_PARAM, FacetValue
from app.web import security

templates = Jinja2Blocks(directory=str(PROJECT_ROOT / "templates"))

# Paths of named routes, by name and path parameters. Every app create_app() builds has the same
# routes, so the path of ("organization_detail", slug) never changes; a table page links a few
# hundred of them, and Starlette's lookup walks every route each time (about 30 µs a link).
_PATHS: dict[tuple[Any, ...], str] = {}
_PATHS_KEPT = 50_000


@pass_context
def _url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """Starlette's `url_for` for templates (the absolute URL of a named route), with the path
    looked up once per route and parameters."""
    request: Request = context["request"]
    key = (name, *sorted(path_params.items()))
    path = _PATHS.get(key)
    if path is None:
        if len(_PATHS) >= _PATHS_KEPT:
            _PATHS.clear()
        path = _PATHS[key] = str(_site_router(request).url_path_for(name, **path_params))
    return str(request.base_url).rstrip("/") + path


def _site_router(request: Request) -> Any:
    """The outermost router, which knows every name of the site and of the apps mounted in it
    (a template rendered by the API app links to /static and to pages), as Starlette's own
    `Request.url_for` does."""
    return request.scope.get("router") or request.app


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment; a history-restore miss must get the full page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


T = TypeVar("T")


def figures_within(
    request: Request,
    session: Session,
    key: Hashable,
    compute: Callable[[], T],
    *,
    generation: int | None = None,
) -> tuple[T | None, BackgroundTask | None]:
    """Figures (counts, totals, track records) from the app's figure cache if they are ready
    within its time limit, else None — the page then says they are still being counted — and
    the task that computes them after the response, for its `background` (None when ready).
    `generation`: the change counter, when the caller has just read it."""
    figures: FigureCache = request.app.state.figures
    known = figures.get_within(session, key, compute, generation=generation)
    later = None if known is not None else BackgroundTask(figures.fill, session, key, compute)
    return known, later


def facet_markup(
    request: Request,
    session: Session,
    url: str,
    facets: Callable[[], list[Any]],
    *,
    whole: str | None = None,
    generation: int | None = None,
) -> Markup:
    """The facet column's lists (app/queries/facets.py) rendered once per view and change:
    kept per worker under the change counter, keyed by the view's own link (its filters,
    columns and options, which every facet link carries) and the facet it shows `whole`.
    A facet of records shows its first values and a link to list them all, which is `url`
    with `show=` its name (app/queries/facets.py)."""
    cache: FigureCache = request.app.state.facet_markup

    def draw() -> Markup:
        module: Any = templates.env.get_template("_facets.html").module
        return Markup(module.facet_list(facets(), lambda name: show_url(url, name)))

    return cache.get(session, ("facets", url, whole), draw, generation=generation)


def show_url(url: str, name: str) -> str:
    """`url` (a view's own link) with its facet `name` shown whole."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode({SHOW_PARAM: name})}"


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """The full page, or only `block` when htmx asks for a fragment."""
    kwargs: dict[str, Any] = {"status_code": status_code}
    fragment = bool(block and is_htmx(request))
    if fragment:
        kwargs["block_name"] = block
    # A full page shows (and so uses up) the message a redirect left for it.
    flash = None if fragment else security.read_flash(request)
    if flash:
        context = {**context, "flash_message": flash}
    response: Response = templates.TemplateResponse(request, name, context, **kwargs)
    response.headers.append("Vary", "HX-Request")
    if request.cookies.get(security.FLASH_COOKIE) and not fragment:
        response.delete_cookie(security.FLASH_COOKIE, path="/")
    return response


# Stands for the reader's CSRF token in a page kept for every reader (render_kept); random, so
# no data shown on a page can contain it.
_READERS_TOKEN = secrets.token_hex(24)


def render_kept(
    request: Request,
    session: Session,
    cache: FigureCache,
    name: str,
    context: Callable[[], dict[str, Any]],
    *,
    key: Hashable,
    generation: int,
    block: str | None = None,
) -> Response:
    """A page that is the same for every reader who is not signed in, rendered once per change
    and kept per worker in `cache` (under the change counter, like the figures) with a
    stand-in for the CSRF token, which each response gets replaced by its reader's own.
    `context` is called only to render it. A signed-in reader, whose page carries their
    role's forms, follow state and name, or one with a message waiting, gets render().

    `key` names what the page shows; its address (host and query included, since a page links
    to itself and to absolute URLs) and whether htmx asked for `block` alone are added to it."""
    fragment = bool(block and is_htmx(request))
    signed_in = getattr(request.state, "user", None) is not None
    if signed_in or (request.cookies.get(security.FLASH_COOKIE) and not fragment):
        return render(request, name, context(), block=block)

    def draw() -> str:
        own = getattr(request.state, "csrf_token", None)
        request.state.csrf_token = _READERS_TOKEN
        try:
            values = {**context(), "request": request}
            if fragment:
                return render_block(templates.env, name, str(block), values)
            return templates.get_template(name).render(values)
        finally:
            request.state.csrf_token = own  # None: made (or read from the cookie) when asked

    page = cache.get(session, (str(request.url), fragment, name, key), draw, generation=generation)
    response = HTMLResponse(page.replace(_READERS_TOKEN, security.csrf_token(request)))
    response.headers.append("Vary", "HX-Request")
    return response


def money(value: int | None, qualifier: str | None = None) -> Markup:
    """`$10B`, `up to $1.25B`; the exact figure on hover."""
    if value is None:
        return Markup("")
    # An f-string, not Markup.format: a network map writes some 1,800 of them.
    exact = escape(f"${value:,} ({label(qualifier or 'exact')})")
    text = escape(money_label(value, qualifier))
    return Markup(f'<span class="num" title="{exact}">{text}</span>')


def capacity(value: float | None, qualifier: str | None = None) -> Markup:
    """`230 MW`, `~1.2 GW`; the exact figure in MW on hover."""
    if value is None:
        return Markup("")
    return Markup('<span class="num" title="{exact}">{text}</span>').format(
        exact=f"{value:,g} MW", text=capacity_label(value, qualifier)
    )


def chips(value: int | None, qualifier: str | None = None) -> Markup:
    """`24,000 chips`."""
    if value is None:
        return Markup("")
    prefix = QUALIFIER_PREFIX.get(qualifier or "exact", "")
    return Markup('<span class="num">{prefix}{count:,} chips</span>').format(
        prefix=prefix, count=value
    )


def pdate(value: PartialDate | None) -> Markup:
    """A partial date at its own precision: `May 2026`, never `2026-05-01`."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{iso}" title="{iso}">{text}</time>').format(
        iso=str(value) if "Q" not in str(value) else value.start.isoformat()[:4],
        text=value.label,
    )


def timestamp(value: datetime | None) -> Markup:
    if value is None:
        return Markup("")
    return Markup('<time datetime="{iso}">{text}</time>').format(
        iso=value.isoformat(), text=value.strftime("%Y-%m-%d %H:%M %Z")
    )


def facet_links(name: str, items: list[FacetValue]) -> Markup:
    """A facet's values as list items, each a link toggling it with its count: the deals it
    has under the other filters, or in a facet with values selected what clicking it adds
    ("+n", values of one facet combine with OR). F-strings, not a macro per value: an
    organization facet lists some 2,000, redrawn on the first request after each write."""
    lines = []
    for item in items:
        current = ' aria-current="true" class="selected"' if item.selected else ""
        text = status_badge(item.value) if name == "status" else escape(item.label)
        if item.added:
            s = "" if item.count == 1 else "s"
            title = f"adds {item.count} deal{s} to the result"
            count = f'<span class="count" title="{title}">+{item.count}</span>'
        else:
            count = f'<span class="count">{item.count}</span>'
        lines.append(
            f'<li><a href="{escape(item.toggle_url)}"{current}>'
            f'<span class="facet-label">{text}</span> {count}</a></li>'
        )
    return Markup("\n".join(lines))


def status_badge(status: str, link: bool = False) -> Markup:
    """The status as a word on its colour, so colour is never the only signal; its definition
    as a title, and with `link` a link to it on /methodology (not inside another link)."""
    definition = STATUS_DEFINITIONS.get(status)
    badge = Markup('<span class="badge status-{s}" title="{title}">{text}</span>').format(
        s=status, title=definition.short if definition else "", text=label(status)
    )
    if not link:
        return badge
    return Markup('<a class="badge-link" href="/methodology#status-{s}">{badge}</a>').format(
        s=status, badge=badge
    )


def tier_badge(tier: str, link: bool = False) -> Markup:
    """A source's tier, defined like a status badge."""
    definition = TIER_DEFINITIONS.get(tier)
    badge = Markup('<span class="badge tier-{t}" title="{title}">{text}</span>').format(
        t=tier, title=definition.short if definition else "", text=label(tier)
    )
    if not link:
        return badge
    return Markup('<a class="badge-link" href="/methodology#tier-{t}">{badge}</a>').format(
        t=tier, badge=badge
    )


def confidence_badge(confidence: str, link: bool = False) -> Markup:
    definition = CONFIDENCE_DEFINITIONS.get(confidence)
    badge = Markup(
        '<span class="badge confidence-{c}" title="{title}">{text} confidence</span>'
    ).format(c=confidence, title=definition.short if definition else "", text=label(confidence))
    if not link:
        return badge
    return Markup('<a class="badge-link" href="/methodology#confidence-{c}">{badge}</a>').format(
        c=confidence, badge=badge
    )


def host(url: str | None) -> str:
    if not url:
        return ""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].removeprefix("www.")


templates.env.filters.update(
    money=money,
    capacity=capacity,
    chips=chips,
    pdate=pdate,
    timestamp=timestamp,
    label=label,
    host=host,
)


@pass_context
def _csrf_field(context: dict[str, Any]) -> Markup:
    return security.csrf_field(context["request"])


@pass_context
def _csrf_token(context: dict[str, Any]) -> str:
    return security.csrf_token(context["request"])


@pass_context
def _current_user(context: dict[str, Any]) -> Any:
    return getattr(context["request"].state, "user", None)


class _BlankForm:
    """Form values for a form nobody has filled in yet."""

    def get(self, name: str, default: str = "") -> str:
        return default

    def getlist(self, name: str) -> list[str]:
        return []


templates.env.globals.update(
    blank_form=_BlankForm(),
    vocab={
        "statuses": values(Status),
        "tiers": values(SourceTier),
        "definitions": {
            "status": STATUS_DEFINITIONS,
            "confidence": CONFIDENCE_DEFINITIONS,
            "tier": TIER_DEFINITIONS,
        },
    },
    status_badge=status_badge,
    facet_links=facet_links,
    tier_badge=tier_badge,
    confidence_badge=confidence_badge,
    csrf_field=_csrf_field,
    csrf_token=_csrf_token,
    current_user=_current_user,
    url_for=_url_for,
)
