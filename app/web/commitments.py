"""/commitments: value, capacity and chips by organization and role, live vs ended, taking
every filter of /deals; the same figures as CSV (/commitments.csv)."""

import csv
import io

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.queries.commitments import MEASURES, OUTCOMES, QUALIFIED, commitments
from app.queries.facets import filter_chips
from app.unit_of_work import SessionDep
from app.web.filtering import Filters
from app.web.render import render
from app.web.tables import TableView

router = APIRouter()

CSV_COLUMNS = [
    "organization",
    "organization_slug",
    "role",
    "outcome",
    "deals",
    *(f"{measure}{part}" for measure in MEASURES for part in ("", *(f"_{q}" for q in QUALIFIED))),
    "deals_url",
]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


@router.get("/commitments", name="commitments")
def commitments_page(request: Request, session: SessionDep, rf: Filters) -> Response:
    view = TableView(rf.filters, request.url.path)
    return render(
        request,
        "commitments.html",
        {
            "rows": commitments(session, rf),
            "chips": filter_chips(rf, view.url),
            "outcomes": list(OUTCOMES),
            "csv_url": view.data_url(request.url_for("commitments_csv")),
        },
    )


@router.get("/commitments.csv", name="commitments_csv")
def commitments_csv(request: Request, session: SessionDep, rf: Filters) -> Response:
    """One line per organization, role and outcome, with the /deals link of its deals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    deals_url = request.url_for("deals_index")
    for row in commitments(session, rf):
        for outcome, cell in row.cells.items():
            figures = []
            for measure in MEASURES:
                figure = cell.figures[measure]
                figures.append(_number(figure.total))
                figures += [_number(figure.qualified.get(q)) for q in QUALIFIED]
            writer.writerow(
                [
                    row.organization.name,
                    row.organization.slug,
                    row.group,
                    outcome,
                    cell.deals,
                    *figures,
                    f"{deals_url}?{cell.query}",
                ]
            )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="commitments.csv"'},
    )
