from django.contrib.gis import admin

from .models import Visit


@admin.register(Visit)
class VisitAdmin(admin.GISModelAdmin):
    list_display = ("household", "grid_code", "member_number", "visited_on", "created_by")
    list_filter = ("visited_on",)
    search_fields = ("household__external_id", "grid_code")
    raw_id_fields = ("household", "created_by")
    readonly_fields = ("created_at",)


from .incidents.models import Incident, IncidentCategory  # noqa: E402


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    """Categories are data: names, time limits and starting tiers are set here."""

    list_display = ("name", "code", "deadline_hours", "max_hours", "start_tier", "active", "order")
    list_editable = ("deadline_hours", "max_hours", "start_tier", "active", "order")


@admin.register(Incident)
class IncidentAdmin(admin.GISModelAdmin):
    """Read here; changed only through the workflow (the incident pages)."""

    list_display = ("tracking_code", "category", "state", "tier", "township", "reported_at")
    list_filter = ("state", "tier", "category")
    search_fields = ("tracking_code", "external_ref", "grid_code")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
