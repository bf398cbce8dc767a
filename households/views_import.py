"""Upload page for township staff: upload -> validation report -> confirm.

A confirmed file of more than IMPORT_QUEUE_ROWS rows is imported on the job queue
(households/tasks.py); its page then shows the import's progress, then its report.
Who may import is asked of households.access ("import"): system administrators import for
the whole county, township staff for their township only, which the importers enforce
(township=...) for the report and for the confirmed import alike.
"""

import json
import secrets
import shutil
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households import tasks
from households.access import require, scope_for
from households.importing import CRS_CHOICES
from households.models import ImportRun, Role, Township
from households.templates_xlsx import household_template_xlsx

MAX_LISTED = 200
# how often the page of a queued import reloads itself: a whole page (the partition page polls
# a small JSON every 0.7 s), and a 20,000-row import takes about a second (IMPORT_QUEUE_ROWS)
REFRESH_SECONDS = 2


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=[
            ("groups", gettext_lazy("Village groups (GeoJSON, GeoPackage, zipped Shapefile, KML)")),
            (
                "households",
                gettext_lazy("Households (CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile)"),
            ),
            ("persons", gettext_lazy("Residents roster (CSV, XLSX)")),
        ],
    )
    file = forms.FileField(label=gettext_lazy("File"))
    crs = forms.ChoiceField(
        label=gettext_lazy("Coordinates of CSV/XLSX households"),
        required=False,
        choices=[("", gettext_lazy("WGS84 (EPSG:4326), default"))]
        + [(c, c) for c in CRS_CHOICES[1:]],
    )
    skip_rejected = forms.BooleanField(
        label=gettext_lazy("Load the good rows and leave out rejected ones"), required=False
    )


def _upload_dir(token: str):
    if not token.isalnum():
        raise Http404
    return tasks.upload_dir(token)


def import_township(user) -> Township | None:
    """The township the user imports for (None: the whole county). 403 without the right."""
    scope = require(user, "import")
    if scope.role == Role.ADMIN:
        return None
    if scope.role == Role.TOWNSHIP and scope.township_id:
        return Township.objects.get(pk=scope.township_id)
    raise PermissionDenied("import")


def upload_store(folder: Path, upload, meta: dict, user) -> Path:
    """Keep an upload for review: the file under its own name and meta.json (the options,
    the file's name, the uploader) in a new folder. Returns the file's path."""
    folder.mkdir(parents=True)
    path = folder / Path(upload.name).name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    (folder / "meta.json").write_text(json.dumps({**meta, "file": path.name, "user": user.pk}))
    return path


def upload_read(folder: Path, user) -> dict:
    """The description (meta.json) of an upload kept by ``upload_store`` in ``folder``, if it
    is the user's own; 404 otherwise (another user's, or none)."""
    if not (folder / "meta.json").exists():
        raise Http404
    meta = json.loads((folder / "meta.json").read_text())
    if meta.get("user") != user.pk:
        raise Http404
    return meta


def upload_get(token: str, user, kind: str | None = None) -> tuple[Path, dict]:
    """The folder and description of the user's own upload (of `kind`); 404 otherwise."""
    folder = _upload_dir(token)
    meta = upload_read(folder, user)
    if kind is not None and meta["kind"] != kind:
        raise Http404
    return folder, meta


@login_required
def import_start(request):
    township = import_township(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = secrets.token_hex(12)
        meta = {k: form.cleaned_data[k] for k in ("kind", "crs", "skip_rejected")}
        upload_store(_upload_dir(token), form.cleaned_data["file"], meta, request.user)
        return redirect("import-review", token=token)
    return render(request, "households/import_start.html", {"form": form, "township": township})


@login_required
def import_review(request, token):
    township = import_township(request.user)
    run = (
        ImportRun.objects.for_scope(scope_for(request.user))
        .filter(token=token, user=request.user)
        .first()
    )
    if run is not None:  # confirmed and on the queue: its progress, then its report
        return _queued_import(request, run)
    folder, meta = upload_get(token, request.user)
    if meta["kind"] not in tasks.IMPORTERS:
        raise Http404
    path = folder / meta["file"]
    if request.method == "POST":
        if "cancel" in request.POST:
            shutil.rmtree(folder, ignore_errors=True)
            messages.info(request, _("Import cancelled; nothing was written."))
            return redirect("imports")
        rows = tasks.import_rows_estimate(path)
        if rows > settings.IMPORT_QUEUE_ROWS:
            tasks.import_run_start(
                token=token, meta=meta, user=request.user, township=township, rows=rows
            )
            return redirect("import-review", token=token)
        report, rejected = tasks.import_file(meta, path, township, dry_run=False)
        if not rejected:
            shutil.rmtree(folder, ignore_errors=True)
            messages.success(request, report.summary())
            return render(
                request,
                "households/import_review.html",
                {"report": report, "done": True, "listed": MAX_LISTED, "township": township},
            )
    else:
        report, rejected = tasks.import_file(meta, path, township, dry_run=True)
    return render(
        request,
        "households/import_review.html",
        {
            "report": report,
            "rejected": rejected,
            "token": token,
            "meta": meta,
            "listed": MAX_LISTED,
            "township": township,
        },
    )


def _queued_import(request, run: ImportRun):
    """The page of an import on the queue; it reloads itself until the report is there."""
    if request.method == "POST":  # a second confirm, or a cancel too late: nothing to do
        return redirect("import-review", token=run.token)
    waiting = run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
    return render(
        request,
        "households/import_review.html",
        {
            "run": run,
            "report": run.report or {"source": run.source, "rows": run.rows},
            "done": run.status == ImportRun.Status.DONE,
            "rejected": run.status == ImportRun.Status.REJECTED,
            "waiting": waiting,
            "refresh": REFRESH_SECONDS if waiting else None,
            "listed": MAX_LISTED,
            "township": run.township,
        },
    )


@login_required
def household_template(request):
    require(request.user, "import")
    response = HttpResponse(
        household_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="households_template.xlsx"'
    return response
