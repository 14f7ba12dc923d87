"""Saved views (/views), following (the Follow buttons) and what changed in what one follows
(/following, with the unread count in the navigation)."""

from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Request
from jinja2 import pass_context
from starlette.responses import RedirectResponse, Response, StreamingResponse

from app.domain.vocabulary import FollowTarget, ViewPage, values
from app.exchange.export import export_csv, export_filename
from app.exchange.feed import ATOM_MEDIA_TYPE, build_feed, feed_events, feed_title
from app.models import SavedView, User, utcnow
from app.notify.feed import notification_feed
from app.services.follows import (
    FollowError,
    SettingsError,
    follow,
    followed,
    is_following,
    mark_read,
    new_feed_token,
    notifications,
    revoke_feed_token,
    save_notification_settings,
    unfollow,
    unread_count,
    user_for_feed_token,
)
from app.services.views import (
    ViewError,
    delete_view,
    get_visible_view,
    normalise,
    save_view,
    view_resolved,
    visible_views,
)
from app.unit_of_work import SessionDep
from app.web.export import deal_url_prefix
from app.web.forms import FormDataDep, Typed, field, redirect_after_post, safe_next
from app.web.render import render, templates
from app.web.security import CurrentUser, SignedIn
from app.web.timeline import NOT_ON_TIMELINE, read_options

router = APIRouter()
PAGE_ROUTES = {ViewPage.DEALS: "deals_index", ViewPage.TIMELINE: "timeline"}


