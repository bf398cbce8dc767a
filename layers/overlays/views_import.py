"""Import of cameras and service points: upload -> validation report -> confirm, on the
households' report page (uploads kept under IMPORT_UPLOAD_DIR and purged like theirs).
Township staff import for their township, the administrator for the county."""

import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from households.access import scope_for
from households.importing import ImportRejected
from households.views_import import import_township, upload_read, upload_store

from .forms import OverlayImportForm
from .importing import KINDS, import_overlay

PREFIX = "overlays-"  # upload folders: not a household import token (those are alphanumeric)
MAX_LISTED = 200


def _folder(token: str) -> Path:
    if not token.isalnum():
        raise Http404
    return Path(settings.IMPORT_UPLOAD_DIR) / (PREFIX + token)


@login_required
def overlay_import(request):
    township = import_township(request.user)
    form = OverlayImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = secrets.token_hex(12)
        meta = {"kind": form.cleaned_data["kind"], "crs": form.cleaned_data["crs"]}
        upload_store(_folder(token), form.cleaned_data["file"], meta, request.user)
        return redirect("overlay-import-review", token=token)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "township": township}
    return render(request, "layers/overlays/import_start.html", context, status=status)


@login_required
def overlay_import_review(request, token):
    township = import_township(request.user)
    folder = _folder(token)
    meta = upload_read(folder, request.user)
    if meta.get("kind") not in KINDS:
        raise Http404
    if request.method == "POST" and "cancel" in request.POST:
        shutil.rmtree(folder, ignore_errors=True)
        messages.info(request, _("Import cancelled; nothing was written."))
        return redirect("overlay-import")
    confirm = request.method == "POST"
    try:
        report = import_overlay(
            folder / meta["file"],
            meta["kind"],
            crs=meta.get("crs") or None,
            dry_run=not confirm,
            scope=scope_for(request.user) if township else None,
        )
        rejected = False
    except ImportRejected as exc:
        report, rejected = exc.report, True
    context = {"report": report, "rejected": rejected, "listed": MAX_LISTED, "township": township}
    if confirm and not rejected:
        shutil.rmtree(folder, ignore_errors=True)
        messages.success(request, report.summary())
        context["done"] = True
        context["map_url"] = township and f"/townships/{township.code}/overlays/"
    else:
        context["token"] = token
    return render(
        request, "layers/overlays/import_review.html", context, status=400 if rejected else 200
    )
