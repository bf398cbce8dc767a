"""A grid's page for township staff: households, leader and members, confirm or change."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from grids.access import require_grid
from grids.appointments import AppointmentError, grid_appoint_leader, member_area_appoint
from grids.models import Grid, GridAssignment
from households.models import Person


def _candidates(grid: Grid):
    return Person.objects.filter(household__group__village=grid.village).select_related(
        "household").order_by("name")


@login_required
def grid_detail(request, code):
    grid = get_object_or_404(
        Grid.objects.select_related("village", "version", "leader"),
        code=code, version__valid_to__isnull=True)
    require_grid(request.user, "appoint", grid)
    areas = list(grid.member_areas.select_related("member").order_by("number"))
    if request.method == "POST":
        try:
            with transaction.atomic():
                people = {str(p.pk): p for p in _candidates(grid)}
                grid_appoint_leader(grid, people.get(request.POST.get("leader", "")))
                for area in areas:
                    member_area_appoint(area, people.get(request.POST.get(f"area-{area.pk}", "")))
        except AppointmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{grid.code}: ✓")
            return redirect("grid-detail", code=code)
    households = GridAssignment.objects.filter(grid=grid).select_related(
        "household", "member_area").order_by("member_area__number", "household__external_id")
    return render(request, "grids/grid_detail.html", {
        "grid": grid, "areas": areas, "households": households,
        "candidates": _candidates(grid), "township": grid.village.township,
    })
