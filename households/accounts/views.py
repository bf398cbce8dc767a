"""Account pages for whoever may manage accounts (households.access "manage_accounts"): the
list, a new account, an account's page (edit, disable or enable, a one-time password, last
login, failed logins, history), the pickers' grids, and the user's own password change.

Every view asks for the role first (a role that manages no accounts gets the same 403 for
any account, existing or not), then answers 404 for an account outside the user's area and
403 for one whose role the user may not grant (or their own).
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from households import access
from households.models import Role, Village
from households.privacy import mask_phone

from . import selectors, services
from .forms import AccountForm, OwnPasswordForm
from .rules import Binding, grantable_roles, village_grids

PAGE_SIZE = 50


def _manager(request):
    scope = access.require(request.user, "manage_accounts")
    return scope, grantable_roles(scope)


def credentials_page(request, rows, *, title, back):
    """The one-time passwords just issued, shown once and never cached."""
    response = render(
        request,
        "households/accounts/credentials.html",
        {"rows": rows, "title": title, "back": back},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def account_list(request):
    scope, grantable = _manager(request)
    try:
        qs = selectors.accounts_list(
            scope,
            request.user,
            q=request.GET.get("q", ""),
            role=request.GET.get("role", ""),
            status=request.GET.get("status", ""),
        )
    except selectors.ParameterError as exc:
        return HttpResponseBadRequest(str(exc))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(ua, Binding.of(ua), mask_phone(ua.phone)) for ua in page]
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "households/accounts/list.html",
        {
            "page": page,
            "rows": rows,
            "roles": [(r, Role(r).label) for r in grantable],
            "q": request.GET.get("q", ""),
            "role": request.GET.get("role", ""),
            "status": request.GET.get("status", ""),
            "filters": filters.urlencode(),
        },
    )


def _form_page(request, form, *, account=None, status=200, **context):
    return render(
        request,
        "households/accounts/form.html" if account is None else "households/accounts/detail.html",
        {"form": form, "account": account, **context},
        status=status,
    )


@login_required
def account_new(request):
    scope, grantable = _manager(request)
    form = AccountForm(request.POST or None, scope=scope, grantable=grantable)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, form, status=400)
        data = form.cleaned_data
        user, password = services.account_create(
            by=request.user, binding=data["binding"], name=data["name"], phone=data["phone"]
        )
        rows = [(user.first_name, data["binding"].label, user.username, password)]
        return credentials_page(request, rows, title=_("Account created"), back="accounts")
    return _form_page(request, form)


HISTORY_SHOWN = 50
FIELD_LABELS = {
    "role": gettext_lazy("Role"),
    "area": gettext_lazy("Area"),
    "name": gettext_lazy("Name"),
    "phone": gettext_lazy("Phone"),
    "username": gettext_lazy("User name"),
}


def _history(ua) -> list[tuple]:
    """The account's events, each with its changes as (field, before, after) to read."""

    def shown(field, value):
        return Role(value).label if field == "role" and value in Role.values else value

    return [
        (
            e,
            [
                (FIELD_LABELS.get(f, f), shown(f, before), shown(f, after))
                for f, (before, after) in e.changes.items()
            ],
        )
        for e in selectors.account_events(ua)[:HISTORY_SHOWN]
    ]


def _detail_context(ua) -> dict:
    return {
        "binding": Binding.of(ua),
        "phone": mask_phone(ua.phone),
        "events": _history(ua),
        "failures": selectors.login_failures(ua),
        "locked": selectors.locked_out(ua),
    }


@login_required
def account_detail(request, pk):
    scope, grantable = _manager(request)
    ua = selectors.account_get(scope, request.user, pk)
    form = AccountForm(request.POST or None, scope=scope, grantable=grantable, account=ua)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, form, account=ua, status=400, **_detail_context(ua))
        data = form.cleaned_data
        services.account_update(
            ua, by=request.user, binding=data["binding"], name=data["name"], phone=data["phone"]
        )
        return redirect("account-detail", pk=pk)
    return _form_page(request, form, account=ua, **_detail_context(ua))


ACTIONS = {"disable": False, "enable": True}


@login_required
@require_POST
def account_status(request, pk):
    """action=disable or action=enable; anything else is a 400 that changes nothing."""
    scope, _grantable = _manager(request)
    ua = selectors.account_get(scope, request.user, pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest("action must be disable or enable")
    services.account_set_active(ua, by=request.user, active=ACTIONS[action])
    return redirect("account-detail", pk=pk)


@login_required
@require_POST
@never_cache
def account_password(request, pk):
    """confirm=1 issues a one-time password, shown once; without it nothing changes (400)."""
    scope, _grantable = _manager(request)
    ua = selectors.account_get(scope, request.user, pk)
    if request.POST.get("confirm") != "1":
        return HttpResponseBadRequest("confirm=1 is required to issue a new password")
    password = services.account_password_issue(ua, by=request.user)
    rows = [(ua.user.first_name, Binding.of(ua).label, ua.user.username, password)]
    back = reverse("account-detail", args=[pk])
    return credentials_page(request, rows, title=_("One-time password issued"), back=back)


@login_required
@require_GET
def village_grids_json(request, code):
    """The village's grids and their member areas, for the pickers of the account form."""
    scope, _grantable = _manager(request)
    village = get_object_or_404(Village, code=code)
    access.require_village(request.user, "manage_accounts", village)
    return JsonResponse({"village": village.code, "grids": village_grids(scope, village)})


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own password; a one-time password must be replaced before anything else
    (gis.middleware.PasswordChangeRequiredMiddleware sends the user here)."""

    form_class = OwnPasswordForm
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs):
        area = access.user_area(self.request.user)
        return super().get_context_data(
            required=area is not None and area.must_change_password, **kwargs
        )

    @method_decorator(transaction.atomic)
    def form_valid(self, form):
        response = super().form_valid(form)
        services.account_password_changed(self.request.user)
        return response
