"""`/activity`: what changed, newest first, for every reader (app/queries/activity.py).

It takes the deal table's filters plus its own `since` (a partial date: `2026-11`,
`2026-11-22`) and the keyset cursor `before`; `sort`, `page` and `per_page` are refused.
Readers who are not signed in see who made a change by display name or role, never by email.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.domain.dates import PartialDate, PartialDateError
from app.queries.activity import list_activity
from app.queries.deals import ResolvedFilters
from app.unit_of_work import SessionDep
from app.web.filtering import ErrorPage, FilterQuery
from app.web.render import render

router = APIRouter()
OWN = ("since", "before")
REFUSED = {
    "sort": "'sort' does not apply to the activity stream — it is always newest first",
    "page": "'page' does not apply to the activity stream — it pages with “Older changes”",
    "per_page": "'per_page' does not apply to the activity stream — it shows 50 at a time",
}


def _own(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    own: dict[str, str] = {}
    problems: list[str] = []
    for name, typed in pairs:
        value = typed.strip()
        if name in OWN and value:
            if name in own and own[name] != value:
                problems.append(f"'{name}' was given twice ('{own[name]}', '{value}')")
            own[name] = value
    if "since" in own:
        try:
            PartialDate.parse(own["since"])
        except PartialDateError as exc:
            problems.append(f"since: {exc}")
    if "before" in own and not own["before"].isdigit():
        problems.append(f"before '{own['before']}' is not allowed — expected a whole number")
    return own, problems


ActivityFilters = Annotated[
    ResolvedFilters,
    Depends(FilterQuery(own=OWN, check_own=lambda pairs: _own(pairs)[1], refused=REFUSED)),
]
ERROR_PAGE = ErrorPage("activity/index.html", "activity_results", {"items": None})


@router.get("/activity", name="activity", dependencies=[Depends(ERROR_PAGE)])
def activity(request: Request, session: SessionDep, rf: ActivityFilters) -> Response:
    own, _ = _own(request.query_params.multi_items())
    since = PartialDate.parse(own["since"]) if "since" in own else None
    before = int(own["before"]) if "before" in own else None
    page = list_activity(session, rf, since=since.start if since else None, before=before)
    keep = [*rf.filters.pairs(paging=False), *([("since", own["since"])] if since else [])]
    next_url = None
    if page.next_before is not None:
        next_url = f"{request.url.path}?{urlencode([*keep, ('before', str(page.next_before))])}"
    context = {
        "items": page.items,
        "next_url": next_url,
        "since": own.get("since", ""),
        "carried": [(k, v) for k, v in rf.filters.pairs(paging=False) if k != "sort"],
        "filtered": rf.filters.is_filtered(),
        "first_page": before is None,
        "raw": request.query_params,
    }
    return render(request, "activity/index.html", context, block="activity_results")
