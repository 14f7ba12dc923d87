"""The deals table and the deal page."""

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.db import SessionDep
from app.queries.deals import DEFAULT_PER_PAGE, get_deal, list_deals
from app.web.render import render

router = APIRouter()


def parse_page(raw: str | None) -> int:
    """A 1-based page number; 400 for anything else."""
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise HTTPException(400, f"page '{raw}' is not a page number — expected 1, 2, 3, …")
    return int(raw)


@router.get("/deals", name="deals_index")
def deals_index(request: Request, session: SessionDep, page: str | None = None) -> Response:
    deal_page = list_deals(session, page=parse_page(page), per_page=DEFAULT_PER_PAGE)
    return render(request, "deals/index.html", {"deal_page": deal_page}, block="deal_table")


@router.get("/deals/{deal_id:int}", name="deal_detail")
def deal_detail(request: Request, session: SessionDep, deal_id: int) -> Response:
    """404 when there is no such live deal."""
    deal = get_deal(session, deal_id)
    if deal is None:
        raise HTTPException(404, f"There is no deal {deal_id}.")
    return render(request, "deals/detail.html", {"deal": deal})
