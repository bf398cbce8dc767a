"""Thin views for field work: the grid page of leaders, members and cadres, its GeoJSON,
visits, the access log and the household export."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import conditional_page, require_GET, require_POST

from grids import selectors as grid_selectors
from grids.access import assignments_visible, require_grid
from grids.serializers import GridFeature
from households import access
from households import selectors as hh_selectors
from households.models import Household
from households.privacy import access_log_export, access_log_write
from households.serializers import feature_response
from households.views import basemaps, map_text, stamped, tile_template

from . import selectors, services
from .exports import households as household_export
from .exports import streaming
from .forms import VisitForm
from .incidents import selectors as incident_selectors
from .serializers import FieldHouseholdFeature, tag_label
from .tiles.grid_layers import HOUSEHOLD_POINTS_ZOOM

MEMBER_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#7f7f7f",
]  # Tableau 10


def _map_config(grid, contacts, households: int) -> dict:
    text = map_text()
    text.update(
        grid=_("Grid"),
        memberArea=_("Member area"),
        noArea=_("No member area"),
        lastVisit=_("Last visit"),
        never=_("never"),
        here=_("Visit location"),
    )
    areas = [
        {"number": c.number, "name": c.name, "color": MEMBER_COLORS[(c.number - 1) % 10]}
        for c in contacts
        if c.post == "member"
    ]
    return {
        "grid": grid.code,
        "tiles": tile_template(),
        "bounds": list(grid.geom.extent),
        "households": households,
        "pointsZoom": HOUSEHOLD_POINTS_ZOOM,
        "basemaps": basemaps(),
        "extent": settings.COUNTY_EXTENT,
        "text": text,
        "areas": areas,
    }


def _render_page(request, grid, *, form=None, status=200):
    scope = access.scope_for(request.user)
    q, tag = request.GET.get("q", ""), request.GET.get("tag", "")
    try:
        assignments = selectors.grid_assignments(request.user, grid, q=q, tag=tag)
    except selectors.ParameterError as exc:
        return HttpResponseBadRequest(str(exc))
    rows, unmasked = selectors.household_rows(request.user, grid, assignments)
    contacts = selectors.grid_contacts(request.user, grid)
    if q or tag:
        overdue, _unmasked = selectors.household_rows(
            request.user, grid, selectors.households_not_visited(request.user, grid)
        )
    else:  # the same households, no second query
        overdue = [r for r in rows if r.overdue]
    can_log = scope.can("log_visits")
    if can_log and form is None:
        form = VisitForm(households=selectors.visit_households(request.user, grid))
    logged = [r.pk for r in rows] if unmasked else []
    logged += [c.household_id for c in contacts if c.in_clear]  # the people's own phones
    access_log_write(request, logged)
    tags = [(t, tag_label(t)) for t in selectors.visible_tags(request.user, grid)]
    labels = dict(tags)
    return render(
        request,
        "layers/field.html",
        {
            "grid": grid,
            "q": q,
            "tag": tag,
            "tags": tags,
            "rows": [(r, [(t, labels[t]) for t in r.tags]) for r in rows],
            "contacts": contacts,
            "visits": selectors.grid_visits(request.user, grid),
            "overdue": overdue,
            "overdue_days": selectors.NOT_VISITED_DAYS,
            "form": form,
            "can_log": can_log,
            "is_member": scope.role == "grid_member",
            "map_config": _map_config(
                grid, contacts, assignments_visible(request.user, grid).count()
            ),
            "member_colors": MEMBER_COLORS,
            "mine": scope.grid_bound,
            "can_edit": scope.can("edit_households"),
            "incident_counts": incident_selectors.queue_counts(request.user),
        },
        status=status,
    )


@login_required
@require_GET
def my_grid(request):
    """The grid leader's or member's own page; other roles go to their map."""
    if not access.scope_for(request.user).grid_bound:
        return redirect("home")
    grid = selectors.grid_of_user(request.user)
    if grid is None:
        return render(request, "grids/no_area.html", status=404)
    return _render_page(request, grid)


@login_required
@require_GET
def grid_work(request, code):
    grid = selectors.grid_current(code)
    require_grid(request.user, "view_grid", grid)
    return _render_page(request, grid)


@login_required
@require_POST
def visit_add(request, code):
    grid = selectors.grid_current(code)
    require_grid(request.user, "log_visits", grid)
    form = VisitForm(
        request.POST, request.FILES, households=selectors.visit_households(request.user, grid)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_create(
                request.user,
                data["household"],
                visited_on=data["visited_on"],
                note=data["note"],
                photo=data["photo"],
                point=data["point"],
            )
        except ValidationError as exc:
            for field, errors in exc.update_error_dict({}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Visit logged."))
            mine = access.scope_for(request.user).grid_bound
            return redirect("my-grid") if mine else redirect("grid-work", code=grid.code)
    return _render_page(request, grid, form=form, status=400)


@login_required
@require_GET
@gzip_page
def grid_outline(request, code):
    grid = selectors.grid_current(code)
    scope = require_grid(request.user, "view_grid", grid)
    township = [grid.village.township_id]
    outline = grid_selectors.grids_layer(scope).filter(pk=grid.pk)
    return stamped(request, scope, township, lambda: feature_response(GridFeature, outline))


@login_required
@require_GET
@gzip_page
@conditional_page  # visits change it, not only the stamped data: an ETag of the content
def grid_households(request, code):
    """The grid's households as the user may see them; ?member=<n>, ?bbox=w,s,e,n filter."""
    grid = selectors.grid_current(code)
    require_grid(request.user, "view_grid", grid)
    try:
        bbox = hh_selectors.parse_bbox(request.GET.get("bbox"))
        assignments = selectors.grid_assignments(
            request.user,
            grid,
            member=request.GET.get("member"),
            q=request.GET.get("q", ""),
            tag=request.GET.get("tag", ""),
        )
    except (hh_selectors.BBoxError, selectors.ParameterError) as exc:
        return HttpResponseBadRequest(str(exc))
    if bbox:
        assignments = assignments.filter(household__location__within=Polygon.from_bbox(bbox))
    rows, unmasked = selectors.household_rows(request.user, grid, assignments)
    if unmasked:
        access_log_write(request, [r.pk for r in rows])
    return feature_response(FieldHouseholdFeature, rows)


