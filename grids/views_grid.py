"""A grid's page for township staff: households, leader and members, confirm or change."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.access import require_grid
from grids.appointments import (
    AppointmentError,
    account_issue_password,
    appointments_accounts_sync,
    grid_appoint_leader,
    member_area_appoint,
)
from grids.candidates import CandidateError, candidates_posted, candidates_search
from grids.models import Grid, GridAssignment
from grids.serializers import CandidateSerializer
from households.models import Person, UserArea


def _grid(request, code) -> Grid:
    grid = get_object_or_404(
        Grid.objects.select_related("village", "version", "leader"),
        code=code,
        version__valid_to__isnull=True,
    )
    require_grid(request.user, "appoint", grid)
    return grid


ERR_ISSUE = "issue: expected the number of a post holder, not {value!r}"


@login_required
@require_GET
def grid_candidates(request, code):
    """Residents for a post's picker: ?q= a name, household number or head of household."""
    grid = _grid(request, code)
    try:
        people = candidates_search(grid, request.GET.get("q", ""))
    except CandidateError as exc:
        return HttpResponseBadRequest(str(exc))
    return JsonResponse({"results": CandidateSerializer(people, many=True).data})


@login_required
def grid_detail(request, code):
    grid = _grid(request, code)
    areas = list(grid.member_areas.select_related("member").order_by("number"))
    if request.method == "POST" and "issue" in request.POST:
        holders = [p for p in [grid.leader_id, *[a.member_id for a in areas]] if p]
        if not (request.POST["issue"].isascii() and request.POST["issue"].isdigit()):
            return HttpResponseBadRequest(ERR_ISSUE.format(value=request.POST["issue"][:20]))
        person = get_object_or_404(
            Person.objects.filter(pk__in=holders, user_area__isnull=False), pk=request.POST["issue"]
        )
        username, password = account_issue_password(person, by=request.user)
        messages.success(
            request,
            _(
                "Account %(user)s of %(name)s: new password %(password)s "
                "(shown once; ask them to change it after logging in)."
            )
            % {"user": username, "name": person.name, "password": password},
        )
        return redirect("grid-detail", code=code)
    if request.method == "POST":
        fields = ["leader", *(f"area-{a.pk}" for a in areas)]
        try:
            chosen = candidates_posted(grid, {f: request.POST.get(f, "") for f in fields})
        except CandidateError as exc:
            return HttpResponseBadRequest(str(exc))
        try:
            with transaction.atomic():
                grid_appoint_leader(grid, chosen["leader"])
                for area in areas:
                    member_area_appoint(area, chosen[f"area-{area.pk}"])
        except AppointmentError as exc:
            messages.error(request, str(exc))
        else:
            synced = appointments_accounts_sync(grid.village)
            messages.success(
                request, _("Appointments of grid %(grid)s saved.") % {"grid": grid.code}
            )
            if synced["created"]:
                messages.info(
                    request,
                    _("New accounts: %(users)s. Issue each a password below.")
                    % {"users": ", ".join(synced["created"])},
                )
            return redirect("grid-detail", code=code)
    households = (
        GridAssignment.objects.filter(grid=grid)
        .select_related("household", "member_area")
        .order_by("member_area__number", "household__external_id")
    )
    accounts = dict(
        UserArea.objects.filter(
            person__in=[p for p in [grid.leader_id, *[a.member_id for a in areas]] if p]
        ).values_list("person_id", "user__username")
    )
    return render(
        request,
        "grids/grid_detail.html",
        {
            "accounts": accounts,
            "grid": grid,
            "areas": areas,
            "households": households,
            "township": grid.village.township,
        },
    )
