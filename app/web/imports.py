"""`/import`: upload a CSV, see every problem and what would change, then import all or nothing.

The uploaded file is kept server-side between the two steps (app/exchange/staging.py): the
preview page carries its key, not its text, so any file up to the advertised size can be
confirmed and any app instance can take the confirmation. The import runs in a worker
thread (a plain `def` route), never on the event loop, so a long one cannot stall others.
"""

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from app.domain.cells import CellError
from app.exchange.importer import REQUIRED_COLUMNS, ImportReport, import_csv, read_text
from app.exchange.staging import discard, find_staged, stage
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
def import_submit(
    request: Request, session: SessionDep, user: Analyst, form: FormDataDep
) -> Response:
    """Preview (nothing written) unless `confirm` is posted; then import, or show why not.

    The file comes as an upload (`file`, then kept and named by `staged`) or, from scripts,
    as text (`csv_text`, within the form's field limit)."""
    upload, key, pasted = form.get("file"), form.get("staged"), form.get("csv_text")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            data = upload.file.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise CellError(
                    f"{upload.filename} is larger than {MAX_BYTES // 2**20} MB — use `deals import`"
                )
            read_text(data)  # not UTF-8: said now, before it is kept
            staged = stage(session, user, upload.filename, data)
        elif isinstance(key, str) and key:
            found = find_staged(session, user, key)
            if found is None:
                raise CellError(
                    "this upload has expired or was already imported — choose the file again"
                )
            staged = found
        elif isinstance(pasted, str) and pasted.strip():
            staged = stage(session, user, "the text", pasted.encode())
        else:
            raise CellError("choose a CSV file to import")
        text = read_text(staged.content)
    except CellError as exc:
        return _page(request, error=str(exc), status_code=422)
    create_missing = form.get("create_missing") == "1"
    confirm = form.get("confirm") == "1"
    report: ImportReport = import_csv(
        session, text, user, create_missing=create_missing, dry_run=not confirm
    )
    if report.written:
        name = staged.file_name
        discard(session, staged)
        what = f"{report.created:,} new and {report.updated:,} updated deals"
        url = str(request.url_for("deals_index")) + "?sort=-updated"
        return redirect_after_post(request, url, flash=f"Imported {what} from {name}.")
    return _page(
        request,
        report=report,
        staged=staged.key,
        file_name=staged.file_name,
        create_missing=create_missing,
        status_code=422 if report.problems else 200,
    )
