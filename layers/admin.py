from django.contrib.gis import admin

from .models import Visit


@admin.register(Visit)
class VisitAdmin(admin.GISModelAdmin):
    list_display = ("household", "grid_code", "member_number", "visited_on", "created_by")
    list_filter = ("visited_on",)
    search_fields = ("household__external_id", "grid_code")
    raw_id_fields = ("household", "created_by")
    readonly_fields = ("created_at",)
