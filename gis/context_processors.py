from django.conf import settings
from django.utils.functional import SimpleLazyObject

from households.access import scope_for
from layers.incidents.selectors import queue_counts, unread_count


def access(request):
    """The user's scope for templates: navigation shows only what the role may use."""
    scope = scope_for(request.user)
    incidents = scope.can("view_incidents")
    return {
        "gis_scope": scope,
        "gis_can_import": scope.can("import"),
        "gis_can_coverage": scope.can("coverage"),
        "gis_can_read_log": scope.can("read_access_log"),
        # evaluated only by the templates that show them (the nav badge, landing pages)
        "gis_incident_unread": SimpleLazyObject(
            lambda: unread_count(request.user) if incidents else 0
        ),
        "gis_incidents": SimpleLazyObject(lambda: queue_counts(request.user) if incidents else {}),
        "gis_can_manage_accounts": scope.can("manage_accounts"),
        "gis_can_assess": scope.can("assess"),
        "gis_can_points": scope.can("view_points"),
        "gis_county_name": settings.COUNTY_NAME,
    }