def _timeline_own(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """The timeline's options a view keeps: not the paging cursor `before`."""
    own, problems = read_options([(k, v) for k, v in pairs if k != "before"])
    return list(own.items()), problems


def _normalise(request: Request, session: SessionDep, page: str, query: str) -> str:
    if page == ViewPage.TIMELINE:
        return normalise(session, page, query, own=_timeline_own, refused=NOT_ON_TIMELINE)
    return normalise(session, page, query)


def view_page_url(request: Request, view: SavedView) -> str:
    base = str(request.url_for(PAGE_ROUTES[ViewPage(view.page)]))
    return f"{base}?{view.query}" if view.query else base


def _visible(request: Request, session: SessionDep, user: User | None, view_id: int) -> SavedView:
    view = get_visible_view(session, user, view_id)
    if view is None:
        raise HTTPException(404, f"There is no saved view {view_id} you can see.")
    return view


@router.get("/views", name="views_index")
def views_index(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    views = visible_views(session, user)
    return render(request, "views/index.html", {"views": views, "page_url": view_page_url})


@router.get("/views/new", name="view_new")
def view_new(request: Request, session: SessionDep, user: SignedIn) -> Response:
    """The save form, for the view the page linked from (`page`, `query`)."""
    typed = Typed(
        {
            "page": request.query_params.get("page", ViewPage.DEALS),
            "query": request.query_params.get("query", ""),
        }
    )
    return _form(request, session, typed, [])


def _form(
    request: Request, session: SessionDep, typed: Typed, errors: list[str], status: int = 200
) -> Response:
    chips = [(k, v) for k, v in parse_qsl(typed.get("query")) if v]
    context = {"typed": typed, "errors": errors, "chips": chips, "pages": values(ViewPage)}
    return render(request, "views/new.html", context, status_code=status)


@router.post("/views", name="view_create")
def view_create(
    request: Request, session: SessionDep, user: SignedIn, form: FormDataDep
) -> Response:
    typed = Typed.from_form(form)
    page = field(form, "page")
    try:
        if page not in values(ViewPage):
            raise ViewError([f"unknown page '{page}' — expected one of deals, timeline"])
        query = _normalise(request, session, page, field(form, "query"))
        view = save_view(
            session,
            user,
            name=field(form, "name"),
            page=page,
            query=query,
            shared=field(form, "shared") == "1",
        )
    except ViewError as exc:
        return _form(request, session, typed, exc.messages, status=400)
    return redirect_after_post(
        request, str(request.url_for("views_index")), flash=f"View “{view.name}” saved."
    )


@router.get("/views/{view_id:int}", name="view_open")
def view_open(request: Request, session: SessionDep, user: CurrentUser, view_id: int) -> Response:
    """A saved view's own URL: the page it shows, with its filters."""
    view = _visible(request, session, user, view_id)
    return RedirectResponse(view_page_url(request, view), status_code=303)


@router.get("/views/{view_id:int}/feed.atom", name="view_feed")
def view_feed(request: Request, session: SessionDep, user: CurrentUser, view_id: int) -> Response:
    """The view's feed: the feed of its page's filters, under the view's name."""
    view = _visible(request, session, user, view_id)
    rf = view_resolved(session, view)
    body = build_feed(
        feed_events(session, rf),
        title=f"{view.name} — {feed_title(rf)}",
        self_url=str(request.url),
        html_url=view_page_url(request, view),
        deal_url_prefix=deal_url_prefix(request),
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get("/views/{view_id:int}.csv", name="view_csv")
def view_csv(request: Request, session: SessionDep, user: CurrentUser, view_id: int) -> Response:
    """Every deal of the view, as /deals.csv with its filters gives them."""
    view = _visible(request, session, user, view_id)
    rf = view_resolved(session, view)
    filename = export_filename(rf.filters, utcnow().date())
    return StreamingResponse(
        export_csv(session, rf, deal_url_prefix(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/views/{view_id:int}/delete", name="view_delete")
def view_delete(request: Request, session: SessionDep, user: SignedIn, view_id: int) -> Response:
    view = session.get(SavedView, view_id)
    if view is None or view.owner_id != user.id:
        raise HTTPException(404, f"You have no saved view {view_id}.")
    name = view.name
    delete_view(session, view)
    return redirect_after_post(
        request, str(request.url_for("views_index")), flash=f"View “{name}” deleted."
    )


def _target(form: Any) -> tuple[str, int]:
    kind = field(form, "target_type")
    target = field(form, "target_id")
    if kind not in values(FollowTarget) or not target.isdigit():
        raise HTTPException(400, "Say what to follow: target_type and target_id.")
    return kind, int(target)


@router.post("/follow", name="follow")
def follow_submit(
    request: Request, session: SessionDep, user: SignedIn, form: FormDataDep
) -> Response:
    kind, target_id = _target(form)
    try:
        follow(session, user, kind, target_id)
    except FollowError as exc:
        raise HTTPException(404, str(exc)) from exc
    back = safe_next(field(form, "next"), str(request.url_for("following")))
    return redirect_after_post(request, back, flash="Following. Changes appear on Following.")


@router.post("/unfollow", name="unfollow")
def unfollow_submit(
    request: Request, session: SessionDep, user: SignedIn, form: FormDataDep
) -> Response:
    kind, target_id = _target(form)
    unfollow(session, user, kind, target_id)
    back = safe_next(field(form, "next"), str(request.url_for("following")))
    return redirect_after_post(request, back, flash="No longer following.")


@router.get("/following", name="following")
def following_page(request: Request, session: SessionDep, user: SignedIn) -> Response:
    """What changed in what the user follows: unread first, then the newest."""
    notes = notifications(session, user)
    context = {
        "notes": notes,
        "unread": sum(1 for n in notes if n.read_at is None),
        "up_to": max((n.id for n in notes), default=0),
        "followed": followed(session, user),
    }
    return render(request, "following/index.html", context)


@router.post("/following/read", name="following_read")
def following_read(
    request: Request, session: SessionDep, user: SignedIn, form: FormDataDep
) -> Response:
    """Mark read what the page showed (up to `up_to`), not what arrived since."""
    up_to = field(form, "up_to")
    marked = mark_read(session, user, int(up_to) if up_to.isdigit() else None)
    return redirect_after_post(
        request,
        str(request.url_for("following")),
        flash=f"{marked} change{'s' if marked != 1 else ''} marked read.",
    )


@router.post("/account/notifications", name="notification_settings")
def notification_settings(
    request: Request, session: SessionDep, user: SignedIn, form: FormDataDep
) -> Response:
    """Mail (none, instant, digest) and the display name anonymous readers see."""
    try:
        save_notification_settings(
            session,
            user,
            email_mode=field(form, "email_mode"),
            display_name=field(form, "display_name"),
        )
    except SettingsError as exc:
        raise HTTPException(400, str(exc)) from exc
    return redirect_after_post(request, str(request.url_for("account")), flash="Settings saved.")


@router.post("/account/feed", name="feed_token_create")
def feed_token_create(request: Request, session: SessionDep, user: SignedIn) -> Response:
    new_feed_token(session, user)
    return redirect_after_post(
        request, str(request.url_for("account")), flash="Your private feed has a new URL."
    )


@router.post("/account/feed/revoke", name="feed_token_revoke")
def feed_token_revoke(request: Request, session: SessionDep, user: SignedIn) -> Response:
    revoke_feed_token(session, user)
    return redirect_after_post(
        request, str(request.url_for("account")), flash="Your private feed's URL is revoked."
    )


@router.get("/notifications/{token}.atom", name="notification_feed")
def notification_feed_page(request: Request, session: SessionDep, token: str) -> Response:
    """A user's notifications as Atom; the secret in the URL is the only credential."""
    user = user_for_feed_token(session, token)
    if user is None:
        raise HTTPException(404, "There is no such feed (its URL may have been revoked).")
    body = notification_feed(
        notifications(session, user),
        self_url=str(request.url),
        html_url=str(request.url_for("following")),
        deal_url_prefix=deal_url_prefix(request),
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)


def _request_user(request: Request) -> User | None:
    user: User | None = getattr(request.state, "user", None)
    return user


def _following_global(context: Any, target_type: str, target_id: int) -> bool:
    request: Request = context["request"]
    session = getattr(request.state, "db", None)
    return session is not None and is_following(
        session, _request_user(request), target_type, target_id
    )


def _unread_global(context: Any) -> int:
    request: Request = context["request"]
    session = getattr(request.state, "db", None)
    user = _request_user(request)
    if session is None or user is None:
        return 0
    cached: int | None = getattr(request.state, "unread", None)
    if cached is None:
        cached = request.state.unread = unread_count(session, user)
    return cached


def _save_view_url(context: Any, page: str, query: str) -> str:
    request: Request = context["request"]
    return f"{request.url_for('view_new')}?{urlencode({'page': page, 'query': query})}"


def _mail_on(context: Any) -> bool:
    request: Request = context["request"]
    return bool(request.app.state.settings.smtp_host)


templates.env.globals.update(
    mail_on=pass_context(_mail_on),
    is_following=pass_context(_following_global),
    unread_count=pass_context(_unread_global),
    save_view_url=pass_context(_save_view_url),
)
