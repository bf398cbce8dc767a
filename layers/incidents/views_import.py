"""Batch import of incidents: upload -> validation report -> confirm, as for households
(the same report page; uploads kept under IMPORT_UPLOAD_DIR, deleted after a day if never
confirmed, by households' uploads_purge). Township staff import for their township, the
administrator for the county."""

import secrets
import shutil
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.importing import ImportRejected
from households.views_import import import_township, upload_read, upload_store

from .importing import import_incidents
from .services import CRS_CHOICES

PREFIX = "incidents-"  # upload folders: not a household import token (those are alphanumeric)
MAX_LISTED = 200


class IncidentUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Incidents (CSV, XLSX, GeoJSON points)"))
    crs = forms.ChoiceField(
        label=gettext_lazy("Coordinates of CSV/XLSX rows"),
        required=False,
        choices=[(c, c) for c in CRS_CHOICES],
    )


def _folder(token: str) -> Path:
    if not token.isalnum():
        raise Http404
    return Path(settings.IMPORT_UPLOAD_DIR) / (PREFIX + token)


@login_required
def incident_import(request):
    township = import_township(request.user)
    form = IncidentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = secrets.token_hex(12)
        meta = {"crs": form.cleaned_data["crs"]}
        upload_store(_folder(token), form.cleaned_data["file"], meta, request.user)
        return redirect("incident-import-review", token=token)
    return render(
        request, "layers/incidents/import_start.html", {"form": form, "township": township}
    )


@login_required
def incident_import_review(request, token):
    township = import_township(request.user)
    folder = _folder(token)
    meta = upload_read(folder, request.user)
    if request.method == "POST" and "cancel" in request.POST:
        shutil.rmtree(folder, ignore_errors=True)
        messages.info(request, _("Import cancelled; nothing was written."))
        return redirect("incident-import")
    confirm = request.method == "POST"
    try:
        report = import_incidents(
            folder / meta["file"],
            crs=meta.get("crs") or None,
            dry_run=not confirm,
            township=township,
            user=request.user,
        )
        rejected = False
    except ImportRejected as exc:
        report, rejected = exc.report, True
    context = {"report": report, "rejected": rejected, "listed": MAX_LISTED, "township": township}
    if confirm and not rejected:
        shutil.rmtree(folder, ignore_errors=True)
        messages.success(request, report.summary())
        context["done"] = True
    else:
        context["token"] = token
    return render(request, "households/import_review.html", context)
