"""Thin views for staff, cadres and grid people: work queues, an incident's page and its
steps, reporting from a page, notifications, the map layers."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from households.access import require, scope_for
from households.privacy import access_log_write
from households.scoping import contains
from households.serializers import feature_response

from . import maps, notify, selectors, stats, transitions
from . import workflow as wf
from .forms import ActionForm, ReportForm
from .models import Incident, IncidentPhoto
from .serializers import HeatCellFeature, IncidentFeature
from .services import incident_report
from .views_public import form_context

PAGE = 50
YEAR = dt.timedelta(days=365)
STATS_BY = {"township": "village", "county": "township", "admin": "township", "village": "grid"}


@login_required
@require_GET
def incident_queue(request):
    require(request.user, "view_incidents")
    scope = scope_for(request.user)
    name = request.GET.get("q") or ("grid" if scope.grid_bound else "tier")
    try:
        qs = selectors.queue(request.user, name)
    except selectors.ParameterError as exc:
        return HttpResponseBadRequest(str(exc))
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    by = STATS_BY.get(scope.role)
    return render(
        request,
        "layers/incidents/queue.html",
        {
            "queue": name,
            "queues": [q for q in selectors.QUEUES if q != "grid" or scope.grid_bound],
            "counts": selectors.queue_counts(request.user),
            "page": page,
            "stats": stats.stats_for(request.user, by, since=timezone.now() - YEAR) if by else None,
            "stats_by": by,
            "can_import": scope.can("import"),
        },
    )


def _detail(request, incident: Incident, *, form=None, status=200):
    actions = transitions.actions_for(request.user, incident)
    phone = selectors.contact_phone(request.user, incident)
    if phone and phone == incident.contact_phone:  # the handler sees it in clear: logged
        access_log_write(request, [], always=True)
    return render(
        request,
        "layers/incidents/detail.html",
        {
            "incident": incident,
            "phone": phone,
            "events": selectors.timeline(incident),
            "report_photos": incident.photos.filter(event__action="report"),
            "actions": actions,
            "handlers": selectors.handler_choices(incident) if "dispatch" in actions else [],
            "form": form,
            "signal": _signal(incident),
            "map_point": {"lon": incident.point.x, "lat": incident.point.y},
            "map_config": form_context(None)["map_config"],
        },
        status=status,
    )


def _signal(incident: Incident) -> str:
    if incident.state not in wf.CLOCK:
        return ""
    return wf.signal(timezone.now(), incident.dispatched_at, incident.deadline_at)


@login_required
@require_GET
def incident_detail(request, pk):
    return _detail(request, selectors.incident_get(request.user, pk))


@login_required
@require_POST
def incident_act(request, pk):
    incident = selectors.incident_get(request.user, pk)  # 404 outside the area, first
    form = ActionForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, incident, form=form, status=400)
    try:
        transitions.incident_act(
            request.user, incident, form.cleaned_data["action"], **form.options()
        )
    except transitions.Refused as exc:
        form.add_error(None, exc.messages)
        return _detail(request, incident, form=form, status=403)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _detail(request, incident, form=form, status=400)
    messages.success(request, _("Saved."))
    return redirect("incident-detail", pk=incident.pk)


@login_required
@require_GET
def incident_photo(request, pk):
    photo = IncidentPhoto.objects.for_scope(scope_for(request.user)).filter(pk=pk).first()
    if photo is None:
        raise Http404
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


@login_required
def incident_new(request):
    """A report from a grid page or a cadre's or staff's page (often for a resident)."""
    scope = require(request.user, "report_incidents")
    initial = {}
    if request.method == "GET" and "visit" in request.GET:  # a visit note turned into one
        try:
            initial = selectors.report_from_visit(request.user, request.GET["visit"])
        except selectors.ParameterError as exc:
            return HttpResponseBadRequest(str(exc))
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        channel = Incident.Channel.GRID if scope.grid_bound else Incident.Channel.STAFF
        try:
            incident = incident_report(form.new_incident(), channel=channel, reporter=request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            done = _("Incident reported: %(code)s") % {"code": incident.tracking_code}
            messages.success(request, done)
            if contains(scope, incident):  # a point outside the reporter's own area: queue
                return redirect("incident-detail", pk=incident.pk)
            return redirect("incident-queue")
    status = 400 if request.method == "POST" else 200
    return render(request, "layers/incidents/new.html", form_context(form), status=status)


@login_required
def incident_notifications(request):
    require(request.user, "view_incidents")
    if request.method == "POST":
        notify.notifications_read(request.user)
        return redirect("incident-notifications")
    page = Paginator(selectors.notifications(request.user), PAGE).get_page(request.GET.get("page"))
    return render(request, "layers/incidents/notifications.html", {"page": page})


def _map_layer(request, selector, serializer):
    require(request.user, "view_incidents")
    try:
        f = maps.window(request.GET)
    except selectors.ParameterError as exc:
        return HttpResponseBadRequest(str(exc))
    return feature_response(serializer, selector(request.user, f))


@login_required
@require_GET
def incident_features(request):
    """The incidents of the user's area as GeoJSON: ?township|village|grid=code, ?days=N,
    ?open=1, ?bbox=."""
    return _map_layer(request, maps.incident_points, IncidentFeature)


@login_required
@require_GET
def incident_heat(request):
    """Incidents counted per cell (200 m; 1 km for the whole county), same filters."""
    return _map_layer(request, maps.heat_cells, HeatCellFeature)
