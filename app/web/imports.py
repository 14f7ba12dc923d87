"""`/import`: upload a CSV, see every problem and what would change, then import all or nothing.

Stateless between the two steps: the preview page carries the file's text in a hidden field,
so any app instance can take the confirmation.
"""

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from app.domain.cells import CellError
from app.exchange.importer import REQUIRED_COLUMNS, ImportReport, import_csv, read_text
from app.unit_of_work import SessionDep
from app.web.forms import FormDataDep, redirect_after_post
from app.web.render import render
from app.web.security import Analyst

router = APIRouter()
MAX_BYTES = 20 * 1024 * 1024


def _page(request: Request, status_code: int = 200, **context: object) -> Response:
    return render(
        request,
        "import.html",
        {"required": REQUIRED_COLUMNS, "report": None, "error": None, **context},
        status_code=status_code,
    )


@router.get("/import", name="import_form")
def import_form(request: Request, user: Analyst) -> Response:
    return _page(request)


@router.post("/import", name="import_submit")
async def import_submit(
    request: Request, session: SessionDep, user: Analyst, form: FormDataDep
) -> Response:
    """Preview (nothing written) unless `confirm` is posted; then import, or show why not."""
    upload = form.get("file")
    text = form.get("csv_text")
    name = "the file"
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            name = upload.filename
            data = await upload.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise CellError(
                    f"{name} is larger than {MAX_BYTES // 2**20} MB — use `deals import`"
                )
            text = read_text(data)
        elif not isinstance(text, str) or not text.strip():
            raise CellError("choose a CSV file to import")
    except CellError as exc:
        return _page(request, error=str(exc), status_code=422)
    assert isinstance(text, str)
    create_missing = form.get("create_missing") == "1"
    confirm = form.get("confirm") == "1"
    report: ImportReport = import_csv(
        session, text, user, create_missing=create_missing, dry_run=not confirm
    )
    if report.written:
        what = f"{report.created:,} new and {report.updated:,} updated deals"
        url = str(request.url_for("deals_index")) + "?sort=-updated"
        return redirect_after_post(request, url, flash=f"Imported {what} from {name}.")
    return _page(
        request,
        report=report,
        csv_text=text,
        file_name=form.get("file_name") or name,
        create_missing=create_missing,
        status_code=422 if report.problems else 200,
    )
