"""The upload page: staff import every kind of file they may, a member's users their own
orders. It runs the kind's registered import (the CLI's), so a file is taken whole or not
at all, and a rejected file comes back with every bad cell named. A large file becomes a
background job (``mixshare worker``) whose page shows its progress."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from mixshare.access import Access, AccessDep, OrderWriter
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.jobs import service as jobs
from mixshare.jobs.api import submit
from mixshare.jobs.models import Job
from mixshare.settings import database_url
from mixshare.spreadsheets import MAX_FILE_BYTES
from mixshare.uploads import registry
from mixshare.uploads.registry import ImportKind
from mixshare.users.models import User
from mixshare.web.deps import verify_csrf
from mixshare.web.downloads import attachment
from mixshare.web.page_common import N_, redirect, render
from mixshare.web.params import PathId

router = APIRouter()
# The registry's labels, marked here so that message extraction (pages and web/ only) keeps
# their translations: a label missing here is shown in English.
KIND_LABELS = (
    N_("Orders"), N_("Compounds"), N_("Members"), N_("Materials"), N_("Changeover rules"),
    N_("Lab results"), N_("Lines"), N_("Shift patterns"), N_("Maintenance windows"),
    N_("Tariffs"), N_("Holidays"),
)  # fmt: skip
SUFFIXES = (".xlsx", ".csv")
# Files above this size are imported by a worker, so the page answers at once and shows the
# job's progress; smaller ones (a week of orders is ~10 KiB) are imported in the request.
BACKGROUND_BYTES = 256 * 1024
CHUNK = 1024 * 1024


def _kind_or_404(user: User, name: str) -> ImportKind:
    """The kind if ``user`` may upload it; 404 like every refusal of a page."""
    try:
        kind = registry.get(name)
    except NotFound:
        raise HTTPException(404) from None
    if not kind.may_upload(user):
        raise HTTPException(404)
    return kind


def _page(
    request: Request,
    user: User,
    *,
    chosen: str = "",
    problems: list[Problem] | None = None,
    done: str = "",
    passwords: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "kinds": registry.uploadable(user),
        "chosen": chosen,
        "problems": problems or [],
        "done": done,
        "passwords": passwords or {},
        "max_mib": MAX_FILE_BYTES // 2**20,
    }
    return render(request, "imports/upload.html", context, user=user, status_code=status_code)


@router.get("/imports", response_class=HTMLResponse)
def upload_page(request: Request, user: OrderWriter) -> HTMLResponse:
    return _page(request, user, chosen=request.query_params.get("kind", ""))


@router.get("/imports/{name}/template")
def download_template(user: OrderWriter, name: str) -> Response:
    kind = _kind_or_404(user, name)
    buffer = io.BytesIO()
    kind.write_template(buffer)
    return attachment(buffer.getvalue(), f"mixshare-{kind.name}.xlsx")


def safe_file_name(name: str | None) -> str:
    """The uploaded file's own name (problems name it), without any directory part or
    character a path could misuse."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    cleaned = re.sub(r"[^\w.\- ()\u4e00-\u9fff]", "_", base)[:120].lstrip(".")
    return cleaned or "upload"


async def _saved(upload: UploadFile, folder: Path) -> tuple[Path | None, list[Problem]]:
    """The upload written to ``folder`` under its own name, or the problems that refuse it."""
    name = safe_file_name(upload.filename)
    if Path(name).suffix.lower() not in SUFFIXES:
        return None, [Problem(name, "unsupported file type; use .xlsx or .csv")]
    path = folder / name
    written = 0
    with path.open("wb") as target:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            if written > MAX_FILE_BYTES:
                mib = MAX_FILE_BYTES // 2**20
                return None, [Problem(name, f"larger than {mib} MiB; split the file")]
            target.write(chunk)
    if written == 0:
        return None, [Problem(name, "the file is empty")]
    return path, []


def upload_dir() -> Path:
    """Where a large upload waits for the worker: ``MIXSHARE_UPLOAD_DIR``, or
    ``mixshare-uploads`` beside the SQLite database (or in the working directory). Workers on
    other machines need this folder shared."""
    configured = os.environ.get("MIXSHARE_UPLOAD_DIR", "").strip()
    if configured:
        folder = Path(configured)
    else:
        from sqlalchemy.engine import make_url

        url = make_url(database_url())
        beside = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        folder = (Path(str(url.database)).parent if beside else Path.cwd()) / "mixshare-uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@router.post("/imports", dependencies=[Depends(verify_csrf)], response_model=None)
async def upload(request: Request, access: AccessDep, user: OrderWriter) -> Response:
    form = await request.form()
    name = form.get("kind")
    kind = _kind_or_404(user, name if isinstance(name, str) else "")
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        problems = [Problem("file", "choose a .xlsx or .csv file")]
        return _page(request, user, chosen=kind.name, problems=problems, status_code=422)
    with tempfile.TemporaryDirectory(prefix="mixshare-upload-") as folder:
        path, problems = await _saved(upload, Path(folder))
        if path is None:
            return _page(request, user, chosen=kind.name, problems=problems, status_code=422)
        if path.stat().st_size > BACKGROUND_BYTES:
            return _queued(request, access, kind, path)
        return _imported(request, access, kind, path)


def _imported(request: Request, access: Access, kind: ImportKind, path: Path) -> HTMLResponse:
    session, user = access.session, access.user
    try:
        result = kind.run(session, path, user.scope)
    except ValidationFailed as exc:
        session.rollback()
        return _page(request, user, chosen=kind.name, problems=exc.problems, status_code=422)
    detail = {"file": result.file, "rows": result.rows, "created": len(result.created)}
    access.audit("import", kind.name, None, member_id=user.scope, detail=detail)
    session.commit()
    return _page(request, user, chosen=kind.name, done=str(result), passwords=result.passwords)


def _queued(request: Request, access: Access, kind: ImportKind, path: Path) -> Response:
    """Move the file where the worker reads it and queue the import."""
    session, user = access.session, access.user
    kept = upload_dir() / f"{os.urandom(8).hex()}-{path.name}"
    shutil.move(path, kept)
    params = {"path": str(kept), "member_id": user.scope, "remove_after": True}
    job = jobs.create(
        session, kind=kind.job_kind, params=params, created_by=user.id, member_id=user.scope
    )
    access.audit("import", kind.name, None, member_id=user.scope, detail={"job": job.id})
    session.commit()
    submit(request, job)
    return redirect(f"/imports/jobs/{job.id}")


@router.get("/imports/jobs/{job_id}", response_class=HTMLResponse)
def import_job(request: Request, access: AccessDep, user: OrderWriter, job_id: PathId) -> Response:
    job = _visible_import_job(access, job_id)
    kind = registry.of_job(job.kind)
    context = {"job": job, "kind": kind, "problems": _job_problems(job)}
    return render(request, "imports/job.html", context, user=user)


def _visible_import_job(access: Access, job_id: int) -> Job:
    try:
        job = jobs.get_visible(access.session, job_id, None)
    except NotFound:
        raise HTTPException(404) from None
    access.ensure_visible("job", job_id, job.member_id)
    if registry.of_job(job.kind) is None:
        raise HTTPException(404)
    return job


def _job_problems(job: Job) -> list[str]:
    """A failed import's reasons, one per line as the import named them."""
    return [line for line in (job.error or "").splitlines() if line.strip()]