@login_required
@require_GET
def visit_photo(request, pk):
    visit = selectors.visits_visible(request.user).filter(pk=pk).first()
    if visit is None or not visit.photo:
        raise Http404
    access_log_write(request, [visit.household_id], action="photo")
    return FileResponse(visit.photo.open("rb"))


@login_required
@require_GET
def access_log(request):
    access.require(request.user, "read_access_log")
    page = Paginator(selectors.access_log_list(request.user), 50).get_page(request.GET.get("page"))
    ids = {i for entry in page for i in entry.household_ids[:20]}
    external = dict(Household.objects.filter(pk__in=ids).values_list("pk", "external_id"))
    entries = [(e, [external.get(i, str(i)) for i in e.household_ids[:20]]) for e in page]
    return render(request, "layers/access_log.html", {"page": page, "entries": entries})


def _export(request, suffix: str):
    """The user's households as CSV or XLSX, masked, streamed; the export is logged."""
    scope = access.require(request.user, "export")
    township = None
    code = request.GET.get("township")
    if code is not None:
        if not (len(code) == 9 and code.isascii() and code.isdigit()):
            return HttpResponseBadRequest(household_export.ERR_TOWNSHIP.format(value=code[:20]))
        township = hh_selectors.township_get(code)
        access.require_township(request.user, "export", township)
    header = household_export.export_header(scope)
    count = household_export.export_households(scope, township).count()
    access_log_export(request, count, {"township": code or ""})
    rows = household_export.export_rows(scope, township)
    if suffix == "xlsx":
        body = streaming.xlsx_stream(header, rows, sheet=_("Households"))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = streaming.csv_stream(header, rows), "text/csv; charset=utf-8"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="households-{stamp}.{suffix}"'
    return response


@login_required
@require_GET
def households_export(request):
    return _export(request, "csv")


@login_required
@require_GET
def households_export_xlsx(request):
    return _export(request, "xlsx")
