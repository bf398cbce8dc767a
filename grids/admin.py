from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Grid, GridAssignment, GridVersion, MemberArea, PartitionRun


@admin.register(GridVersion)
class GridVersionAdmin(admin.ModelAdmin):
    list_display = ("village", "number", "valid_from", "valid_to", "source", "created_by")
    list_filter = ("source", "village__township")


class MemberAreaInline(admin.TabularInline):
    model = MemberArea
    extra = 0
    raw_id_fields = ("member",)


@admin.register(Grid)
class GridAdmin(LeafletGeoAdmin):
    list_display = ("code", "village", "version", "household_count", "locked", "leader")
    list_filter = ("locked", "village__township", "village")
    search_fields = ("code",)
    raw_id_fields = ("leader", "version")
    inlines = [MemberAreaInline]


@admin.register(MemberArea)
class MemberAreaAdmin(admin.ModelAdmin):
    list_display = ("__str__", "grid", "member", "household_count")
    raw_id_fields = ("grid", "member")


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    list_display = ("household", "grid", "member_area", "version")
    raw_id_fields = ("household", "grid", "member_area", "version")


@admin.register(PartitionRun)
class PartitionRunAdmin(admin.ModelAdmin):
    list_display = ("scope", "scope_code", "status", "created_by", "created_at")
    readonly_fields = ("summary", "diff")
    exclude = ("proposal",)
