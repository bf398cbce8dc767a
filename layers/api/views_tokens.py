"""County staff issue, list and revoke personal API tokens (pages, session only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from households import access

from .forms import TokenIssueForm
from .models import ApiToken
from .tokens import token_issue, token_revoke


def _page(request, form, *, key="", status=200):
    scope = access.scope_for(request.user)
    tokens = ApiToken.objects.for_scope(scope).select_related("user", "created_by", "revoked_by")
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens[:500],
            "key": key,
            "ogc": request.build_absolute_uri("/ogc/"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    """The list, and the form that issues one (its key is shown on this answer only)."""
    access.require(request.user, "api_tokens")
    if request.method == "GET":
        return _page(request, TokenIssueForm())
    form = TokenIssueForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    _token, key = token_issue(
        user=form.cleaned_data["username"], name=form.cleaned_data["name"], issued_by=request.user
    )
    return _page(request, TokenIssueForm(), key=key)


@login_required
@require_POST
def token_revoke_view(request, pk):
    access.require(request.user, "api_tokens")
    token = ApiToken.objects.for_scope(access.scope_for(request.user)).filter(pk=pk).first()
    if token is None:
        raise Http404
    token_revoke(token, revoked_by=request.user)
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("api-tokens")
