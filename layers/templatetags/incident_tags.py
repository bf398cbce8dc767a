"""Template helpers of the incident pages: labels of states, tiers and steps, and the map
overlay (its configuration and scripts) that map pages include."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join, json_script
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from layers.incidents.models import STATE_CHOICES, TIER_CHOICES, IncidentCategory

register = template.Library()
# The overlay opens on the last 90 days: what is being worked on and what just closed (a
# township's year is thousands of markers; the heat layer and the window show more).
OVERLAY_DAYS = 90
STATES = dict(STATE_CHOICES)
TIERS = dict(TIER_CHOICES)
ACTIONS = {
    "report": gettext_lazy("reported"),
    "accept": gettext_lazy("Accept"),
    "dispatch": gettext_lazy("Dispatch"),
    "handle": gettext_lazy("Handled"),
    "verify": gettext_lazy("Verify"),
    "send_back": gettext_lazy("Send back"),
    "close": gettext_lazy("Close"),
    "reject": gettext_lazy("Reject"),
    "merge": gettext_lazy("Merge"),
    "escalate": gettext_lazy("Escalate"),
    "extend": gettext_lazy("Ask for more time"),
    "approve_extension": gettext_lazy("Approve the extension"),
    "refuse_extension": gettext_lazy("Refuse the extension"),
    "rate": gettext_lazy("Rated"),
    "reopen": gettext_lazy("Reopened"),
}
STATE_COLORS = {  # = incidents.js
    "reported": "#6a51a3",
    "accepted": "#3182bd",
    "dispatched": "#fd8d3c",
    "sent_back": "#e6550d",
    "handled": "#31a354",
    "verified": "#74c476",
    "closed": "#969696",
    "merged": "#bdbdbd",
    "rejected": "#636363",
}


@register.filter
def state_label(value):
    return STATES.get(value, value)


@register.filter
def tier_label(value):
    return TIERS.get(value, value)


@register.filter
def action_label(value):
    return ACTIONS.get(value, value)


@register.simple_tag
def incident_overlay(where: str, code: str, *, cluster: bool = False):
    """The incident overlay of a map page: ``where`` is township, village or grid (the
    features' filter), ``cluster`` adds the marker-cluster script (pages without it)."""
    text = {
        "title": _("Incidents"),
        "markers": _("Markers"),
        "heat": _("Heat"),
        "window": _("Reported in"),
        "open": _("Open only"),
        "days": _("days"),
        "all": _("all"),
        "overdue": _("overdue"),
        "view": _("Open"),
        "loaded": _("incidents"),
        "failed": _("Could not load"),
        "states": {k: str(v) for k, v in STATES.items()},
        "tiers": {k: str(v) for k, v in TIERS.items()},
    }
    config = {
        "features": f"{reverse('incident-features')}?{where}={code}",
        "heat": f"{reverse('incident-heat')}?{where}={code}",
        "detail": reverse("incident-detail", args=[0]).replace("/0/", "/ID/"),
        "stateColors": STATE_COLORS,
        "categories": {
            code: {"name": name, "color": color}
            for code, name, color in IncidentCategory.objects.values_list("code", "name", "color")
        },
        "days": OVERLAY_DAYS,
        "text": text,
    }
    scripts = (["vendor/markercluster/leaflet.markercluster.js"] if cluster else []) + [
        "vendor/leaflet-heat/leaflet-heat.js",
        "gis/incidents.js",
    ]
    styles = (
        ["vendor/markercluster/MarkerCluster.css", "vendor/markercluster/MarkerCluster.Default.css"]
        if cluster
        else []
    ) + ["gis/incidents.css"]
    return format_html(
        "{}{}{}",
        json_script(config, "incident-overlay-config"),
        format_html_join("", '<link rel="stylesheet" href="{}">', ((static(s),) for s in styles)),
        format_html_join("", '<script src="{}"></script>', ((static(s),) for s in scripts)),
    )


@register.filter
def get_count(counts: dict, key: str):
    return counts.get(key, 0)
