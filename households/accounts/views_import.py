"""Importing many accounts from a roster: upload -> validation report -> confirm, as the other
imports (households.views_import keeps the upload until it is confirmed or cancelled), then
the one-time passwords of the new accounts, shown once."""

import secrets
import shutil

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from households import access
from households.importing import ImportRejected
from households.tasks import upload_dir
from households.templates_xlsx import template_xlsx
from households.views_import import MAX_LISTED, upload_get, upload_store

from .roster import accounts_import
from .views import credentials_page

KIND = "accounts"
# (Chinese header, canonical column, required, description): households.templates_xlsx
ACCOUNT_COLUMNS = [
    ("姓名", "name", True, "姓名 / name"),
    ("联系电话", "phone", False, "手机号，只显示打码 / phone, shown masked"),
    ("角色", "role", True, "系统管理员、县级工作人员、乡镇干部、村干部、网格长、网格员"),
    (
        "区域编码",
        "area_code",
        True,
        "县 6 位、乡镇 9 位、村 12 位、网格 15 位；网格员：网格编码-联户号，如 360721100200001-3",
    ),
]
EXAMPLE = ["李四", "13800001234", "村干部", "360721100200"]


class RosterForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Roster (XLSX or CSV)"))


@login_required
def account_import(request):
    access.require(request.user, "manage_accounts")
    form = RosterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = secrets.token_hex(12)
        upload_store(upload_dir(token), form.cleaned_data["file"], {"kind": KIND}, request.user)
        return redirect("account-import-review", token=token)
    return render(request, "households/accounts/import.html", {"form": form})


@login_required
def account_import_review(request, token):
    access.require(request.user, "manage_accounts")
    folder, meta = upload_get(token, request.user, KIND)
    path = folder / meta["file"]
    if request.method == "POST" and "cancel" in request.POST:
        shutil.rmtree(folder, ignore_errors=True)
        messages.info(request, _("Import cancelled; nothing was written."))
        return redirect("account-import")
    confirm = request.method == "POST"
    try:
        report, credentials = accounts_import(path, by=request.user, dry_run=not confirm)
        rejected = False
    except ImportRejected as exc:
        report, credentials, rejected = exc.report, [], True
    if confirm and not rejected:
        shutil.rmtree(folder, ignore_errors=True)  # phones
        messages.success(request, report.summary())
        return credentials_page(request, credentials, title=_("Accounts imported"), back="accounts")
    return render(
        request,
        "households/accounts/import_review.html",
        {"report": report, "rejected": rejected, "token": token, "listed": MAX_LISTED},
        status=400 if confirm else 200,
    )


@login_required
@require_GET
def account_template(request):
    access.require(request.user, "manage_accounts")
    response = HttpResponse(
        template_xlsx("账号", ACCOUNT_COLUMNS, EXAMPLE),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="accounts_template.xlsx"'
    return response
