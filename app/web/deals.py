"""The deals table (filters, facets, sort, pages) and the deal page."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from app.derived.cache import FigureCache, generation_before_reading
from app.derived.counts import kept_facet_counts, kept_total
from app.derived.dealsets import table_counts
from app.domain.vocabulary import UserRole
from app.inputs.types import as_id
from app.queries.deal_page import deal_page
from app.queries.deals import (
    ResolvedFilters,
    get_deal,
    list_deals,
    source_counts,
    unfiltered,
)
from app.queries.facets import (
    SHOW_PARAM,
    FacetCounts,
    deal_facets,
    filter_chips,
    show_problems,
    shown_whole,
)
from app.queries.sources import TrackRecord, track_records
from app.queries.suggestions import did_you_mean
from app.services.deals import DealError, delete_deal, restore_deal
from app.services.merging import merge_deals, undo_merge
from app.unit_of_work import SessionDep
from app.web.filtering import ErrorPage, FilterQuery
from app.web.forms import FormDataDep, redirect_after_post
from app.web.render import facet_markup, figures_within, render, render_kept
from app.web.security import Admin, Analyst, CurrentUser
from app.web.tables import (
    COLUMN_PARAM,
    EXTRA_COLUMNS,
    TABLE_FORM,
    TableView,
    chosen_columns,
    column_problems,
)

router = APIRouter()
# The table's filters, and the extra columns it shows (`col`), kept beside them in its links.
# And `show`, a facet to list whole.
TableFilters = Annotated[
    ResolvedFilters,
    Depends(
        FilterQuery(
            own={COLUMN_PARAM, SHOW_PARAM},
            check_own=lambda pairs: column_problems(pairs) + show_problems(pairs),
        )
    ),
]


@router.get(
    "/deals",
    name="deals_index",
    dependencies=[Depends(ErrorPage("deals/index.html", "deal_results", {"form": TABLE_FORM}))],
)
def deals_index(request: Request, session: SessionDep, rf: TableFilters) -> Response:
    """The table; a bad filter value is a 400 with this page (app/web/filtering.py)."""
    columns = chosen_columns(request.query_params.getlist(COLUMN_PARAM))
    view = TableView(rf.filters, request.url.path, columns=columns)
    key = ("table", rf.filters.query_string(paging=False))

    def compute() -> tuple[int, FacetCounts]:
        return table_counts(request.app.state.deal_sets, session, rf)

    known: tuple[int, FacetCounts] | None
    generation = generation_before_reading(session)  # one read for every cache of the page
    if unfiltered(rf):  # kept in the database by every write: read at once (then cached)
        kept = request.app.state.figures.get(
            session,
            key,
            lambda: (kept_total(session), kept_facet_counts(session)),
            generation=generation,
        )
        known, later = kept, None
    else:  # None: not ready in time; the rows come first, the counts after the response.
        known, later = figures_within(request, session, key, compute, generation=generation)
    total, counts = known if known is not None else (None, None)

    whole = shown_whole(request.query_params.multi_items())

    def context() -> dict[str, Any]:
        facets = None
        if counts is not None:
            shown = counts
            facets = facet_markup(
                request,
                session,
                view.url(rf.filters),
                lambda: deal_facets(session, rf, view.url, shown, whole=whole),
                whole=whole,
                generation=generation,
            )
        deal_page = list_deals(session, rf, total=total, count=False)
        searched = str(rf.filters.value("q") or "")
        return {
            "view": view,
            "form": TABLE_FORM,
            "filters": rf.filters,
            "deal_page": deal_page,
            "extra_columns": EXTRA_COLUMNS,
            "source_counts": source_counts(session, [d.id for d in deal_page.rows])
            if "sources" in columns
            else {},
            "facets": facets,
            "chips": filter_chips(rf, view.url),
            "raw": request.query_params,
            "suggestions": did_you_mean(session, searched)
            if searched and not deal_page.rows and deal_page.page == 1
            else [],
        }

    if known is not None:  # counted: the same page for every reader signed out
        kept_tables: FigureCache = request.app.state.kept_tables
        return render_kept(
            request,
            session,
            kept_tables,
            "deals/index.html",
            context,
            key="deals",
            generation=generation,
            block="deal_results",
        )
    response = render(request, "deals/index.html", context(), block="deal_results")
    response.background = later
    return response


@router.get("/deals/{deal_id:int}", name="deal_detail")
def deal_detail(request: Request, session: SessionDep, user: CurrentUser, deal_id: int) -> Response:
    """404 when there is no such live deal (admins also see deleted ones, to restore them).

    What the page shows of the deal is the same for every reader: it is kept per worker under
    the change counter (app/queries/deal_page.py), so most views run one statement; the
    reader's parts (their role's forms and buttons, follow state, CSRF token) are rendered
    live from it."""
    generation = generation_before_reading(session)
    pages: FigureCache = request.app.state.deal_pages
    page = pages.get(session, deal_id, lambda: deal_page(session, deal_id), generation=generation)
    # A merged duplicate is deleted, but its address leads to the deal that kept it.
    kept = page.deal.merged_into_id if page is not None else None
    if kept is not None:
        return RedirectResponse(str(request.url_for("deal_detail", deal_id=kept)), 301)
    is_admin = user is not None and user.role == UserRole.ADMIN
    if page is None or (page.deal.deleted_at is not None and not is_admin):
        raise HTTPException(404, f"There is no deal {deal_id}.")
    publishers = page.publishers
    key = ("track_records", publishers)

    def compute() -> dict[str, TrackRecord]:
        return track_records(session, publishers)

    # None: not ready in time; the page says so and they are computed after the response.
    records, later = figures_within(request, session, key, compute, generation=generation)
    context = {
        "deal": page.deal,
        "history": page.history,
        "source_records": records,
        "merged_here": page.merged_here,
    }
    if records is not None:  # the whole page is known: the same for every reader signed out
        kept_pages: FigureCache = request.app.state.kept_pages
        return render_kept(
            request,
            session,
            kept_pages,
            "deals/detail.html",
            lambda: context,
            key=deal_id,
            generation=generation,
        )
    response = render(request, "deals/detail.html", context)
    response.background = later
    return response


@router.get("/deals/{deal_id:int}/delete", name="deal_delete_form")
def deal_delete_form(
    request: Request, session: SessionDep, user: Analyst, deal_id: int
) -> Response:
    """Ask before deleting."""
    deal = get_deal(session, deal_id)
    if deal is None:
        raise HTTPException(404, f"There is no deal {deal_id}.")
    return render(request, "deals/delete.html", {"deal": deal})


@router.post("/deals/{deal_id:int}/delete", name="deal_delete")
def deal_delete(request: Request, session: SessionDep, user: Analyst, deal_id: int) -> Response:
    """Soft-delete (analysts); 404 if there is no live deal."""
    deal = get_deal(session, deal_id)
    if deal is None:
        raise HTTPException(404, f"There is no deal {deal_id}.")
    delete_deal(session, deal, user)
    return redirect_after_post(
        request,
        str(request.url_for("deals_index")),
        flash=f"Deal #{deal_id} “{deal.title}” deleted. An admin can restore it.",
    )


@router.post("/deals/{deal_id:int}/restore", name="deal_restore")
def deal_restore(request: Request, session: SessionDep, user: Admin, deal_id: int) -> Response:
    """Bring a deleted deal back (admins); 400 if it is not deleted."""
    deal = get_deal(session, deal_id, include_deleted=True)
    if deal is None:
        raise HTTPException(404, f"There is no deal {deal_id}.")
    try:
        restore_deal(session, deal, user)
    except DealError as exc:
        raise HTTPException(400, str(exc)) from exc
    url = str(request.url_for("deal_detail", deal_id=deal_id))
    return redirect_after_post(request, url, flash="Deal restored.")


@router.post("/deals/{deal_id:int}/merge", name="deal_merge")
def deal_merge(
    request: Request, session: SessionDep, user: Analyst, deal_id: int, form: FormDataDep
) -> Response:
    """Merge this deal, a duplicate, into the deal numbered `into` (analysts)."""
    duplicate = get_deal(session, deal_id)
    if duplicate is None:
        raise HTTPException(404, f"There is no deal {deal_id}.")
    into = str(form.get("into", "")).strip().lstrip("#")
    keep_id = as_id(into)
    if keep_id is None:
        raise HTTPException(
            400,
            f"“{into[:50]}” is not a deal number: give the number of the deal to keep, e.g. 30.",
        )
    keep = get_deal(session, keep_id)
    if keep is None:
        raise HTTPException(400, f"There is no live deal {into} to merge into.")
    try:
        merge_deals(session, keep, duplicate, user)
    except DealError as exc:
        raise HTTPException(400, str(exc)) from exc
    url = str(request.url_for("deal_detail", deal_id=keep.id))
    return redirect_after_post(
        request,
        url,
        flash=f"Deal #{deal_id} merged into this deal; its address now leads here. "
        "An admin can undo it.",
    )


@router.post("/deals/{deal_id:int}/unmerge", name="deal_unmerge")
def deal_unmerge(request: Request, session: SessionDep, user: Admin, deal_id: int) -> Response:
    """Undo a merge (admins): the duplicate comes back, its copies leave the kept deal."""
    duplicate = get_deal(session, deal_id, include_deleted=True)
    if duplicate is None:
        raise HTTPException(404, f"There is no deal {deal_id}.")
    try:
        undo_merge(session, duplicate, user)
    except DealError as exc:
        raise HTTPException(400, str(exc)) from exc
    url = str(request.url_for("deal_detail", deal_id=deal_id))
    return redirect_after_post(request, url, flash="Merge undone: this deal is back.")
