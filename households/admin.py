from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Household, Person, Township, Village, VillageGroup


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Village)
class VillageAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "township", "code_year", "grid_target", "grid_min", "grid_max")
    list_filter = ("township",)
    search_fields = ("code", "name")


@admin.register(VillageGroup)
class VillageGroupAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "village")
    list_filter = ("village__township", "village")
    search_fields = ("code", "name")


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0


@admin.register(Household)
class HouseholdAdmin(LeafletGeoAdmin):
    list_display = ("external_id", "head", "members", "group", "location_note")
    list_filter = ("group__village", "dibao", "party_member_household")
    search_fields = ("external_id", "head", "address")
    raw_id_fields = ("group",)
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "household", "party_member", "group_leader")
    list_filter = ("party_member", "group_leader", "womens_group_leader", "five_elders")
    search_fields = ("name", "household__external_id")
    raw_id_fields = ("household",)
