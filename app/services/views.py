"""Saved views: a page's filters under a name, parsed by the filter registry on save so that a
view never holds a bad value, and stored as the registry writes them back."""

from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.vocabulary import FollowTarget, ViewPage, values
from app.filters import FILTERS, DealFilters, FilterError
from app.models import Follow, SavedView, User
from app.queries.deals import ResolvedFilters, resolve_filters

MAX_NAME = 100
Pairs = list[tuple[str, str]]
# A page's own parameters (the timeline's view, group…): their checker gives (kept, problems).
OwnParams = Callable[[Pairs], tuple[Pairs, list[str]]]


class ViewError(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def normalise(
    session: Session,
    page: str,
    query: str,
    *,
    own: OwnParams | None = None,
    refused: dict[str, str] | None = None,
) -> str:
    """The query string a view of `page` keeps: every filter checked (slugs too) and written
    back as the registry writes it, without paging; ViewError with what was wrong."""
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    own_pairs, problems = own(pairs) if own else ([], [])
    own_names = {name for name, _ in own_pairs}
    try:
        filters = DealFilters.from_query(
            [(k, v) for k, v in pairs if k not in own_names and k not in OWN_SKIPPED],
            refused=refused,
        )
        resolve_filters(session, filters)
    except FilterError as exc:
        problems = exc.messages + problems
    if problems:
        raise ViewError(problems)
    return urlencode([*filters.pairs(paging=False), *own_pairs])


# Where a page was, not what it shows: never saved.
OWN_SKIPPED = frozenset({"page", "before"})


def save_view(
    session: Session, user: User, *, name: str, page: str, query: str, shared: bool
) -> SavedView:
    """`query` must come from `normalise`. ViewError for a bad name or page."""
    name = " ".join(name.split())
    problems = []
    if not name:
        problems.append("Give the view a name.")
    elif len(name) > MAX_NAME:
        problems.append(f"A view's name has at most {MAX_NAME} characters.")
    if page not in values(ViewPage):
        problems.append(f"unknown page '{page}' — expected one of {', '.join(values(ViewPage))}")
    clash = select(SavedView.id).where(
        SavedView.owner_id == user.id, func.lower(SavedView.name) == name.lower()
    )
    if name and session.scalar(clash) is not None:
        problems.append(f"You already have a view named “{name}”.")
    if problems:
        raise ViewError(problems)
    view = SavedView(owner_id=user.id, name=name, page=page, query=query, shared=shared)
    session.add(view)
    try:
        session.commit()
    except IntegrityError as exc:  # saved twice at once
        session.rollback()
        raise ViewError([f"You already have a view named “{name}”."]) from exc
    return view


def delete_view(session: Session, view: SavedView) -> None:
    session.execute(
        delete(Follow).where(Follow.target_type == FollowTarget.VIEW, Follow.target_id == view.id)
    )
    session.delete(view)
    session.commit()


def visible_views(session: Session, user: User | None) -> list[SavedView]:
    """The user's own views and those shared with the team, by name."""
    seen: ColumnElement[bool] = SavedView.shared.is_(True)
    if user is not None:
        seen = or_(seen, SavedView.owner_id == user.id)
    stmt = select(SavedView).where(seen).order_by(func.lower(SavedView.name), SavedView.id)
    return list(session.scalars(stmt))


def get_visible_view(session: Session, user: User | None, view_id: int) -> SavedView | None:
    view = session.get(SavedView, view_id)
    if view is None or not (view.shared or (user is not None and view.owner_id == user.id)):
        return None
    return view


def view_resolved(session: Session, view: SavedView) -> ResolvedFilters:
    """The view's filters, resolved (FilterError if a slug it names is gone)."""
    pairs: Iterable[tuple[str, str]] = parse_qsl(view.query)
    return resolve_filters(
        session, DealFilters.from_query([(k, v) for k, v in pairs if k in FILTERS])
    )
